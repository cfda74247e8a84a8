// Gallery thumbnail overlays: each row's keypoints and edges as one SVG (markup built once per sample), over <img> pixels.
import type { KeypointSchema, SampleSummary } from '../../src-main/core/types.js';

const markupCache = new WeakMap<SampleSummary, Map<KeypointSchema, string>>();

function esc(color: string): string {
  return color.replace(/[<>"&]/g, '');
}

/**
 * A sample's keypoints and edges as SVG markup in image coordinates (pixel centres at integers), for a nested <svg>
 * with viewBox "-0.5 -0.5 w h". Cached per summary object: a changed sample arrives as a new object.
 */
export function keypointMarkup(sample: SampleSummary, schema: KeypointSchema): string {
  let bySchema = markupCache.get(sample);
  const hit = bySchema?.get(schema);
  if (hit !== undefined) return hit;
  const r = Math.max(sample.width, sample.height, 1) / 55;
  const f = (v: number) => String(Math.round(v * 100) / 100);
  let out = '';
  for (const [a, b] of schema.edges) {
    const ka = sample.keypoints[a];
    const kb = sample.keypoints[b];
    if (!ka || !kb || !Number.isFinite(ka.x) || !Number.isFinite(kb.x)) continue;
    out += `<line x1="${f(ka.x)}" y1="${f(ka.y)}" x2="${f(kb.x)}" y2="${f(kb.y)}" stroke="${esc(schema.keypoints[a]?.color ?? '#0f0')}" stroke-opacity="0.6" stroke-width="${f(r * 0.45)}"/>`;
  }
  sample.keypoints.forEach((k, i) => {
    if (!Number.isFinite(k.x) || !Number.isFinite(k.y)) return;
    const color = esc(schema.keypoints[i]?.color ?? '#0f0');
    out +=
      k.state === 'occluded'
        ? `<circle cx="${f(k.x)}" cy="${f(k.y)}" r="${f(r)}" fill="none" stroke="${color}" stroke-width="${f(r * 0.6)}"/>`
        : `<circle cx="${f(k.x)}" cy="${f(k.y)}" r="${f(r)}" fill="${color}" stroke="#000" stroke-width="${f(r * 0.35)}"/>`;
  });
  if (!bySchema) markupCache.set(sample, (bySchema = new Map()));
  bySchema.set(schema, out);
  return out;
}

/** One row's overlay: a nested <svg> per cell, placed at the cell's square. */
export function rowMarkup(cells: { x: number; sample: SampleSummary | undefined }[], schema: KeypointSchema, size: number): string {
  let out = '';
  for (const c of cells) {
    const s = c.sample;
    if (!s) continue;
    out += `<svg x="${c.x}" y="0" width="${size}" height="${size}" viewBox="-0.5 -0.5 ${Math.max(1, s.width)} ${Math.max(1, s.height)}" preserveAspectRatio="xMidYMid meet">${keypointMarkup(s, schema)}</svg>`;
  }
  return out;
}
