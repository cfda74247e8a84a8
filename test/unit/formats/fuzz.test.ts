// Seeded fuzz of every importer through the service: generated malformed files must each fail the import job with a
// one-line bad-input error that names the broken file, and leave the project exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import type { KeypointSchema } from '../../../src-main/core/types.js';
import { importers } from '../../../src-main/formats/index.js';
import { listBuiltinSchemas, loadBuiltinSchema, resolveSchema } from '../../../src-main/formats/schemas.js';
import type { ImportFormat } from '../../../src-main/api/ops.js';
import { Service } from '../../../src-main/service/service.js';
import { createProject, openProject } from '../../../src-main/store/project.js';
import type { ProjectStore } from '../../../src-main/store/types.js';
import { Rng } from '../../../src-main/train/rng.js';
import { asfText, cocoDoc, greyPixels, kaggleHeader, kaggleRow, ptsText, tempDir, triSchema, writePng } from './fixtures.js';

const SEED = 20261203;
const CASES_PER_FORMAT = 24;
const kaggle = loadBuiltinSchema('kaggle-15');

/** One generated case: where to import from and which file the error must name. */
interface FuzzCase {
  format: ImportFormat;
  what: string;
  path: string;
  file: string;
}

type Mutation = (rng: Rng, dir: string) => { what: string; path: string; file: string };

// ---------- small helpers for building broken inputs ----------

const pick = <T,>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)];

/** Numbers and words that are no valid coordinate here: out of the image, overflowing, hex, words, blanks. */
const BAD_COORDINATES = ['abc', '0x1F', '1e309', '-1e309', '1e300', '-1e300', '500', '-50', '106', '-11', 'NaN', 'Infinity', '12 3', '--4', '4..5', '1e', '+-2'];

function utf16(text: string, bom: boolean): Buffer {
  const body = Buffer.from(text, 'utf16le');
  return bom ? Buffer.concat([Buffer.from([0xff, 0xfe]), body]) : body;
}

function fifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

const coordsFor = (rng: Rng, n: number) => Array.from({ length: 2 * n }, () => Math.round((10 + rng.next() * 70) * 100) / 100);

// ---------- Kaggle CSV layouts ----------

function kaggleRows(rng: Rng, layout: 'train' | 'test' | 'labels', rows = 3): string[][] {
  return Array.from({ length: rows }, (_, r) => {
    const pixels = greyPixels(r + rng.int(50)).join(' ');
    if (layout === 'test') return [String(r + 1), pixels];
    const coords = coordsFor(rng, kaggle.keypoints.length).map(String);
    return layout === 'train' ? [...coords, pixels] : coords;
  });
}

const kaggleHeaderFor = (layout: 'train' | 'test' | 'labels') => (layout === 'test' ? 'ImageId,Image' : kaggleHeader(kaggle, layout === 'train'));
const csvText = (header: string, rows: string[][], eol = '\n') => [header, ...rows.map((r) => r.join(','))].join(eol) + eol;

