// What an operation handler gets besides its request, and the types that make the handler modules complete: each
// domain's module (service/handlers/<domain>.ts) exports `createHandlers()`, returning a handler for every op of its
// domain (DomainHandlers<D>: a missing one is a type error) and the job kinds it starts. Imports no service module,
// so the handler modules and the service form no import cycle.
import type { EventName, Events, JobRef, OpName, OpRequest, OpResponse, ProjectInfo } from '../api/ops.js';
import type { ProjectStore } from '../store/types.js';
import type { ServiceDeps } from './deps.js';
import type { JobKindHandler, JobRunContext, JobRunner } from './jobs.js';
import type { Domain, OpsOf } from './domains.js';

/**
 * What the service keeps for the handler modules, per Service instance (two services in one process, as the tests
 * make, share nothing): the registries that were module globals before.
 */
export interface ServiceState {
  /** The training engine's chosen backend and why (app.info shows it); null before a training job chose one. */
  backend: string | null;
  /** Training runs of this service: run id -> its job and, once started, its session (train domain). */
  readonly liveRuns: Map<string, { jobId: string; session: { cancel(): void } | null }>;
  /** Models kept loaded between calls, by purpose (assist keeps the annotator's chosen run). */
  readonly models: Map<string, { key: string; model: { dispose(): void } }>;
}

export interface ServiceContext {
  /** The open project; throws `no-project` when none is open. */
  store(): ProjectStore;
  /** The open project or null. */
  project(): ProjectStore | null;
  /** The open project's summary, or null. */
  info(): ProjectInfo | null;
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  /** Announce changed samples (`dataset.changed`); null: possibly all of them. */
  changed(sampleIds: number[] | null, reason: string): void;
  /** Start a job of a kind a loaded domain declared (DomainModule.jobKinds); returns its id at once. */
  startJob(kind: string, params: unknown, opts?: { projectBound?: boolean }): JobRef;
  readonly jobs: JobRunner;
  readonly state: ServiceState;
  /** The store and formats modules (tests inject fakes). */
  readonly deps: ServiceDeps;
  /** The actor written to the journal for edits that name none. */
  readonly actor: string;
  readonly app: { version: string; mode: 'electron' | 'web' };
  /** Replace the open project with the one `open` returns (open and create), one lifecycle change at a time. */
  replaceProject(open: () => Promise<ProjectStore>): Promise<ProjectInfo>;
  /** Close the open project (its jobs are cancelled first). */
  closeProject(): Promise<void>;
}

export type OpHandler<K extends OpName> = (req: OpRequest<K>, ctx: ServiceContext) => Promise<OpResponse<K>> | OpResponse<K>;

/** A handler for every op of a domain: `DomainHandlers<'qc'>` lacking 'qc.list' does not compile. */
export type DomainHandlers<D extends Domain> = { [K in OpsOf<D>]: OpHandler<K> };

/** A job kind of a domain: a job handler that also sees the service (its state, events). */
export type DomainJobKind<P = never, R = unknown> = (params: P, job: JobRunContext, ctx: ServiceContext) => Promise<R>;

/** What a domain's module creates for one Service instance. */
export interface DomainModule<D extends Domain> {
  handlers: DomainHandlers<D>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own params type
  jobKinds?: Record<string, DomainJobKind<any, unknown>>;
}

/** Adapts a domain's job kind to the job runner's handler type, with the service context bound. */
export function bindJobKind(kind: DomainJobKind<never, unknown>, ctx: ServiceContext): JobKindHandler {
  return (params, job) => kind(params as never, job, ctx);
}
