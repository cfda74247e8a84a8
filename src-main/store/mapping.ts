// The fitted pretrained mapping (68 points -> the project's keypoints), kept in the project file under meta `extra:pretrained-mapping`.
import { KpsError } from '../core/errors.js';
import type { PretrainedHeldOut, PretrainedMapping } from '../api/pretrained.js';
import type { ProjectStore } from './types.js';

export const MAPPING_KEY = 'pretrained-mapping';

/** What is stored: the map, what it was fitted on, and its held-out error next to the mean-shape baselines. */
export interface StoredMapping {
  version: 1;
  model: 'face-api-68';
  schemaId: string;
  keypoints: number;
  fittedAt: string;
  /** The project's data version when fitted: labels changed since when it differs. */
  dataVersion: number;
  /** Labelled faces used (the net found a face on each). */
  samples: number;
  /** Labelled samples skipped because the detector found no face. */
  noFace: number;
  heldOut: PretrainedHeldOut | null;
  mapping: PretrainedMapping;
}

export function loadMapping(store: Pick<ProjectStore, 'getExtra' | 'schema' | 'path'>): StoredMapping | null {
  const raw = store.getExtra(MAPPING_KEY);
  if (raw === null) return null;
  let m: StoredMapping;
  try {
    m = JSON.parse(raw) as StoredMapping;
  } catch (err) {
    throw new KpsError('bad-input', `${store.path}: the stored pretrained mapping is not valid JSON (${(err as Error).message}); fit it again`, { file: store.path });
  }
  if (m?.version !== 1 || !m.mapping || !Array.isArray(m.mapping.keypoints) || !Array.isArray(m.mapping.mu)) {
    throw new KpsError('bad-input', `${store.path}: the stored pretrained mapping has an unknown shape (version ${JSON.stringify(m?.version)}); fit it again`, { file: store.path });
  }
  // A mapping fitted for another layout (the schema cannot change today, but a copied record could) is not used.
  if (m.schemaId !== store.schema.id || m.keypoints !== store.schema.keypoints.length) return null;
  // JSON has no NaN: weights are finite numbers; null marks keypoints that were not fitted.
  return m;
}

export function saveMapping(store: Pick<ProjectStore, 'setExtra'>, m: StoredMapping): void {
  store.setExtra(MAPPING_KEY, JSON.stringify(m));
}

export function deleteMapping(store: Pick<ProjectStore, 'setExtra'>): void {
  store.setExtra(MAPPING_KEY, null);
}