function kaggleMutations(layout: 'train' | 'test' | 'labels'): Mutation[] {
  const pixelCol = layout === 'train' ? 30 : layout === 'test' ? 1 : -1;
  const write = (dir: string, content: string | Buffer) => {
    const file = join(dir, `${layout}.csv`);
    writeFileSync(file, content);
    return file;
  };
  const coordMutations: Mutation[] =
    layout === 'test'
      ? [
          (rng, dir) => {
            const rows = kaggleRows(rng, layout);
            rows[1 + rng.int(2)][0] = rows[0][0];
            return { what: 'repeated ImageId', path: write(dir, csvText(kaggleHeaderFor(layout), rows)), file: '' };
          },
          (rng, dir) => {
            const rows = kaggleRows(rng, layout);
            rows[rng.int(3)][0] = pick(rng, ['', ' ', '  ']);
            return { what: 'empty ImageId', path: write(dir, csvText(kaggleHeaderFor(layout), rows)), file: '' };
          },
        ]
      : [
          (rng, dir) => {
            const rows = kaggleRows(rng, layout);
            const token = pick(rng, BAD_COORDINATES);
            rows[rng.int(3)][rng.int(30)] = token;
            return { what: `coordinate ${token}`, path: write(dir, csvText(kaggleHeaderFor(layout), rows)), file: '' };
          },
          (rng, dir) => {
            const rows = kaggleRows(rng, layout);
            const k = rng.int(15);
            rows[rng.int(3)][2 * k + rng.int(2)] = '';
            return { what: 'x without y', path: write(dir, csvText(kaggleHeaderFor(layout), rows)), file: '' };
          },
          (rng, dir) => {
            const rows = kaggleRows(rng, layout);
            const row = rows[rng.int(3)];
            const c = rng.int(30);
            row[c] = `${row[c].slice(0, 1)}"${row[c].slice(1)}`;
            return { what: 'quote inside a cell', path: write(dir, csvText(kaggleHeaderFor(layout), rows)), file: '' };
          },
        ];
  const pixelMutations: Mutation[] =
    pixelCol < 0
      ? []
      : [
          (rng, dir) => {
            const rows = kaggleRows(rng, layout);
            const row = rows[rng.int(3)];
            const px = row[pixelCol].split(' ');
            px[rng.int(px.length)] = pick(rng, ['256', '999', '-1', '1.5', 'x', '1000', '0x1']);
            row[pixelCol] = px.join(' ');
            return { what: 'bad grey level', path: write(dir, csvText(kaggleHeaderFor(layout), rows)), file: '' };
          },
          (rng, dir) => {
            const rows = kaggleRows(rng, layout);
            const row = rows[rng.int(3)];
            const px = row[pixelCol].split(' ');
            const drop = 1 + rng.int(500);
            if (rng.next() < 0.5) px.splice(rng.int(px.length - drop), drop);
            else for (let i = 0; i < drop; i++) px.push(String(rng.int(256)));
            row[pixelCol] = px.join(' ');
            return { what: 'wrong pixel count', path: write(dir, csvText(kaggleHeaderFor(layout), rows)), file: '' };
          },
        ];
  const shared: Mutation[] = [
    (rng, dir) => {
      // Cut inside the last row, at least its last value away, so the rest cannot read as a whole row.
      const text = csvText(kaggleHeaderFor(layout), kaggleRows(rng, layout));
      const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
      const lastCell = text.length - 1 - text.lastIndexOf(',', text.length - 2);
      const margin = pixelCol >= 0 ? 5 : lastCell + 1;
      const cut = lastStart + 1 + rng.int(Math.max(1, text.length - 1 - margin - lastStart - 1));
      return { what: `cut at byte ${cut}`, path: write(dir, text.slice(0, cut)), file: '' };
    },
    (rng, dir) => {
      const header = kaggleHeaderFor(layout).split(',');
      const c = rng.int(header.length);
      if (rng.next() < 0.5) header.splice(c, 1);
      else header[c] = `${header[c].slice(0, -1)}Z`;
      return { what: 'wrong header', path: write(dir, csvText(header.join(','), kaggleRows(rng, layout))), file: '' };
    },
    (rng, dir) => {
      const rows = kaggleRows(rng, layout);
      rows[rng.int(3)].splice(rng.int(2), 0, '7');
      return { what: 'extra column', path: write(dir, csvText(kaggleHeaderFor(layout), rows)), file: '' };
    },
    (rng, dir) => {
      const rows = kaggleRows(rng, layout);
      const row = rows[rng.int(3)];
      row.splice(row.length - 1, 1);
      return { what: 'missing column', path: write(dir, csvText(kaggleHeaderFor(layout), rows)), file: '' };
    },
    (rng, dir) => ({ what: 'UTF-16', path: write(dir, utf16(csvText(kaggleHeaderFor(layout), kaggleRows(rng, layout)), rng.next() < 0.5)), file: '' }),
    (rng, dir) => ({ what: 'CR-only line ends', path: write(dir, csvText(kaggleHeaderFor(layout), kaggleRows(rng, layout), '\r')), file: '' }),
    (rng, dir) => {
      const rows = kaggleRows(rng, layout);
      const row = rows[rng.int(3)];
      row[0] = `${row[0]}\r${row[0]}`;
      return { what: 'lone CR inside a row', path: write(dir, csvText(kaggleHeaderFor(layout), rows)), file: '' };
    },
    (rng, dir) => {
      const junk = Buffer.from(Array.from({ length: 64 + rng.int(4000) }, () => rng.int(256)));
      junk[rng.int(junk.length)] = 0;
      return { what: 'binary junk', path: write(dir, junk), file: '' };
    },
    (rng, dir) => ({ what: 'empty', path: write(dir, pick(rng, ['', '\ufeff', '\n'])), file: '' }),
    (_rng, dir) => ({ what: 'named pipe', path: fifo(join(dir, `${layout}.csv`)), file: '' }),
  ];
  return [...coordMutations, ...pixelMutations, ...shared].map((m) => (rng, dir) => {
    const c = m(rng, dir);
    return { ...c, file: c.file || c.path };
  });
}

