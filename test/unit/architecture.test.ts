// Layering check (DESIGN.md "Layers"): which folder may import which, no import cycles, and where
// electron and the Node-only libraries may be imported. Failures name the import and the rule.
//
// Imports are read with the TypeScript compiler (ts.preProcessFile): static imports, `import type`,
// re-exports and dynamic `import()` all count. Type-only imports count for every rule: a type import
// upward still couples a lower layer to a higher one, and a type-only cycle still means two files
// that cannot be understood apart.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { KNOWN_VIOLATIONS } from './architecture-baseline.js';

const root = resolve(__dirname, '../..');

/** Layer of a file: the first folder under src-main, or `renderer`. */
function layerOf(file: string): string | null {
  const rel = relative(root, file).split(sep);
  if (rel[0] === 'src-renderer') return 'renderer';
  if (rel[0] === 'src-main' && rel.length > 2) return rel[1];
  return null;
}

/** DESIGN.md's table: each layer and the layers it may import (besides itself). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  api: ['core'],
  imaging: ['core'],
  store: ['core', 'api'],
  formats: ['core', 'api', 'imaging'],
  augment: ['core', 'api', 'imaging'],
  train: ['core', 'api', 'imaging', 'augment', 'store'],
  qc: ['core', 'api', 'train'],
  service: ['core', 'api', 'imaging', 'store', 'formats', 'augment', 'train', 'qc'],
  transport: ['core', 'api', 'service'],
  electron: ['core', 'api', 'service', 'transport'],
  cli: ['core', 'api', 'service', 'transport'],
  renderer: ['core', 'api'],
};

/** Packages that need Node or native code: never in core, the contract or the renderer. */
const NODE_ONLY = /^(node:|fs$|path$|os$|crypto$|child_process$|worker_threads$|url$|sharp$|better-sqlite3$|@tensorflow\/)/;
const PURE_LAYERS = new Set(['core', 'api', 'renderer']);

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(p));
    else if (/\.(ts|svelte|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function scriptText(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

/** Resolve a relative specifier to a source file, as the bundler does (.js → .ts, folder → index). */
function resolveLocal(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mjs'),
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  for (const c of candidates) if (existsSync(c) && !c.endsWith(sep) && /\.(ts|svelte|mjs)$/.test(c)) return c;
  return null;
}

interface Edge { from: string; to: string | null; spec: string }

function collectEdges(): { files: string[]; edges: Edge[] } {
  const files = [...listSources(join(root, 'src-main')), ...listSources(join(root, 'src-renderer'))];
  const edges: Edge[] = [];
  for (const file of files) {
    const info = ts.preProcessFile(scriptText(file), true, true);
    for (const imp of info.importedFiles) {
      const spec = imp.fileName;
      const to = spec.startsWith('.') ? resolveLocal(file, spec) : null;
      edges.push({ from: file, to, spec });
    }
  }
  return { files, edges };
}

const rel = (f: string) => relative(root, f).split(sep).join('/');

function violations(edges: Edge[] = collectEdges().edges): string[] {
  const found: string[] = [];
  for (const e of edges) {
    const fromLayer = layerOf(e.from);
    if (!fromLayer) continue;
    if (e.to) {
      const toLayer = layerOf(e.to);
      if (toLayer && toLayer !== fromLayer && !(MAY_IMPORT[fromLayer] ?? []).includes(toLayer)) {
        found.push(`${rel(e.from)} imports ${rel(e.to)}: layer '${fromLayer}' may import only [${(MAY_IMPORT[fromLayer] ?? []).join(', ')}]`);
      }
    } else if (!e.spec.startsWith('.')) {
      if (e.spec === 'electron' && fromLayer !== 'electron') {
        found.push(`${rel(e.from)} imports 'electron': only src-main/electron/ may import electron`);
      }
      if (PURE_LAYERS.has(fromLayer) && NODE_ONLY.test(e.spec)) {
        found.push(`${rel(e.from)} imports '${e.spec}': layer '${fromLayer}' must not import Node, sharp, SQLite or TensorFlow`);
      }
    }
  }
  return found;
}

/** Every strongly connected component with more than one file (Tarjan), each as a sorted list. */
function cycles({ files, edges }: { files: string[]; edges: Edge[] } = collectEdges()): string[] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (e.to && next.has(e.to)) next.get(e.from)!.push(e.to);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of next.get(v)!) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(`import cycle: ${comp.map(rel).sort().join(' <-> ')}`);
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  return out.sort();
}

describe('architecture (DESIGN.md layers)', () => {
  const known = new Set(KNOWN_VIOLATIONS);

  it('no import crosses a layer the wrong way, and electron, Node and native libraries stay in their layers', () => {
    const found = violations();
    const unexpected = found.filter((v) => !known.has(v));
    expect(unexpected, `layering violations:\n${unexpected.join('\n')}`).toEqual([]);
  });

  it('no file-level import cycle', () => {
    const found = cycles();
    const unexpected = found.filter((v) => !known.has(v));
    expect(unexpected, `import cycles:\n${unexpected.join('\n')}`).toEqual([]);
  });

  it('the list of known violations only shrinks: every entry still occurs', () => {
    const now = new Set([...violations(), ...cycles()]);
    const fixed = KNOWN_VIOLATIONS.filter((v) => !now.has(v));
    expect(fixed, `fixed, remove from test/unit/architecture-baseline.ts:\n${fixed.join('\n')}`).toEqual([]);
  });

  it('the check sees a planted upward import, a planted electron import and a planted cycle', () => {
    // Guards the checker itself: a rule that can never fire would pass on any tree.
    const a = join(root, 'src-main/core/a.ts');
    const b = join(root, 'src-main/core/b.ts');
    const svc = join(root, 'src-main/service/s.ts');
    const view = join(root, 'src-renderer/views/V.svelte');
    expect(violations([
      { from: a, to: svc, spec: '../service/s.js' },
      { from: svc, to: a, spec: '../core/a.js' },
      { from: svc, to: null, spec: 'electron' },
      { from: view, to: null, spec: 'node:fs' },
    ])).toEqual([
      "src-main/core/a.ts imports src-main/service/s.ts: layer 'core' may import only []",
      "src-main/service/s.ts imports 'electron': only src-main/electron/ may import electron",
      "src-renderer/views/V.svelte imports 'node:fs': layer 'renderer' must not import Node, sharp, SQLite or TensorFlow",
    ]);
    expect(cycles({ files: [a, b], edges: [{ from: a, to: b, spec: './b.js' }, { from: b, to: a, spec: './a.js' }] }))
      .toEqual(['import cycle: src-main/core/a.ts <-> src-main/core/b.ts']);
    // Type-only imports, dynamic import() and re-exports are all read.
    const info = ts.preProcessFile("import type { A } from '../api/ops.js';\nconst m = await import('./b.js');\nexport * from './c.js';", true, true);
    expect(info.importedFiles.map((f) => f.fileName)).toEqual(['../api/ops.js', './b.js', './c.js']);
  });
});
