// The service: every operation of the `Ops` table over the project store and the formats, with jobs and events.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { abortable } from '../core/abort.js';
import { coordinateProblem } from '../core/coordinates.js';
import { KpsError, RepeatImportError, fromStoreError, quoteExcerpt } from '../core/errors.js';
import type { ImportedSample } from '../formats/types.js';
import { kaggleAddWarning } from '../formats/kaggle-fit.js';
import { validateSchema } from '../core/schema.js';
import type { KeypointSchema } from '../core/types.js';
import type { ProjectStore } from '../store/types.js';
import { LATEST_VERSION } from '../store/migrations.js';
import {
  EVENT_NAMES,
  OP_NAMES,
  type ApiClient,
  type EventName,
  type Events,
  type ImportResult,
  type JobRef,
  type OpName,
  type OpRequest,
  type OpResponse,
  type Ops,
  type ProjectInfo,
} from '../api/ops.js';
import { loadDefaultDeps, type ServiceDeps } from './deps.js';
import { describeSubset, resolveSubset, subsetSource, withoutPredicted } from './export-subset.js';
import type { ExportResult } from '../api/export.js';
import { ImageServer, type ImageBody } from './images.js';
import { extensionFailures, loadDomain, loadExtensions } from './extensions.js';
import { domainOf, type OpsOf } from './domains.js';
import { JobRunner, type JobRunContext } from './jobs.js';
import { requireObject, validators } from './validate.js';
import { backendLabel, registeredOp, type OpHandler, type ServiceContext } from './registry.js';

// Handlers of other modules register here (registry.ts): they import the registry, never this file, so the service
// and its modules form no import cycle.
export { registerOp, registeredOps, setBackendProvider, type OpHandler, type ServiceContext } from './registry.js';

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

/** The ops this file implements: the domain table's `core` (service/domains.ts), so the two cannot disagree. */
type CoreOp = OpsOf<'core'>;

type Listener = (payload: unknown) => void;

/**
 * Exports never replace what is already at `out` unless the request says so (the app asks first): an existing
 * file, link or non-empty folder is a 'conflict' naming it. An empty folder holds nothing to lose.
 */
function refuseToReplace(out: string): void {
  let isDir: boolean;
  try {
    isDir = lstatSync(out).isDirectory();
  } catch {
    return;
  }
  if (isDir && readdirSync(out).length === 0) return;
  throw new KpsError('conflict', `${out} already exists; export again with overwrite to replace it`, { file: out });
}

function checkSchemaObject(s: unknown): KeypointSchema {
  // The same validation as a schema file (names one safe token, no control characters); the title defaults to the id.
  const value = s !== null && typeof s === 'object' && !Array.isArray(s) && (s as { title?: unknown }).title === undefined ? { ...s, title: (s as { id?: unknown }).id } : s;
  return validateSchema(value, 'project.create: schema');
}

/**
 * Whether `path` exists, without blocking the main thread: an asynchronous stat, given up after a second
 * (a hung mount) so that the import starts as a job and its own, cancellable checks report the problem.
 */
async function pathState(path: string): Promise<'exists' | 'missing' | 'unknown'> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'unknown'>((r) => {
    timer = setTimeout(() => r('unknown'), 1000);
    timer.unref();
  });
  const checked = stat(path).then(
    () => 'exists' as const,
    (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' || err.code === 'ENOTDIR' ? ('missing' as const) : ('exists' as const)),
  );
  try {
    return await Promise.race([checked, slow]);
  } finally {
    clearTimeout(timer);
  }
}

