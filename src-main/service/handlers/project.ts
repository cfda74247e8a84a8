// Handlers of the project domain: app and schema info, project create/open/close, and import and export as jobs.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { abortable } from '../../core/abort.js';
import { KpsError, RepeatImportError } from '../../core/errors.js';
import { validateSchema } from '../../core/schema.js';
import type { KeypointSchema } from '../../core/types.js';
import type { ImportedSample } from '../../formats/types.js';
import { kaggleAddWarning } from '../../formats/kaggle-fit.js';
import type { ImportResult } from '../../api/ops.js';
import type { ExportResult } from '../../api/export.js';
import { describeSubset, resolveSubset, subsetSource, withoutPredicted } from '../export-subset.js';
import { refuseToReplace } from '../outputs.js';
import type { JobRunContext } from '../jobs.js';
import type { DomainModule } from '../context.js';

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

export function createHandlers(): DomainModule<'project'> {
  return {
    handlers: {
      'app.info': (_req, ctx) => ({ version: ctx.app.version, mode: ctx.app.mode, backend: ctx.state.backend }),
      'schema.list': async (_req, ctx) => ctx.deps.listSchemas(),

      'project.create': async (req, ctx) => {
        const path = resolve(req.path);
        if (existsSync(path)) throw new KpsError('conflict', `${path} already exists: open it, or choose another name`, { file: path });
        if (!existsSync(dirname(path))) throw new KpsError('not-found', `folder ${dirname(path)} does not exist`, { file: path });
        const schema = typeof req.schema === 'string' ? await ctx.deps.resolveSchema(req.schema) : checkSchemaObject(req.schema);
        return ctx.replaceProject(async () => ctx.deps.createProject(path, schema));
      },
      'project.open': async (req, ctx) => {
        const path = resolve(req.path);
        if (!existsSync(path)) throw new KpsError('not-found', `${path}: no such project file`, { file: path });
        if (statSync(path).isDirectory()) throw new KpsError('bad-input', `${path} is a folder, not a project file`, { file: path });
        const readOnly = req.readOnly === true;
        const current = ctx.project();
        // This service already writes this project (the renderer reopening it): keep it; a new open would meet our own lock.
        if (current && current.path === path && !current.readOnly && !readOnly) {
          const info = ctx.info()!;
          ctx.emit('project.changed', { project: info });
          return info;
        }
        return ctx.replaceProject(async () => ctx.deps.openProject(path, { readOnly }));
      },
      'project.info': (_req, ctx) => ctx.info(),
      'project.close': async (_req, ctx) => {
        await ctx.closeProject();
        return { ok: true as const };
      },

      'import.start': async (req, ctx) => {
        const store = ctx.store();
        const path = resolve(req.path);
        const importer = ctx.deps.importers[req.format];
        if (!importer) throw new KpsError('bad-input', `import format "${req.format}" is not available`);
        if ((await pathState(path)) === 'missing') throw new KpsError('not-found', `${path}: no such file or folder`, { file: path });
        const status = ctx.jobs.start('import', async (job: JobRunContext) => {
          job.progress(0, 0, `reading ${basename(path)}`);
          // Raced with the signal so that cancel, project close and shutdown never wait on a read that hangs
          // (a hung mount); the importer writes nothing, so abandoning it leaves nothing half done.
          const samples = await abortable(importer(path, store.schema, { progress: (d, t, m) => job.progress(d, t, m), signal: job.signal }), job.signal);
          await job.checkpoint();
          if (ctx.project() !== store) throw new KpsError('conflict', 'the project was closed during the import');
          const key = { format: req.format, path, contentHash: await fileHash(path, job.signal), imageSetHash: imageSetHash(samples) };
          await job.checkpoint();
          const earlier = store.findRepeatedImport(key);
          const actor = `import:${req.format}`;
          if (earlier && req.onRepeat === undefined) throw new RepeatImportError(path, earlier);
          if (earlier && req.onRepeat === 'skip') {
            return { count: 0, firstId: 0, lastId: 0, actionId: null, path, format: req.format, repeat: 'skip' } satisfies ImportResult;
          }
          if (earlier && req.onRepeat === 'replace-labels') {
            job.progress(samples.length, samples.length, `replacing labels of ${samples.length} samples`);
            const r = store.replaceImportLabels(samples, actor, `Replace labels from ${basename(path)}`);
            if (r.actionId !== null) ctx.changed(null, 'import');
            return { count: 0, firstId: 0, lastId: 0, path, format: req.format, repeat: 'replace-labels', ...r } satisfies ImportResult;
          }
          job.progress(samples.length, samples.length, `writing ${samples.length} samples`);
          const written = store.importSamples(samples, actor, key);
          ctx.changed(null, 'import');
          const warning = kaggleAddWarning(store.schema, samples.map((smp, i) => ({ width: smp.image.width, height: smp.image.height, source: smp.source, id: written.firstId + i })));
          return { ...written, path, format: req.format, ...(earlier ? { repeat: 'add' as const } : {}), ...(warning ? { warnings: [warning] } : {}) } satisfies ImportResult;
        });
        return { jobId: status.jobId };
      },
      'export.start': (req, ctx) => {
        const store = ctx.store();
        const out = resolve(req.out);
        const exporter = ctx.deps.exporters[req.format];
        if (!exporter) throw new KpsError('bad-input', `export format "${req.format}" is not available`);
        if (req.overwrite !== true) refuseToReplace(out);
        // The subset is resolved now, so a bad one is refused by the call itself and later edits do not change it.
        const ids = resolveSubset(store, req.subset);
        const chosen = subsetSource(store.exportSource(), ids);
        const dropped = req.predicted === 'exclude' ? withoutPredicted(chosen) : null;
        const source = dropped ?? chosen;
        const status = ctx.jobs.start('export', async (job: JobRunContext) => {
          job.progress(0, source.count(), `exporting to ${basename(out)}`);
          const options = { ...(req.otherSizes ? { otherSizes: req.otherSizes } : {}), ...(req.predicted === 'flag' ? { flagPredicted: true } : {}) };
          const res = await exporter(source, out, { progress: (d, t, m) => job.progress(d, t, m), signal: job.signal }, options);
          const predicted = dropped ? { predicted: { mode: 'exclude' as const, keypoints: dropped.excluded() } } : req.predicted ? { predicted: { mode: req.predicted, keypoints: null } } : {};
          return { ...res, out, format: req.format, selected: source.count(), ...(ids ? { subset: describeSubset(req.subset!) } : {}), ...predicted } satisfies ExportResult;
        });
        return { jobId: status.jobId };
      },
    },
  };
}
