// The registry of operations that modules other than service.ts implement (train-ops.ts, qc-ops.ts, ...): they
// register their handlers here when they load (service/domains.ts says which module holds which op), and the service
// looks them up. It imports no service module, so registering creates no import cycle.
import type { EventName, Events, JobRef, OpName, OpRequest, OpResponse } from '../api/ops.js';
import type { ProjectStore } from '../store/types.js';
import type { JobRunner } from './jobs.js';
import type { Validator } from './validate.js';

/** What an operation handler gets besides its request. */
export interface ServiceContext {
  /** The open project; throws `no-project` when none is open. */
  store(): ProjectStore;
  /** The open project or null. */
  project(): ProjectStore | null;
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  /** Start a job of a kind registered with `registerJobKind` (jobs.ts); returns its id at once. */
  startJob(kind: string, params: unknown, opts?: { projectBound?: boolean }): JobRef;
  readonly jobs: JobRunner;
}

export type OpHandler<K extends OpName> = (req: OpRequest<K>, ctx: ServiceContext) => Promise<OpResponse<K>> | OpResponse<K>;

interface ExtraOp {
  handler: (req: unknown, ctx: ServiceContext) => unknown;
  validate?: Validator;
}
const extraOps = new Map<string, ExtraOp>();

/** The registered handler of an op, if its module has loaded. */
export function registeredOp(op: string): ExtraOp | undefined {
  return extraOps.get(op);
}

/**
 * Add the handler of an operation that another part of the app owns (e.g. `train.start` from the training engine).
 * The op must also be in `Ops` and `OP_NAMES` (api.ts) so both transports accept it. `validate` checks the request's
 * shape and throws a bad-input KpsError; it may normalise values in place.
 */
export function registerOp<K extends OpName>(op: K, handler: OpHandler<K>, validate?: (req: Record<string, unknown>, op: string) => void): void {
  extraOps.set(op, { handler: handler as ExtraOp['handler'], validate });
}

/** The ops registered by other modules so far (for the test that each domain's loader registers its ops). */
export function registeredOps(): string[] {
  return [...extraOps.keys()];
}

type BackendProvider = () => string | null;
let backendProvider: BackendProvider = () => null;
/** The training engine reports its chosen backend (and why) here; `app.info` shows it. */
export function setBackendProvider(provider: BackendProvider): void {
  backendProvider = provider;
}

/** The backend the training engine reported (null before it loaded). */
export function backendLabel(): string | null {
  return backendProvider();
}

