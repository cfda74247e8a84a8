// `kps train | evaluate | predict | submit | runs`: train keypoint models, evaluate them in pixels, predict, and write a Kaggle submission.
import { PRETRAINED_ID, isPretrainedId } from '../../api/pretrained-id.js';
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KpsError } from '../../core/errors.js';
import type { PredictionsFile } from '../../core/predictions.js';
import type { KeypointSchema } from '../../core/types.js';
import type { RunRecord } from '../../api/records.js';
import type { SubmissionResult } from '../../api/ops.js';
import type { Service } from '../../service/service.js';
import type { summarise as Summarise, TrainJobResult } from '../../service/handlers/train.js';
import { writePredictionsFile } from '../../service/run-files.js';
import { MODEL_NAMES, type EpochMetrics, type EvalMetrics, type EvaluationReport } from '../../api/run-types.js';
import { action, openProject, printJson, waitForJob, withService, type CliCommand } from '../context.js';

interface TrainFlags {
  model?: string;
  epochs?: string;
  batch?: string;
  lr?: string;
  optimizer?: string;
  schedule?: string;
  augment?: string;
  split?: string;
  seed?: string;
  workers?: string;
  config?: string;
  minutes?: string;
  loss?: string;
  backend?: string;
  name?: string;
  resume?: string;
  json?: boolean;
}

function num(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

/** --config file first, then the flags on top: a flag always wins. */
async function settingsFrom(flags: TrainFlags): Promise<Record<string, unknown>> {
  let base: Record<string, unknown> = {};
  if (flags.config) {
    const path = resolve(flags.config);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new KpsError('not-found', `${path}: cannot read the config file (${(err as Error).message})`, { file: path });
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('expected a JSON object of settings');
      base = parsed as Record<string, unknown>;
    } catch (err) {
      throw new KpsError('bad-input', `${path}: ${(err as Error).message}`, { file: path });
    }
  }
  const over: Record<string, unknown> = {};
  const put = (key: string, v: string | undefined) => {
    if (v !== undefined) over[key] = v;
  };
  put('model', flags.model);
  put('epochs', flags.epochs);
  put('batch', flags.batch);
  put('lr', flags.lr);
  put('optimizer', flags.optimizer);
  put('schedule', flags.schedule);
  put('augment', flags.augment);
  put('split', flags.split);
  put('seed', flags.seed);
  put('workers', flags.workers);
  put('minutes', flags.minutes);
  put('loss', flags.loss);
  return { ...base, ...over };
}

async function train(service: Service, project: string, flags: TrainFlags): Promise<void> {
  await openProject(service, project);
  const started = flags.resume
    ? await service.call('train.resume', { runId: flags.resume })
    : await service.call('train.start', { config: await settingsFrom(flags), ...(flags.name ? { name: flags.name } : {}), ...(flags.backend ? { backend: flags.backend } : {}) });
  process.stderr.write(`kps: run ${started.runId}\n`);
  const off = service.on('job.progress', (s) => {
    if (s.jobId !== started.jobId) return;
    const detail = (s as { detail?: { epochDone?: EpochMetrics } }).detail;
    if (detail?.epochDone) {
      const e = detail.epochDone;
      if (flags.json) printJson({ run: started.runId, ...e });
      else process.stderr.write(`epoch ${e.epoch}: train loss ${e.train_loss.toPrecision(3)}, train RMSE ${num(e.train_rmse_px)} px, val RMSE ${num(e.val_rmse_px)} px, lr ${e.lr.toPrecision(2)}, ${e.samples_per_s.toFixed(1)} samples/s${e.best ? ' (best)' : ''}\n`);
    } else if (!process.stderr.isTTY && /^backend /.test(s.message)) process.stderr.write(`kps: ${s.message}\n`);
  });
  try {
    const final = await waitForJob(service, started.jobId, 'train');
    const r = final.result as TrainJobResult;
    if (flags.json) printJson(r);
    else {
      process.stderr.write(
        `kps: ${r.stop_reason ?? 'done'}; backend ${r.backend}; ${r.epochs} epochs; best val RMSE ${num(r.best_val_rmse_px)} px; test RMSE ${num(r.test_rmse_px)} px (mean shape ${num(r.baseline_test_rmse_px)} px)\n${r.reading ? `kps: ${r.reading}\n` : ''}`,
      );
      process.stdout.write(`${r.run}\n`);
    }
  } finally {
    off();
  }
}

function metricsLine(name: string, m: EvalMetrics): string {
  const pck = Object.entries(m.pck).map(([t, v]) => `${t}:${num(v === null ? null : v * 100, 1)}%`).join(' ');
  return `${name.padEnd(6)} ${String(m.samples).padStart(6)} ${num(m.rmse_px).padStart(8)} ${num(m.mean_error_px).padStart(8)} ${num(m.nme, 4).padStart(7)}  ${pck}`;
}

