// Benchmark: the pretrained start (issue 8 item 4). Three results:
//  - pretrained-lfpw: the face-api 68-point net through the face detector (the path of `kps predict --pretrained`) on a
//    seeded 10% of lfpw-train, NME by the outer-eye-corner distance (300-W convention). Informational (the issue quotes ~5.4%).
//  - pretrained-mapping-imm58: imm-face-db split by person (no person on both sides); the mapping from the net's 68 points to
//    imm-58 fitted on 20 labelled faces of the training persons, scored on every face of the held-out persons, next to the
//    mean shape (placed by the net's 68-point frame, and by the detector box alone). Repeated over PRETRAINED_REPEATS seeded
//    splits. Pass: the mapping beats the frame-placed mean shape on average.
//  - pretrained-photo-1000: one 1,000 x 1,000 photo, detector plus landmark net, decode included; target at most 1.5 s (median).
// Env: KPS_DATA_DIR; PRETRAINED_SEED (default 1), PRETRAINED_REPEATS (default 10), PRETRAINED_LFPW_SHARE (default 0.1).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { requireDataDir } from '../test/helpers/data.js';
import { initBackend } from '../src-main/train/backend.js';
import { loadBuiltinSchema } from '../src-main/formats/schemas.js';
import { groupIdFromName } from '../src-main/formats/common.js';
import { predict68 } from '../src-main/train/pretrained/face68.js';
import { applyMapping, crossValidate, eyeKeypoints, faceFrame, fitMapping, fromFrame, meanShapeInBox, meanShapeInFrame, outerEyeDistance, sampleNme, type MappingSample } from '../src-main/train/pretrained/mapping.js';
import { median, report } from './util.js';

const data = requireDataDir();
const seed = Number(process.env.PRETRAINED_SEED ?? 1);
const repeats = Number(process.env.PRETRAINED_REPEATS ?? 10);
const lfpwShare = Number(process.env.PRETRAINED_LFPW_SHARE ?? 0.1);

