// The service: every operation of the `Ops` table (api/ops.ts), with jobs and events. It checks each request
// (OP_CHECKS), loads the op's domain module (service/domains.ts -> service/handlers/<domain>.ts) once per Service
// instance, and calls its handler with the ServiceContext (context.ts); the registries the handlers share (job
// kinds, live runs, the training backend, loaded models) are fields of this instance.
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KpsError, fromStoreError, quoteExcerpt } from '../core/errors.js';
import type { ProjectStore } from '../store/types.js';
import { LATEST_VERSION } from '../store/migrations.js';
import { requireObject } from '../api/checks.js';
import {
  EVENT_NAMES,
  OP_NAMES,
  checkRequest,
  type ApiClient,
  type EventName,
  type Events,
  type JobRef,
  type OpName,
  type OpRequest,
  type OpResponse,
  type Ops,
  type ProjectInfo,
} from '../api/ops.js';
import { loadDefaultDeps, type ServiceDeps } from './deps.js';
import { ImageServer, type ImageBody } from './images.js';
import { domainOf, type Domain } from './domains.js';
import { DOMAIN_LOADERS } from './loaders.js';
import { JobRunner } from './jobs.js';
import { bindJobKind, type DomainModule, type ServiceContext, type ServiceState } from './context.js';

export type { OpHandler, ServiceContext } from './context.js';

export interface ServiceOptions {
  mode: 'electron' | 'web';
  /** Defaults to the real store and formats modules. */
  deps?: ServiceDeps;
  /** Default actor written to the journal for edits without one. */
  actor?: string;
  /** App version for app.info (Electron passes app.getVersion()); defaults to package.json's. */
  version?: string;
}