function formatReport(r: EvaluationReport): string {
  const lines = [`run ${r.run} (${r.model}, trained on ${r.backend})`, '', 'split  samples RMSE px  mean px     NME  PCK@IOD'];
  lines.push(metricsLine('train', r.train), metricsLine('val', r.val), metricsLine('test', r.test));
  lines.push('', `mean-shape baseline: val ${num(r.baseline.val_rmse_px)} px, test ${num(r.baseline.test_rmse_px)} px`);
  lines.push(`train-vs-validation gap: ${num(r.gap_px)} px: ${r.reading}`, '', 'per keypoint RMSE (px), test:');
  for (const k of r.test.perKeypoint) lines.push(`  ${k.name.padEnd(28)} ${num(k.rmse_px).padStart(8)}  (${k.labelled} labelled)`);
  const f = r.test.face;
  if (f) {
    const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);
    lines.push('', `face alignment, test (${f.samples} faces, crops from the face detector as kps predict makes them):`);
    lines.push(`  NME outer eye corners ${pct(f.nme_outer)}, inter-pupil ${pct(f.nme_pupil)}, failure rate @10% ${pct(f.failure_rate)}, CED AUC@0.08 ${num(f.auc, 4)}`);
    lines.push(`  per group (NME): ${f.groups.map((g) => `${g.group} ${pct(g.nme)}`).join(', ')}`);
  }
  if (r.test.headline) lines.push(`headline (${r.test.headline.metric}): ${r.test.headline.metric === 'rmse_px' ? `${num(r.test.headline.value)} px` : `${num(r.test.headline.value === null ? null : r.test.headline.value * 100, 2)}%`}`);
  lines.push('', 'worst test samples (mean error px):');
  for (const w of r.test.worst) lines.push(`  sample ${w.sampleId}: ${num(w.mean_error_px)}`);
  return lines.join('\n') + '\n';
}

async function predict(service: Service, project: string, images: string[], opts: { run: string; out: string; detect: boolean; allFaces?: boolean; json?: boolean }): Promise<void> {
  await openProject(service, project);
  // The same job the Photos view starts for a folder: one photo path (service/handlers/photo.ts predictPhotoFile).
  const { jobId } = await service.call('photo.predictBatch', { paths: images.map((p) => resolve(p)), runId: opts.run, detect: opts.detect, ...(opts.allFaces ? { allFaces: true } : {}) });
  const final = await waitForJob(service, jobId, 'predict');
  const file = final.result as PredictionsFile;
  const out = resolve(opts.out);
  // As every export: a temporary file renamed into place, so a reader never sees half a predictions file.
  await writePredictionsFile(out, file);
  if (opts.json) printJson({ run: file.run, images: file.images.length, out });
  else process.stdout.write(`Predicted ${file.images.length} image(s) with ${isPretrainedId(file.run) ? 'the pretrained face-api 68-point net' : `run ${file.run}`}; wrote ${out}\n`);
}

async function submit(service: Service, project: string, opts: { run: string; test: string; lookup: string; out: string; overwrite?: boolean; json?: boolean }): Promise<void> {
  await openProject(service, project);
  const out = resolve(opts.out);
  // The same op the app would call: a `submit` job in the service.
  const { jobId } = await service.call('runs.submit', { runId: opts.run, test: resolve(opts.test), lookup: resolve(opts.lookup), out, overwrite: opts.overwrite === true }).catch((err: unknown) => {
    // The service's wording names the API flag; a CLI user needs the option's name.
    if (err instanceof KpsError && err.code === 'conflict' && err.file === out) throw new KpsError('conflict', `${out} already exists; pass --overwrite to replace it`, { file: out });
    throw err;
  });
  const res = (await waitForJob(service, jobId, 'submit')).result as SubmissionResult;
  if (opts.json) printJson({ run: res.run, images: res.images, rows: res.rows, out: res.out });
  else process.stdout.write(`Wrote ${res.rows} rows for ${res.images} test images to ${res.out}\n`);
}