// ---------- point files (.pts and .asf) and COCO, over small real images ----------

let templates: { png: string; jpeg: string };

function ptsFolder(rng: Rng, dir: string): { texts: string[]; ptsFiles: string[]; images: string[] } {
  const texts: string[] = [];
  const ptsFiles: string[] = [];
  const images: string[] = [];
  for (let i = 0; i < 3; i++) {
    const stem = join(dir, `face_${i}`);
    const image = `${stem}${i === 1 ? '.jpg' : '.png'}`;
    copyFileSync(i === 1 ? templates.jpeg : templates.png, image);
    const pts = Array.from({ length: 3 }, () => [1 + rng.int(39), 1 + rng.int(29)] as [number, number]);
    texts.push(ptsText(pts));
    ptsFiles.push(`${stem}.pts`);
    images.push(image);
  }
  return { texts, ptsFiles, images };
}

const ptsMutations: Mutation[] = [
  ['n_points', (t: string, rng: Rng) => t.replace('n_points: 3', `n_points: ${pick(rng, ['2', '4', '0', '-3', '0x3', 'three', '3.0', ''])}`)],
  ['a point line removed', (t: string, rng: Rng) => { const l = t.split('\n'); l.splice(3 + rng.int(3), 1); return l.join('\n'); }],
  ['a point line added', (t: string, rng: Rng) => t.replace('}', `${rng.int(30)} ${rng.int(30)}\n}`)],
  ['a bad token', (t: string, rng: Rng) => { const l = t.split('\n'); l[3 + rng.int(3)] = `${pick(rng, BAD_COORDINATES.filter((b) => !b.includes(' ')))} ${rng.int(20)}`; return l.join('\n'); }],
  ['a point far outside', (t: string, rng: Rng) => { const l = t.split('\n'); l[3 + rng.int(3)] = pick(rng, ['-300 99999', '46 5', '5 36', '-6 4', '1e300 2']); return l.join('\n'); }],
  ['no {', (t: string) => t.replace('{\n', '')],
  ['no }', (t: string) => t.replace('}\n', '')],
  ['a junk header line', (t: string, rng: Rng) => t.replace('version: 1', pick(rng, ['version 1', '%%', 'n points: 3']))],
  ['three numbers on a line', (t: string, rng: Rng) => { const l = t.split('\n'); l[3 + rng.int(3)] += ' 7'; return l.join('\n'); }],
].map(([what, edit]) => (rng: Rng, dir: string) => {
  const { texts, ptsFiles } = ptsFolder(rng, dir);
  const k = rng.int(3);
  texts[k] = (edit as (t: string, r: Rng) => string)(texts[k], rng);
  texts.forEach((t, i) => writeFileSync(ptsFiles[i], t));
  return { what: what as string, path: dir, file: ptsFiles[k] };
});

