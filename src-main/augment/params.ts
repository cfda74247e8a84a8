// Augmentation parameters: probabilities and ranges, named presets (`none`, `light`, `default`, `strong`, `photo`), and validation.
import { KpsError } from '../core/errors.js';

// The parameter types are part of the contract (api/augment-preview.ts).
import type { AugmentParams, AugmentParamsInput } from '../api/augment-preview.js';
export type { AugmentParams, AugmentParamsInput };

const OFF = { p: 0 };

export const AUGMENT_PRESETS: Readonly<Record<string, AugmentParams>> = Object.freeze({
  none: {
    rotate: { ...OFF, maxDeg: 0 },
    translate: { ...OFF, max: 0 },
    scale: { ...OFF, max: 0 },
    shear: { ...OFF, maxDeg: 0 },
    flip: { ...OFF },
    brightness: { ...OFF, max: 0 },
    contrast: { ...OFF, max: 0 },
    gamma: { ...OFF, max: 0 },
    noise: { ...OFF, maxSigma: 0 },
    blur: { ...OFF, maxSigma: 0 },
    border: 'edge',
    fillValue: 0,
  },
  light: {
    rotate: { p: 0.5, maxDeg: 8 },
    translate: { p: 0.5, max: 0.04 },
    scale: { p: 0.5, max: 0.05 },
    shear: { p: 0, maxDeg: 0 },
    flip: { p: 0.5 },
    brightness: { p: 0.3, max: 0.08 },
    contrast: { p: 0.3, max: 0.15 },
    gamma: { p: 0, max: 0 },
    noise: { p: 0, maxSigma: 0 },
    blur: { p: 0, maxSigma: 0 },
    border: 'edge',
    fillValue: 0,
  },
  default: {
    rotate: { p: 0.5, maxDeg: 15 },
    translate: { p: 0.5, max: 0.08 },
    scale: { p: 0.5, max: 0.1 },
    shear: { p: 0.2, maxDeg: 8 },
    flip: { p: 0.5 },
    brightness: { p: 0.5, max: 0.15 },
    contrast: { p: 0.5, max: 0.25 },
    gamma: { p: 0.3, max: 0.3 },
    noise: { p: 0.2, maxSigma: 0.03 },
    blur: { p: 0.1, maxSigma: 1.0 },
    border: 'edge',
    fillValue: 0,
  },
  strong: {
    rotate: { p: 0.7, maxDeg: 25 },
    translate: { p: 0.7, max: 0.12 },
    scale: { p: 0.7, max: 0.2 },
    shear: { p: 0.3, maxDeg: 12 },
    flip: { p: 0.5 },
    brightness: { p: 0.6, max: 0.25 },
    contrast: { p: 0.6, max: 0.4 },
    gamma: { p: 0.4, max: 0.5 },
    noise: { p: 0.3, maxSigma: 0.05 },
    blur: { p: 0.2, maxSigma: 1.5 },
    border: 'edge',
    fillValue: 0,
  },
  // For photos: `default` with rotation up to 30 degrees (head roll in real photos), scale up to 15% and shifts up
  // to 6% (detector-box variance on top of the box jitter). Measured against `light` on lfpw-train in
  // docs/training.md ("Photo recipes"): not better at a 6-minute CPU budget, so not the default.
  photo: {
    rotate: { p: 0.7, maxDeg: 30 },
    translate: { p: 0.5, max: 0.06 },
    scale: { p: 0.6, max: 0.15 },
    shear: { p: 0.2, maxDeg: 8 },
    flip: { p: 0.5 },
    brightness: { p: 0.5, max: 0.15 },
    contrast: { p: 0.5, max: 0.25 },
    gamma: { p: 0.3, max: 0.3 },
    noise: { p: 0.2, maxSigma: 0.03 },
    blur: { p: 0.1, maxSigma: 1.0 },
    border: 'edge',
    fillValue: 0,
  },
} satisfies Record<string, AugmentParams>);

export const AUGMENT_PRESET_NAMES = Object.keys(AUGMENT_PRESETS);

/** Upper bounds that keep every transform meaningful (and keypoints mostly inside the image). */
const LIMITS: Record<string, number> = {
  'rotate.maxDeg': 180,
  'translate.max': 0.5,
  'scale.max': 0.5,
  'shear.maxDeg': 45,
  'brightness.max': 1,
  'contrast.max': 1,
  'gamma.max': 4,
  'noise.maxSigma': 0.5,
  'blur.maxSigma': 8,
};

const TRANSFORMS = ['rotate', 'translate', 'scale', 'shear', 'flip', 'brightness', 'contrast', 'gamma', 'noise', 'blur'] as const;

function clone(p: AugmentParams): AugmentParams {
  return JSON.parse(JSON.stringify(p)) as AugmentParams;
}

function bad(message: string): never {
  throw new KpsError('bad-input', `augmentation parameters: ${message}`);
}