function formatRuns(runs: RunRecord[], summarise: typeof Summarise): string {
  if (runs.length === 0) return 'no runs yet: kps train <project.kps>\n';
  const rows = [['id', 'name', 'model', 'status', 'epochs', 'best val px', 'test px', 'backend', 'created']];
  for (const r of runs) {
    const s = summarise(r);
    rows.push([r.id, r.name, r.model, r.status, String(s.epochs), num(s.best_val_rmse_px), num(s.test_rmse_px), r.backend, r.createdAt.slice(0, 16).replace('T', ' ')]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n') + '\n';
}

export const trainCommand: CliCommand = {
  name: 'train',
  register(program: Command) {
    program
      .command('train')
      .description('train a keypoint model on a project in a worker thread; prints the run id')
      .argument('<project.kps>', 'an existing project file')
      .option('--model <name>', `one of ${MODEL_NAMES.join(', ')} (default: kpnet for kaggle-15 projects, else face68)`)
      .option('--epochs <n>', 'epochs (default 60)')
      .option('--batch <n>', 'batch size (default 64)')
      .option('--lr <x>', 'learning rate (default 0.001)')
      .option('--optimizer <name>', 'adam, adamw, sgd or adam-sgd (Adam, then SGD with momentum from half way)')
      .option('--schedule <spec>', 'constant, step[:every[:gamma]], cosine[:min], plateau[:patience[:factor]], optionally warmup[:epochs]+<schedule>')
      .option('--augment <spec>', 'none, a preset (light, default, strong) or JSON parameters')
      .option('--split <spec>', 'random[:test[:val]] (default 0.1, 0.1), group[:test[:val]] or stored')
      .option('--seed <n>', 'seed for the split, the weights and the batches (default 1)')
      .option('--workers <n>', 'data-parallel worker threads; 0 = auto, the default: one per core (at most 4) on WebAssembly, none on native backends')
      .option('--config <file.json>', 'training settings as JSON; flags override it')
      .option('--minutes <m>', 'stop after M minutes of wall time, keeping the best checkpoint')
      .option('--loss <name>', 'mse, l1, huber or heatmap (unet)')
      .option('--backend <name>', 'auto, tensorflow-gpu, tensorflow, wasm or cpu')
      .option('--name <text>', 'a name for the run')
      .option('--resume <run>', 'continue an interrupted run from its last checkpoint')
      .option('--json', 'print one JSON line per epoch and, last, a JSON summary (run, backend, epochs, best_val_rmse_px, ...)')
      .action(action(async (project: string, flags: TrainFlags) => withService((service) => train(service, project, flags))));

    program
      .command('evaluate')
      .description("evaluate a run's best model in pixels: RMSE per split and keypoint, NME, PCK, worst samples, bias/variance")
      .argument('<project.kps>', 'an existing project file')
      .requiredOption('--run <id>', 'the run to evaluate')
      .option('--json', 'print the evaluation report as one JSON object')
      .action(
        action(async (project: string, opts: { run: string; json?: boolean }) =>
          withService(async (service) => {
            await openProject(service, project);
            const { jobId } = await service.call('runs.evaluate', { id: opts.run });
            const final = await waitForJob(service, jobId, 'evaluate');
            const report = final.result as EvaluationReport;
            if (opts.json) printJson(report);
            else process.stdout.write(formatReport(report));
          }),
        ),
      );

    program
      .command('predict')
      .description('predict keypoints on image files or folders (faces are found and cropped; the points map back to each image)')
      .argument('<project.kps>', 'an existing project file')
      .argument('<images...>', 'image files or folders')
      .option('--run <id>', 'the run whose model predicts')
      .option('--pretrained', 'predict with the pretrained face-api 68-point net instead of a run (ibug-68 directly; other layouts through the mapping fitted in the project)')
      .requiredOption('--out <predictions.json|csv>', 'where to write the predictions (CSV when it ends in .csv, else JSON)')
      .option('--no-detect', 'use each whole image instead of finding the face')
      .option('--all-faces', 'predict every face of a photo of several people (one record per face, with face_index), not only the best-scoring one')
      .option('--json', 'print a JSON summary')
      .action(
        action(async (project: string, images: string[], opts: { run?: string; pretrained?: boolean; out: string; detect: boolean; allFaces?: boolean; json?: boolean }) => {
          if ((opts.run === undefined) === !opts.pretrained) throw new KpsError('bad-input', 'give either --run <id> or --pretrained');
          if (opts.pretrained && opts.detect === false) throw new KpsError('bad-input', '--pretrained always finds the face: --no-detect is for runs');
          const run = opts.pretrained ? PRETRAINED_ID : (opts.run as string);
          return withService((service) => predict(service, project, images, { ...opts, run }));
        }),
      );

    program
      .command('submit')
      .description('write a Kaggle submission (RowId,Location) for test.csv with a run\'s model')
      .argument('<project.kps>', 'an existing project file')
      .requiredOption('--run <id>', 'the run whose model predicts')
      .requiredOption('--test <test.csv>', 'Kaggle test.csv (ImageId,Image)')
      .requiredOption('--lookup <IdLookupTable.csv>', 'Kaggle IdLookupTable.csv')
      .requiredOption('--out <submission.csv>', 'where to write the submission')
      .option('--overwrite', 'replace an existing submission file; without it an existing one is an error')
      .option('--json', 'print a JSON summary')
      .action(
        action(async (project: string, opts: { run: string; test: string; lookup: string; out: string; overwrite?: boolean; json?: boolean }) =>
          withService((service) => submit(service, project, opts)),
        ),
      );

    program
      .command('runs')
      .description('list the training runs of a project')
      .argument('<project.kps>', 'an existing project file')
      .option('--json', 'print the run records as one JSON array')
      .action(
        action(async (project: string, opts: { json?: boolean }) =>
          withService(async (service) => {
            await openProject(service, project);
            const runs = await service.call('runs.list', {});
            if (opts.json) printJson(runs);
            else process.stdout.write(formatRuns(runs, (await import('../../service/handlers/train.js')).summarise));
          }),
        ),
      );
  },
};