const ptsFileMutations: Mutation[] = [
  (rng, dir) => {
    const { texts, ptsFiles } = ptsFolder(rng, dir);
    const k = rng.int(3);
    texts.forEach((t, i) => writeFileSync(ptsFiles[i], i === k ? (rng.next() < 0.5 ? utf16(t, true) : utf16(t, false)) : t));
    return { what: 'UTF-16 .pts', path: dir, file: ptsFiles[k] };
  },
  (rng, dir) => {
    const { texts, ptsFiles } = ptsFolder(rng, dir);
    const k = rng.int(3);
    texts.forEach((t, i) => writeFileSync(ptsFiles[i], i === k ? t.replace(/\n/g, '\r') : t));
    return { what: 'CR-only .pts', path: dir, file: ptsFiles[k] };
  },
  (rng, dir) => {
    const { texts, ptsFiles } = ptsFolder(rng, dir);
    const k = rng.int(3);
    texts.forEach((t, i) => (i === k ? fifo(ptsFiles[i]) : writeFileSync(ptsFiles[i], t)));
    return { what: 'named pipe .pts', path: dir, file: ptsFiles[k] };
  },
  (rng, dir) => {
    const { texts, ptsFiles, images } = ptsFolder(rng, dir);
    texts.forEach((t, i) => writeFileSync(ptsFiles[i], t));
    const k = rng.int(3);
    const bytes = readFileSync(images[k]);
    const how = rng.int(4);
    if (how === 0) writeFileSync(images[k], bytes.subarray(0, 40 + rng.int(Math.floor(bytes.length / 2))));
    else if (how === 1) writeFileSync(images[k], '');
    else if (how === 2) writeFileSync(images[k], 'not an image at all\n');
    else {
      rmSync(images[k]);
      fifo(images[k]);
    }
    return { what: `broken image (${how})`, path: dir, file: ptsFiles[k] };
  },
  (rng, dir) => {
    const { texts, ptsFiles, images } = ptsFolder(rng, dir);
    texts.forEach((t, i) => writeFileSync(ptsFiles[i], t));
    const k = rng.int(3);
    rmSync(images[k]);
    return { what: 'no image beside', path: dir, file: ptsFiles[k] };
  },
];

function asfFolder(rng: Rng, dir: string): { texts: string[]; files: string[]; images: string[] } {
  const texts: string[] = [];
  const files: string[] = [];
  const images: string[] = [];
  for (let i = 0; i < 3; i++) {
    const name = `0${i + 1}_01`;
    const image = join(dir, `${name}${i === 1 ? '.jpg' : '.png'}`);
    copyFileSync(i === 1 ? templates.jpeg : templates.png, image);
    const pts = Array.from({ length: 3 }, () => [0.05 + rng.next() * 0.9, 0.05 + rng.next() * 0.9] as [number, number]);
    texts.push(asfText(pts, `${name}${i === 1 ? '.jpg' : '.png'}`));
    files.push(join(dir, `${name}.asf`));
    images.push(image);
  }
  return { texts, files, images };
}

const pointLine = (t: string, rng: Rng) => {
  const lines = t.split('\n');
  const idx = lines.findIndex((l) => /^0 \t0 \t/.test(l)) + rng.int(3);
  return { lines, idx, cols: lines[idx].split('\t') };
};