function presetByName(name: string): AugmentParams {
  const p = AUGMENT_PRESETS[name];
  if (!p) bad(`unknown preset "${name}" (known: ${AUGMENT_PRESET_NAMES.join(', ')})`);
  return clone(p);
}

/**
 * Turns a preset name or a partial object into complete, validated parameters.
 * `undefined`/`null` give the `default` preset. Unknown fields and out-of-range values throw a KpsError naming the field.
 */
export function resolveAugmentParams(input?: AugmentParamsInput | null): AugmentParams {
  if (input === undefined || input === null) return presetByName('default');
  if (typeof input === 'string') return presetByName(input.trim());
  if (typeof input !== 'object' || Array.isArray(input)) bad('expected a preset name or an object');
  const base = presetByName(input.preset ?? 'default');
  const rec = input as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    if (key === 'preset') continue;
    if (key === 'border') {
      const v = rec[key];
      if (v !== 'edge' && v !== 'reflect' && v !== 'constant') bad(`border must be "edge", "reflect" or "constant", got ${JSON.stringify(v)}`);
      base.border = v;
      continue;
    }
    if (key === 'fillValue') {
      const v = rec[key];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) bad(`fillValue must be a number in [0, 1], got ${JSON.stringify(v)}`);
      base.fillValue = v;
      continue;
    }
    if (!(TRANSFORMS as readonly string[]).includes(key)) bad(`unknown field "${key}" (known: preset, ${TRANSFORMS.join(', ')}, border, fillValue)`);
    const sub = rec[key];
    if (typeof sub !== 'object' || sub === null || Array.isArray(sub)) bad(`${key} must be an object such as { "p": 0.5, ... }`);
    const target = base[key as (typeof TRANSFORMS)[number]] as unknown as Record<string, number>;
    for (const [field, value] of Object.entries(sub as Record<string, unknown>)) {
      if (!(field in target)) bad(`unknown field "${key}.${field}" (known: ${Object.keys(target).join(', ')})`);
      if (typeof value !== 'number' || !Number.isFinite(value)) bad(`${key}.${field} must be a finite number, got ${JSON.stringify(value)}`);
      target[field] = value;
    }
  }
  validateAugmentParams(base);
  return base;
}

/** Throws a KpsError naming the first field that is out of range. */
export function validateAugmentParams(p: AugmentParams): void {
  for (const t of TRANSFORMS) {
    const sub = p[t] as unknown as Record<string, number>;
    if (!sub || typeof sub !== 'object') bad(`${t} is missing`);
    const prob = sub.p;
    if (typeof prob !== 'number' || !(prob >= 0 && prob <= 1)) bad(`${t}.p must be a probability in [0, 1], got ${prob}`);
    for (const [field, value] of Object.entries(sub)) {
      if (field === 'p') continue;
      const limit = LIMITS[`${t}.${field}`];
      if (typeof value !== 'number' || !(value >= 0) || (limit !== undefined && value > limit)) {
        bad(`${t}.${field} must be in [0, ${limit}], got ${value}`);
      }
    }
  }
  if (p.border !== 'edge' && p.border !== 'reflect' && p.border !== 'constant') bad(`border must be "edge", "reflect" or "constant"`);
  if (!(p.fillValue >= 0 && p.fillValue <= 1)) bad(`fillValue must be in [0, 1], got ${p.fillValue}`);
}

/** True when no transform can ever fire: the pipeline can skip augmentation entirely. */
export function isIdentityParams(p: AugmentParams): boolean {
  return TRANSFORMS.every((t) => p[t].p === 0);
}

/**
 * Parses a command-line augmentation spec into complete parameters: a preset name (`default`), JSON
 * (`{"rotate":{"maxDeg":10}}`), or comma-separated items where one bare word names the preset and
 * `transform.field=value` items override it (`light,rotate.maxDeg=10,flip.p=0,border=reflect`).
 */
export function parseAugmentSpec(spec: string): AugmentParams {
  const text = spec.trim();
  if (text === '') return presetByName('default');
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      bad(`not valid JSON (${(err as Error).message})`);
    }
    return resolveAugmentParams(parsed as AugmentParamsInput);
  }
  const input: Record<string, unknown> = {};
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) {
      if (input.preset !== undefined) bad(`two presets named ("${String(input.preset)}" and "${item}")`);
      input.preset = item;
      continue;
    }
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === 'border') {
      input.border = value;
      continue;
    }
    const num = Number(value);
    if (value === '' || !Number.isFinite(num)) bad(`"${key}" needs a number, got "${value}"`);
    if (key === 'fillValue') {
      input.fillValue = num;
      continue;
    }
    const [transform, field, extra] = key.split('.');
    if (!transform || !field || extra !== undefined) bad(`"${key}" should look like transform.field, e.g. rotate.maxDeg`);
    const sub = (input[transform] ??= {}) as Record<string, unknown>;
    if (typeof sub !== 'object') bad(`"${transform}" given twice`);
    sub[field] = num;
  }
  return resolveAugmentParams(input as AugmentParamsInput);
}