/** xorshift32, seeded. */
function rng(s: number): () => number {
  let state = s >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

function shuffled<T>(xs: readonly T[], r: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** `.pts` points as flat 0-based pixels. */
function readPts(file: string): number[] {
  const body = readFileSync(file, 'utf8').split('{')[1].split('}')[0].trim();
  return body.split('\n').flatMap((l) => l.trim().split(/\s+/).map((v) => Number(v) - 1));
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const pct = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 1e4) / 100);

await initBackend('auto');

// 1. The net on lfpw-train, 10% seeded.
{
  const dir = join(data, 'lfpw-train');
  const all = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort();
  const held = shuffled(all, rng(seed)).slice(0, Math.round(lfpwShare * all.length)).sort();
  const schema = loadBuiltinSchema('ibug-68');
  const eyes = eyeKeypoints(schema);
  const nmes: number[] = [];
  const ms: number[] = [];
  const heldFaces: MappingSample[] = [];
  let noFace = 0;
  for (const [i, f] of held.entries()) {
    const gt = readPts(join(dir, f.replace(/\.jpg$/, '.pts')));
    const r = await predict68(join(dir, f));
    ms.push(r.ms);
    if (!r.points) {
      noFace++;
      continue;
    }
    nmes.push(sampleNme(r.points, gt, outerEyeDistance(eyes, gt)));
    heldFaces.push({ id: i + 1, p68: r.points, target: gt });
  }
  // The same 68 -> 68 map an ibug-68 project can fit: on 20 labelled faces of the other 90%, scored on the held-out 10%.
  const heldSet = new Set(held);
  const labelled: MappingSample[] = [];
  for (const [i, f] of shuffled(all.filter((x) => !heldSet.has(x)), rng(seed + 7)).slice(0, 20).entries()) {
    const r = await predict68(join(dir, f));
    if (r.points) labelled.push({ id: 1000 + i, p68: r.points, target: readPts(join(dir, f.replace(/\.jpg$/, '.pts'))) });
  }
  const calib = fitMapping(labelled, 68);
  const mappedNme = mean(heldFaces.map((s) => sampleNme(applyMapping(calib, s.p68), s.target, outerEyeDistance(eyes, s.target))));
  const sorted = [...nmes].sort((a, b) => a - b);
  report({
    bench: 'pretrained-lfpw',
    faces: held.length,
    selection: `lfpw-train, seeded shuffle (xorshift32 seed ${seed}) of the sorted file names, first ${Math.round(lfpwShare * 100)}%`,
    scored: nmes.length,
    no_face: noFace,
    nme_outer_eye_pct: pct(mean(nmes)),
    nme_median_pct: pct(sorted[Math.floor(sorted.length / 2)]),
    failure_rate_10pct: Math.round((nmes.filter((e) => e > 0.1).length / Math.max(1, nmes.length)) * 1e4) / 1e4,
    reference: 'issue 8 quotes about 5.4% for this net on such photos',
    nme_with_68_mapping_20_faces_pct: pct(mappedNme),
    mapping_faces: labelled.length,
    mapping_outliers_left_out: calib.outliers.length,
    ms_per_photo_median: Math.round(median(ms)),
  });
}

// 2. The mapping to imm-58, split by person.
{
  const dir = join(data, 'imm-face-db');
  const schema = loadBuiltinSchema('imm-58');
  const K = schema.keypoints.length;
  const files = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort();
  const faces: MappingSample[] = [];
  let noFace = 0;
  for (const [i, f] of files.entries()) {
    const r = await predict68(join(dir, f));
    if (!r.points) {
      noFace++;
      continue;
    }
    faces.push({ id: i + 1, p68: r.points, target: readPts(join(dir, f.replace(/\.jpg$/, '.pts'))), group: groupIdFromName(f), box: r.box });
    if (faces[faces.length - 1].target.length !== 2 * K) throw new Error(`${f}: expected ${K} points`);
  }
  const eyes = eyeKeypoints(schema);
  const persons = [...new Set(faces.map((f) => f.group as string))].sort();
  const rows: { mapping: number; meanFrame: number; meanBox: number; kfold: number; kfoldMean: number }[] = [];
  for (let rep = 0; rep < repeats; rep++) {
    const r = rng(seed * 1000 + rep + 1);
    const order = shuffled(persons, r);
    const trainPersons = new Set(order.slice(0, persons.length / 2));
    const pool = faces.filter((f) => trainPersons.has(f.group as string));
    const test = faces.filter((f) => !trainPersons.has(f.group as string));
    const train = shuffled(pool, r).slice(0, 20);
    const m = fitMapping(train, K);
    const frameMean = meanShapeInFrame(train, K);
    const boxMean = meanShapeInBox(train, K)!;
    const e = { mapping: [] as number[], meanFrame: [] as number[], meanBox: [] as number[] };
    for (const s of test) {
      const norm = outerEyeDistance(eyes, s.target, s.p68);
      e.mapping.push(sampleNme(applyMapping(m, s.p68), s.target, norm));
      e.meanFrame.push(sampleNme(fromFrame(faceFrame(s.p68), frameMean), s.target, norm));
      const b = s.box!;
      e.meanBox.push(sampleNme(boxMean.map((v, i) => (i % 2 === 0 ? b.x + b.width / 2 : b.y + b.height / 2) + v * b.width), s.target, norm));
    }
    // What the app shows after fitting on these 20: its k-fold held-out error.
    const cv = crossValidate(train, schema, 5);
    rows.push({ mapping: mean(e.mapping), meanFrame: mean(e.meanFrame), meanBox: mean(e.meanBox), kfold: cv.nme, kfoldMean: cv.meanShapeNme });
  }
  const avg = (k: keyof (typeof rows)[number]) => mean(rows.map((x) => x[k]));
  report({
    bench: 'pretrained-mapping-imm58',
    target: 'the mapping fitted on 20 labelled faces beats the mean shape on held-out persons (mean over splits)',
    faces: faces.length,
    no_face: noFace,
    split: `imm-face-db, ${persons.length} persons halved by person (no person on both sides), ${repeats} seeded splits; 20 faces of the training half labelled; every face of the other half scored`,
    labelled_faces: 20,
    nme_mapping_pct: pct(avg('mapping')),
    nme_mean_shape_68frame_pct: pct(avg('meanFrame')),
    nme_mean_shape_box_pct: pct(avg('meanBox')),
    nme_mapping_per_split_pct: rows.map((x) => pct(x.mapping)),
    splits_mapping_better: rows.filter((x) => x.mapping < x.meanFrame).length,
    app_kfold_nme_pct: pct(avg('kfold')),
    app_kfold_mean_shape_pct: pct(avg('kfoldMean')),
    pass: avg('mapping') < avg('meanFrame') && avg('mapping') < avg('meanBox'),
  });
}

// 3. One 1,000 x 1,000 photo.
{
  const tmp = mkdtempSync(join(tmpdir(), 'kps-pretrained-bench-'));
  try {
    const src = join(data, 'imm-face-db', '01-1m.jpg');
    const photo = join(tmp, `${basename(src, '.jpg')}-1000.jpg`);
    await sharp(src).resize(1000, 1000, { fit: 'fill' }).jpeg({ quality: 90 }).toFile(photo);
    const t0 = performance.now();
    const first = await predict68(photo);
    const coldMs = performance.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      const r = await predict68(photo);
      times.push(performance.now() - t);
      if (!r.points) throw new Error('no face found on the 1,000 x 1,000 photo');
    }
    const med = median(times);
    report({
      bench: 'pretrained-photo-1000',
      target: 'detector plus landmark net on one 1,000 x 1,000 photo at most 1.5 s (median of 7 after the first)',
      face_found: first.points !== null,
      first_call_ms: Math.round(coldMs),
      median_ms: Math.round(med),
      max_ms: Math.round(Math.max(...times)),
      pass: med <= 1500,
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