/** Our package.json's version: walk up from this module (src-main/service in the tree, out/main when bundled). */
function appVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'keypoint-studio' && pkg.version) return pkg.version;
    } catch {
      // Not here: keep walking up.
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

type Listener = (payload: unknown) => void;

export class Service {
  private readonly deps: ServiceDeps;
  private readonly mode: 'electron' | 'web';
  private readonly actor: string;
  private readonly version: string;
  private store: ProjectStore | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly images = new ImageServer();
  /** Project open/create/close run one at a time. */
  private lifecycle: Promise<unknown> = Promise.resolve();
  readonly jobs: JobRunner;
  /** What the handler modules share, per instance (context.ts). */
  readonly state: ServiceState = { backend: null, liveRuns: new Map(), models: new Map() };
  private readonly ctx: ServiceContext;
  /** Each domain's handlers, created on the first call of one of its ops (or by preloadExtensions). */
  private readonly domains = new Map<Domain, Promise<DomainModule<Domain>>>();
  /** Domains whose module failed to load, with why: one broken module must not take the others' ops down with it. */
  readonly domainFailures = new Map<Domain, string>();

  constructor(opts: ServiceOptions & { deps: ServiceDeps }) {
    this.deps = opts.deps;
    this.mode = opts.mode;
    this.actor = opts.actor ?? 'annotator';
    this.version = opts.version ?? appVersion();
    this.jobs = new JobRunner({
      onProgress: (s) => this.emit('job.progress', s),
      onEnded: (s) => this.emit('job.ended', s),
      store: () => this.requireStore(),
    });
    this.ctx = {
      store: () => this.requireStore(),
      project: () => this.store,
      info: () => this.info(),
      emit: (e, p) => this.emit(e, p),
      changed: (ids, reason) => this.emit('dataset.changed', { sampleIds: ids, reason }),
      startJob: (kind, params, o) => ({ jobId: this.jobs.startKind(kind, params, o).jobId }),
      jobs: this.jobs,
      state: this.state,
      deps: this.deps,
      actor: this.actor,
      app: { version: this.version, mode: this.mode },
      replaceProject: (open) => this.replaceStore(open),
      closeProject: () => this.closeProject(),
    };
  }

  /** A service over the real store and formats (or the given deps). */
  static async create(opts: ServiceOptions): Promise<Service> {
    const deps = opts.deps ?? (await loadDefaultDeps());
    return new Service({ ...opts, deps });
  }

  /** Call an operation with a request from any transport: checks the name and the request's shape first. */
  async call<K extends OpName>(op: K, req: OpRequest<K>): Promise<OpResponse<K>> {
    return (await this.callUnknown(op, req)) as OpResponse<K>;
  }

  /** Same as `call` for untyped input (transports): unknown names are `not-found`, bad shapes `bad-input`. */
  async callUnknown(op: string, req: unknown): Promise<unknown> {
    try {
      return await this.dispatch(op, req);
    } catch (err) {
      // A busy project file (another process writing) is a retryable `busy`, not a bug with a stack trace.
      throw fromStoreError(err, this.store?.path);
    }
  }

  private async dispatch(op: string, req: unknown): Promise<unknown> {
    if (typeof op !== 'string' || !(OP_NAMES as readonly string[]).includes(op)) {
      throw new KpsError('not-found', `unknown operation ${quoteExcerpt(String(op), 64)}`);
    }
    const name = op as OpName;
    const body = requireObject(op, req);
    checkRequest(name, body);
    const domain = await this.domain(domainOf(name));
    const handler = (domain.handlers as Record<string, (r: unknown, c: ServiceContext) => unknown>)[op];
    return handler(body, this.ctx);
  }

  /** A domain's handlers for this service: its module loaded once, its job kinds registered with this runner. */
  private domain(d: Domain): Promise<DomainModule<Domain>> {
    let p = this.domains.get(d);
    if (!p) {
      p = DOMAIN_LOADERS[d]().then(
        (mod) => {
          const created = mod.createHandlers() as DomainModule<Domain>;
          for (const [kind, run] of Object.entries(created.jobKinds ?? {})) this.jobs.registerKind(kind, bindJobKind(run, this.ctx));
          return created;
        },
        (err: unknown) => {
          const why = err instanceof Error ? err.message : String(err);
          this.domainFailures.set(d, why);
          // Tried again on the next call (a module may load once what it needs is installed).
          this.domains.delete(d);
          throw new KpsError('internal', `the ${d} operations could not be loaded: ${why}`);
        },
      );
      this.domains.set(d, p);
    }
    return p;
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as Listener;
    set.add(l);
    return () => set!.delete(l);
  }

  /** Listen to every event (transports forward them all). */
  onAny(listener: (event: EventName, payload: unknown) => void): () => void {
    const offs = EVENT_NAMES.map((e) => this.on(e, (p) => listener(e, p)));
    return () => offs.forEach((off) => off());
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(payload);
      } catch (err) {
        // A broken listener (a closed socket) must not break the operation that emitted.
        process.emitWarning(`listener for ${event} failed: ${(err as Error).message}`);
      }
    }
  }

  /** The pixels of a sample for `<img>` (HTTP) or the Electron image protocol. */
  async image(sampleId: number, maxSize?: number): Promise<ImageBody> {
    if (!Number.isInteger(sampleId) || sampleId < 0) throw new KpsError('bad-input', `bad sample id "${sampleId}"`);
    return this.images.get(this.requireStore(), sampleId, maxSize);
  }

  /** Load every domain's module in the background, so the first train call does not wait. Never rejects. */
  preloadExtensions(): Promise<void> {
    const all = (Object.keys(DOMAIN_LOADERS) as Domain[]).map((d) =>
      this.domain(d).then(
        () => undefined,
        (err: Error) => process.emitWarning(`service module ${d} could not be loaded: ${err.message}`),
      ),
    );
    return Promise.all(all).then(() => undefined);
  }

  /** Start a job of a registered kind (see jobs.ts). */
  startJob(kind: string, params: unknown): JobRef {
    return this.ctx.startJob(kind, params);
  }

  projectPath(): string | null {
    return this.store?.path ?? null;
  }

  /** Cancel jobs and close the project (process exit). */
  async shutdown(): Promise<void> {
    await this.runLifecycle(async () => {
      await this.jobs.cancelProjectJobs();
      this.store?.close();
      this.store = null;
    });
  }

  private requireStore(): ProjectStore {
    if (!this.store) throw new KpsError('no-project', 'no project is open: create or open one first');
    return this.store;
  }

  private info(): ProjectInfo | null {
    const s = this.store;
    if (!s) return null;
    const info: ProjectInfo = { path: s.path, name: basename(s.path).replace(/\.kps$/i, ''), schema: s.schema, sampleCount: s.sampleCount(), schemaVersion: LATEST_VERSION };
    if (s.readOnly) info.readOnly = true;
    return info;
  }

  private runLifecycle<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lifecycle.then(fn, fn);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  private async replaceStore(open: () => Promise<ProjectStore>): Promise<ProjectInfo> {
    return this.runLifecycle(async () => {
      await this.jobs.cancelProjectJobs();
      const opened = await open();
      this.store?.close();
      this.store = opened;
      this.images.clear();
      const info = this.info()!;
      this.emit('project.changed', { project: info });
      return info;
    });
  }

  private async closeProject(): Promise<void> {
    await this.runLifecycle(async () => {
      await this.jobs.cancelProjectJobs();
      if (this.store) {
        this.store.close();
        this.store = null;
        this.images.clear();
        this.emit('project.changed', { project: null });
      }
    });
  }
}

/** An ApiClient that calls the service in this process (CLI, tests). `imageUrl` is a path for the HTTP server. */
export function createInProcessClient(service: Service): ApiClient {
  return {
    call: <K extends OpName>(op: K, req: OpRequest<K>) => service.call(op, req),
    on: (event, listener) => service.on(event, listener),
    imageUrl: (id) => `/image/${id}`,
  };
}

export type { Ops };