/** SHA-256 of a file's bytes, streamed (a folder gives null); cancellable through the job's signal. */
async function fileHash(path: string, signal: AbortSignal): Promise<string | null> {
  if (!(await stat(path)).isFile()) return null;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** SHA-256 of the sorted image paths of file-backed samples: the same photos imported again, from any annotation file. */
function imageSetHash(samples: readonly ImportedSample[]): string | null {
  const paths = samples.flatMap((s) => (s.image.kind === 'file' ? [resolve(s.image.path)] : [])).sort();
  return paths.length === 0 ? null : createHash('sha256').update(paths.join('\n')).digest('hex');
}

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
  private readonly ctx: ServiceContext;
  private readonly handlers: { [K in CoreOp]: OpHandler<K> };

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
      emit: (e, p) => this.emit(e, p),
      startJob: (kind, params, o) => ({ jobId: this.jobs.startKind(kind, params, o).jobId }),
      jobs: this.jobs,
    };
    this.handlers = this.makeHandlers();
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
    const body = requireObject(op, req);
    // An op of another module (train.*, runs.*, qc.*, ...) loads that module only (long-running front ends preload all).
    const domain = domainOf(op as OpName);
    if (domain !== 'core' && !registeredOp(op)) await loadDomain(domain);
    const extra = registeredOp(op);
    if (extra) {
      extra.validate?.(body, op);
      return extra.handler(body, this.ctx);
    }
    const validate = validators[op as OpName];
    const handler = (this.handlers as Record<string, ((r: unknown, c: ServiceContext) => unknown) | undefined>)[op];
    if (!validate || !handler) {
      const failed = [...extensionFailures].map(([name, why]) => `${name}: ${why}`).join('; ');
      throw new KpsError('internal', `operation "${op}" has no handler registered${failed ? ` (modules that failed to load: ${failed})` : ''}`);
    }
    validate(body, op);
    return handler(body, this.ctx);
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

  /** Load the other modules' ops (training) in the background, so the first train call and app.info's backend do not wait. */
  preloadExtensions(): void {
    void loadExtensions().then(() => {
      for (const [name, why] of extensionFailures) process.emitWarning(`service module ${name} could not be loaded: ${why}`);
    });
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

  private changed(sampleIds: number[] | null, reason: string): void {
    this.emit('dataset.changed', { sampleIds, reason });
  }

  private makeHandlers(): { [K in CoreOp]: OpHandler<K> } {
    const deps = this.deps;
    return {
      'app.info': () => ({ version: this.version, mode: this.mode, backend: backendLabel() }),
      'schema.list': async () => deps.listSchemas(),

      'project.create': async (req) => {
        const path = resolve(req.path);
        if (existsSync(path)) throw new KpsError('conflict', `${path} already exists: open it, or choose another name`, { file: path });
        if (!existsSync(dirname(path))) throw new KpsError('not-found', `folder ${dirname(path)} does not exist`, { file: path });
        const schema = typeof req.schema === 'string' ? await deps.resolveSchema(req.schema) : checkSchemaObject(req.schema);
        return this.replaceStore(async () => deps.createProject(path, schema));
      },
      'project.open': async (req) => {
        const path = resolve(req.path);
        if (!existsSync(path)) throw new KpsError('not-found', `${path}: no such project file`, { file: path });
        if (statSync(path).isDirectory()) throw new KpsError('bad-input', `${path} is a folder, not a project file`, { file: path });
        const readOnly = req.readOnly === true;
        const current = this.store;
        // This service already writes this project (the renderer reopening it): keep it; a new open would meet our own lock.
        if (current && current.path === path && !current.readOnly && !readOnly) {
          const info = this.info()!;
          this.emit('project.changed', { project: info });
          return info;
        }
        return this.replaceStore(async () => deps.openProject(path, { readOnly }));
      },
      'project.info': () => this.info(),
      'project.close': async () => {
        await this.runLifecycle(async () => {
          await this.jobs.cancelProjectJobs();
          if (this.store) {
            this.store.close();
            this.store = null;
            this.images.clear();
            this.emit('project.changed', { project: null });
          }
        });
        return { ok: true as const };
      },

      'import.start': async (req) => {
        const store = this.requireStore();
        const path = resolve(req.path);
        const importer = deps.importers[req.format];
        if (!importer) throw new KpsError('bad-input', `import format "${req.format}" is not available`);
        if ((await pathState(path)) === 'missing') throw new KpsError('not-found', `${path}: no such file or folder`, { file: path });
        const status = this.jobs.start('import', async (ctx: JobRunContext) => {
          ctx.progress(0, 0, `reading ${basename(path)}`);
          // Raced with the signal so that cancel, project close and shutdown never wait on a read that hangs
          // (a hung mount); the importer writes nothing, so abandoning it leaves nothing half done.
          const samples = await abortable(importer(path, store.schema, { progress: (d, t, m) => ctx.progress(d, t, m), signal: ctx.signal }), ctx.signal);
          await ctx.checkpoint();
          if (this.store !== store) throw new KpsError('conflict', 'the project was closed during the import');
          const key = { format: req.format, path, contentHash: await fileHash(path, ctx.signal), imageSetHash: imageSetHash(samples) };
          await ctx.checkpoint();
          const earlier = store.findRepeatedImport(key);
          const actor = `import:${req.format}`;
          if (earlier && req.onRepeat === undefined) throw new RepeatImportError(path, earlier);
          if (earlier && req.onRepeat === 'skip') {
            return { count: 0, firstId: 0, lastId: 0, actionId: null, path, format: req.format, repeat: 'skip' } satisfies ImportResult;
          }
          if (earlier && req.onRepeat === 'replace-labels') {
            ctx.progress(samples.length, samples.length, `replacing labels of ${samples.length} samples`);
            const r = store.replaceImportLabels(samples, actor, `Replace labels from ${basename(path)}`);
            if (r.actionId !== null) this.changed(null, 'import');
            return { count: 0, firstId: 0, lastId: 0, path, format: req.format, repeat: 'replace-labels', ...r } satisfies ImportResult;
          }
          ctx.progress(samples.length, samples.length, `writing ${samples.length} samples`);
          const written = store.importSamples(samples, actor, key);
          this.changed(null, 'import');
          const warning = kaggleAddWarning(store.schema, samples.map((smp, i) => ({ width: smp.image.width, height: smp.image.height, source: smp.source, id: written.firstId + i })));
          return { ...written, path, format: req.format, ...(earlier ? { repeat: 'add' as const } : {}), ...(warning ? { warnings: [warning] } : {}) } satisfies ImportResult;
        });
        return { jobId: status.jobId };
      },
      'export.start': (req) => {
        const store = this.requireStore();
        const out = resolve(req.out);
        const exporter = deps.exporters[req.format];
        if (!exporter) throw new KpsError('bad-input', `export format "${req.format}" is not available`);
        if (req.overwrite !== true) refuseToReplace(out);
        // The subset is resolved now, so a bad one is refused by the call itself and later edits do not change it.
        const ids = resolveSubset(store, req.subset);
        const chosen = subsetSource(store.exportSource(), ids);
        const dropped = req.predicted === 'exclude' ? withoutPredicted(chosen) : null;
        const source = dropped ?? chosen;
        const status = this.jobs.start('export', async (ctx: JobRunContext) => {
          ctx.progress(0, source.count(), `exporting to ${basename(out)}`);
          const options = { ...(req.otherSizes ? { otherSizes: req.otherSizes } : {}), ...(req.predicted === 'flag' ? { flagPredicted: true } : {}) };
          const res = await exporter(source, out, { progress: (d, t, m) => ctx.progress(d, t, m), signal: ctx.signal }, options);
          const predicted = dropped ? { predicted: { mode: 'exclude' as const, keypoints: dropped.excluded() } } : req.predicted ? { predicted: { mode: req.predicted, keypoints: null } } : {};
          return { ...res, out, format: req.format, selected: source.count(), ...(ids ? { subset: describeSubset(req.subset!) } : {}), ...predicted } satisfies ExportResult;
        });
        return { jobId: status.jobId };
      },
      'job.get': (req) => this.jobs.get(req.jobId),
      'job.list': () => this.jobs.list(),
      'job.cancel': (req) => this.jobs.cancel(req.jobId),
      'job.pause': (req) => this.jobs.pause(req.jobId),
      'job.resume': (req) => this.jobs.resume(req.jobId),
      'job.wait': (req) => this.jobs.wait(req.jobId, req.timeoutMs),

      'stats.get': () => this.requireStore().stats(),
      'samples.list': (req) => this.requireStore().listSamples(req),
      'samples.ids': (req) => ({ ids: this.requireStore().sampleIds(req) }),
      'sample.get': (req) => this.requireStore().getSample(req.id),
      'sample.history': (req) => this.requireStore().history(req.id),

      'labels.set': (req) => {
        const store = this.requireStore();
        if (req.project !== undefined && req.project !== store.path) {
          throw new KpsError('conflict', `${req.project}: this edit of sample ${req.sampleId} belongs to that project, but ${store.path} is open; nothing was written`, { file: req.project });
        }
        const n = store.schema.keypoints.length;
        const sample = store.getSample(req.sampleId);
        req.edits.forEach((e, i) => {
          if (e.index >= n) throw new KpsError('bad-input', `labels.set: keypoint index ${e.index} is out of range (the schema has ${n})`);
          // The same margin as the importers (core/coordinates.ts): one wild value would poison the statistics.
          const problem = e.state === 'missing' ? null : coordinateProblem(e.x, e.y, sample.width, sample.height);
          if (problem) throw new KpsError('bad-input', `labels.set: edits[${i}] (keypoint ${store.schema.keypoints[e.index].name} of sample ${req.sampleId}): ${problem}`);
        });
        const res = store.setLabels(req.sampleId, req.edits, req.actor ?? this.actor, req.label, req.mergeInto);
        this.changed([req.sampleId], 'labels');
        return res;
      },
      'labels.confirm': (req) => {
        const res = this.requireStore().confirmPredicted(req.ids ?? null, req.actor ?? this.actor, req.keypoints);
        if (res.actionId !== null) this.changed(res.samples, 'labels');
        return res;
      },
      'samples.tag': (req) => {
        const res = this.requireStore().tagSamples(req.ids, req.add ?? [], req.remove ?? [], req.actor ?? this.actor);
        if (res.actionId !== null) this.changed(req.ids, 'tag');
        return res;
      },
      'samples.setSplit': (req) => {
        const res = this.requireStore().setSplit(req.ids, req.split, req.actor ?? this.actor);
        if (res.actionId !== null) this.changed(req.ids, 'split');
        return res;
      },
      'samples.delete': (req) => {
        const res = this.requireStore().deleteSamples(req.ids, req.actor ?? this.actor);
        if (res.actionId !== null) this.changed(req.ids, 'delete');
        return res;
      },
      'history.undo': () => {
        const res = this.requireStore().undo();
        if (res.actionId !== null) this.changed(res.sampleIds, 'undo');
        return res;
      },
      'history.redo': () => {
        const res = this.requireStore().redo();
        if (res.actionId !== null) this.changed(res.sampleIds, 'redo');
        return res;
      },
    };
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