const asfMutations: Mutation[] = [
  ['point count', (t: string, rng: Rng) => t.replace('\n3\n', `\n${pick(rng, ['0x3', '2', '4', '3e0', 'three', '-3', '3.5'])}\n`)],
  ['relative coordinate outside', (t: string, rng: Rng) => { const p = pointLine(t, rng); p.cols[2 + rng.int(2)] = ` ${pick(rng, ['1.2', '-0.2', '1.5', '-1', '2.5', '1e300'])} `; p.lines[p.idx] = p.cols.join('\t'); return p.lines.join('\n'); }],
  ['a bad column', (t: string, rng: Rng) => { const p = pointLine(t, rng); p.cols[rng.int(7)] = ` ${pick(rng, ['abc', '0x1', '1e309', '--1'])} `; p.lines[p.idx] = p.cols.join('\t'); return p.lines.join('\n'); }],
  ['too few columns', (t: string, rng: Rng) => { const p = pointLine(t, rng); p.lines[p.idx] = p.cols.slice(0, 3 + rng.int(3)).join('\t'); return p.lines.join('\n'); }],
  ['wrong point number', (t: string, rng: Rng) => { const p = pointLine(t, rng); p.cols[4] = ` ${7 + rng.int(9)} `; p.lines[p.idx] = p.cols.join('\t'); return p.lines.join('\n'); }],
  ['connects outside', (t: string, rng: Rng) => { const p = pointLine(t, rng); p.cols[6] = `${3 + rng.int(9)}`; p.lines[p.idx] = p.cols.join('\t'); return p.lines.join('\n'); }],
  ['no host image line', (t: string) => t.replace(/# host image\n#\n[^\n]*\n/, '')],
  ['host image missing', (t: string, rng: Rng) => t.replace(/(0\d_01\.(png|jpg))\n$/, `missing_${rng.int(99)}.png\n`)],
  ['cut short', (t: string, rng: Rng) => t.slice(0, 60 + rng.int(t.indexOf('# host image') - 80))],
].map(([what, edit]) => (rng: Rng, dir: string) => {
  const { texts, files } = asfFolder(rng, dir);
  const k = rng.int(3);
  texts[k] = (edit as (t: string, r: Rng) => string)(texts[k], rng);
  texts.forEach((t, i) => writeFileSync(files[i], t));
  return { what: what as string, path: dir, file: files[k] };
});

const asfFileMutations: Mutation[] = [
  (rng, dir) => {
    const { texts, files } = asfFolder(rng, dir);
    const k = rng.int(3);
    texts.forEach((t, i) => (i === k ? fifo(files[i]) : writeFileSync(files[i], i === k ? '' : t)));
    return { what: 'named pipe .asf', path: dir, file: files[k] };
  },
  (rng, dir) => {
    const { texts, files } = asfFolder(rng, dir);
    const k = rng.int(3);
    texts.forEach((t, i) => writeFileSync(files[i], i === k ? (rng.next() < 0.5 ? utf16(t, true) : t.replace(/\n/g, '\r')) : t));
    return { what: 'UTF-16 or CR-only .asf', path: dir, file: files[k] };
  },
  (rng, dir) => {
    const { texts, files, images } = asfFolder(rng, dir);
    texts.forEach((t, i) => writeFileSync(files[i], t));
    const k = rng.int(3);
    const bytes = readFileSync(images[k]);
    writeFileSync(images[k], bytes.subarray(0, 40 + rng.int(Math.floor(bytes.length / 2))));
    return { what: 'truncated host image', path: dir, file: files[k] };
  },
];

/** A valid COCO document for the tri schema over three images, as an object to break. */
function cocoBase(rng: Rng, dir: string): Record<string, unknown> {
  const images = [0, 1, 2].map((i) => {
    const name = `img_${i}${i === 1 ? '.jpg' : '.png'}`;
    copyFileSync(i === 1 ? templates.jpeg : templates.png, join(dir, name));
    return { id: i + 1, file_name: name, width: 40, height: 30 };
  });
  const annotations = images.map((img, i) => ({
    id: 100 + i,
    image_id: img.id,
    keypoints: Array.from({ length: 3 }, () => [rng.int(40), rng.int(30), 2]).flat(),
  }));
  return JSON.parse(cocoDoc(triSchema, images, annotations)) as Record<string, unknown>;
}

type CocoDoc = { images: Record<string, unknown>[]; annotations: Record<string, unknown>[]; categories: Record<string, unknown>[] };

const cocoEdits: [string, (d: CocoDoc, rng: Rng, dir: string) => string | void][] = [
  ['truncated JSON', (d, rng) => { const t = JSON.stringify(d); return t.slice(0, rng.int(t.length - 1)); }],
  ['no images array', (d, rng) => { (d as Record<string, unknown>).images = pick(rng, [undefined, {}, 'x', 3]); }],
  ['category without id', (d) => { delete d.categories[0].id; }],
  ['category id as a string', (d) => { d.categories[0].id = '1'; }],
  ['unknown keypoint names', (d, rng) => { const n = [...(d.categories[0].keypoints as string[])]; n[rng.int(3)] = pick(rng, ['r_eye', 'Nose', 'left eye', '']); d.categories[0].keypoints = n; }],
  ['a name twice', (d, rng) => { const n = [...(d.categories[0].keypoints as string[])]; const i = rng.int(3); n[(i + 1) % 3] = n[i]; d.categories[0].keypoints = n; }],
  ['too few keypoint names', (d) => { d.categories[0].keypoints = (d.categories[0].keypoints as string[]).slice(0, 2); }],
  ['keypoints of the wrong length', (d, rng) => { const a = d.annotations[rng.int(3)]; (a.keypoints as number[]).splice(0, 1 + rng.int(3)); }],
  ['visibility 3', (d, rng) => { const a = d.annotations[rng.int(3)]; (a.keypoints as number[])[3 * rng.int(3) + 2] = pick(rng, [3, -1, 0.5]); }],
  ['a coordinate as a string', (d, rng) => { const a = d.annotations[rng.int(3)]; (a.keypoints as unknown[])[3 * rng.int(3)] = pick(rng, ['5', null, true]); }],
  ['a point outside its image', (d, rng) => { const a = d.annotations[rng.int(3)]; (a.keypoints as number[])[3 * rng.int(3) + rng.int(2)] = pick(rng, [500, -50, 1e300, 45, -5]); }],
  ['1e309', (d) => JSON.stringify(d).replace(/"keypoints":\[\d+/, '"keypoints":[1e309')],
  ['unknown image_id', (d, rng) => { d.annotations[rng.int(3)].image_id = 77; }],
  ['image id twice', (d) => { d.images[2].id = d.images[0].id; }],
  ['no file_name', (d, rng) => { delete d.images[rng.int(3)].file_name; }],
  ['image file missing', (d, rng) => { d.images[rng.int(3)].file_name = `gone_${rng.int(9)}.png`; }],
  ['size differs', (d, rng) => { d.images[rng.int(3)].width = 41 + rng.int(9); }],
  ['two keypoint categories', (d) => { d.categories.push({ ...d.categories[0], id: 2 }); }],
  ['annotation not an object', (d, rng) => { (d.annotations as unknown[])[rng.int(3)] = pick(rng, [7, 'a', null, []]); }],
  ['truncated image', (d, rng, dir) => { const f = join(dir, d.images[1].file_name as string); const b = readFileSync(f); writeFileSync(f, b.subarray(0, 40 + rng.int(Math.floor(b.length / 2)))); }],
  ['UTF-16', (d, rng) => utf16(JSON.stringify(d), rng.next() < 0.5).toString('latin1')],
];

const cocoMutations: Mutation[] = [
  ...cocoEdits.map(([what, edit]): Mutation => (rng, dir) => {
    const doc = cocoBase(rng, dir) as unknown as CocoDoc;
    const text = edit(doc, rng, dir);
    const file = join(dir, 'coco.json');
    if (what === 'UTF-16') writeFileSync(file, Buffer.from(text as string, 'latin1'));
    else writeFileSync(file, typeof text === 'string' ? text : JSON.stringify(doc));
    return { what, path: file, file };
  }),
  (rng, dir) => {
    cocoBase(rng, dir);
    const file = fifo(join(dir, 'coco.json'));
    return { what: 'named pipe', path: file, file };
  },
];

// ---------- the run ----------

interface Project {
  service: Service;
  store: () => ProjectStore;
  path: string;
}

let root: string;
const projects = new Map<'kaggle' | 'tri', Project>();

async function makeProject(name: 'kaggle' | 'tri', schema: KeypointSchema, seed: () => Promise<{ path: string; format: ImportFormat }>): Promise<Project> {
  let store: ProjectStore | null = null;
  const service = new Service({
    mode: 'web',
    deps: {
      createProject: (p, s) => (store = createProject(p, s)),
      openProject: (p) => (store = openProject(p)),
      importers,
      exporters: {},
      listSchemas: listBuiltinSchemas,
      resolveSchema,
    },
  });
  const path = join(root, `${name}.kps`);
  await service.call('project.create', { path, schema: name === 'kaggle' ? 'kaggle-15' : schema });
  // A first, valid import, so that "unchanged" is checked against a project with samples, labels and a journal.
  const first = await seed();
  const { jobId } = await service.call('import.start', first);
  const status = await service.call('job.wait', { jobId });
  expect(status.state, JSON.stringify(status.error)).toBe('done');
  // The store measures file-backed images in the background after an import: let that settle before comparing stats.
  await store!.measureFilePixels();
  return { service, store: () => store!, path };
}

/** What must not change: counts, data version, statistics, and the journal's rows (read from the file itself). */
function snapshot(p: Project): string {
  const store = p.store();
  const db = new Database(p.path, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const lastAction = db.prepare('SELECT max(id) AS id FROM actions').get() as { id: number | null };
    return JSON.stringify({
      samples: store.sampleCount(),
      dataVersion: store.dataVersion(),
      stats: store.stats(),
      rows: { samples: count('samples'), labels: count('labels'), actions: count('actions'), journal: count('journal') },
      lastAction: lastAction.id,
    });
  } finally {
    db.close();
  }
}

function generateCases(): FuzzCase[] {
  const rng = new Rng(SEED);
  const plan: [ImportFormat, Mutation[]][] = [
    ['kaggle-csv', kaggleMutations('train')],
    ['kaggle-test-csv', kaggleMutations('test')],
    ['kaggle-labels', kaggleMutations('labels')],
    ['pts', [...ptsMutations, ...ptsFileMutations]],
    ['asf', [...asfMutations, ...asfFileMutations]],
    ['coco', cocoMutations],
  ];
  const cases: FuzzCase[] = [];
  let n = 0;
  for (const [format, mutations] of plan) {
    // Every mutation at least once (round robin), each time with its own random row, column and value.
    const count = Math.max(CASES_PER_FORMAT, mutations.length);
    for (let i = 0; i < count; i++) {
      const dir = join(root, `case-${String(n++).padStart(3, '0')}`);
      mkdirSync(dir);
      const c = mutations[i % mutations.length](rng, dir);
      cases.push({ format, ...c });
    }
  }
  return cases;
}

let cases: FuzzCase[] = [];

beforeAll(async () => {
  root = tempDir('kps-fuzz-');
  const png = await writePng(join(root, 'template.png'), 40, 30);
  const jpeg = join(root, 'template.jpg');
  // Noise, so the JPEG is big enough to cut in interesting places.
  const noise = Buffer.from(Array.from({ length: 40 * 30 * 3 }, (_, i) => (i * 2654435761) >>> 24));
  await sharp(noise, { raw: { width: 40, height: 30, channels: 3 } }).jpeg().toFile(jpeg);
  templates = { png, jpeg };
  projects.set(
    'kaggle',
    await makeProject('kaggle', kaggle, async () => {
      const file = join(root, 'seed.csv');
      writeFileSync(file, csvText(kaggleHeaderFor('train'), kaggleRows(new Rng(1), 'train', 4)));
      return { path: file, format: 'kaggle-csv' };
    }),
  );
  projects.set(
    'tri',
    await makeProject('tri', triSchema, async () => {
      const dir = join(root, 'seed-pts');
      mkdirSync(dir);
      const { texts, ptsFiles } = ptsFolder(new Rng(2), dir);
      texts.forEach((t, i) => writeFileSync(ptsFiles[i], t));
      return { path: dir, format: 'pts' };
    }),
  );
  cases = generateCases();
}, 60_000);

afterAll(async () => {
  for (const p of projects.values()) await p.service.shutdown();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('fuzz: malformed files for every importer', () => {
  it(`generates at least 100 seeded cases covering all six importers`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.format))).toEqual(new Set(['kaggle-csv', 'kaggle-test-csv', 'kaggle-labels', 'pts', 'asf', 'coco']));
  });

  it('each fails with a one-line bad-input error naming the file, and leaves the project unchanged', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      const p = projects.get(c.format.startsWith('kaggle') ? 'kaggle' : 'tri')!;
      const before = snapshot(p);
      const { jobId } = await p.service.call('import.start', { path: c.path, format: c.format });
      const status = await p.service.call('job.wait', { jobId, timeoutMs: 10_000 });
      const where = `${c.format} ${c.what} (${c.file})`;
      const err = status.error;
      if (status.state !== 'failed' || !err) {
        failures.push(`${where}: job ended ${status.state}${status.state === 'done' ? ` with ${JSON.stringify(status.result).slice(0, 120)}` : ''}`);
        if (status.state === 'running') await p.service.call('job.cancel', { jobId });
        continue;
      }
      if (err.code !== 'bad-input') failures.push(`${where}: code ${err.code}: ${err.message}`);
      if (err.message.includes('\n') || err.message.includes('\r')) failures.push(`${where}: message has more than one line: ${JSON.stringify(err.message)}`);
      if (err.file !== c.file || !err.message.startsWith(`${c.file}`)) failures.push(`${where}: error does not name the file: ${err.message}`);
      if (err.message.length > 400) failures.push(`${where}: message is ${err.message.length} characters long`);
      if (snapshot(p) !== before) failures.push(`${where}: the project changed`);
      if (process.env.FUZZ_LOG) process.stdout.write(`${where}\n    -> ${err.message}\n`);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
