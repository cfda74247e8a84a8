// The editor's page-level state: one per page, so pending saves and the caches outlive a remount of the editor
// (the shell re-keys it per sample).
import type { KeypointSchema, SampleDetail } from '../../src-main/core/types.js';
import { api } from '../lib/api';
import { usePredictionsOf } from './assistSession.svelte.js';
import { LabelSaves } from './labelSaves.js';
import { NudgeRuns } from './nudgeRun.js';
import { browserStorage } from './prefs.js';
import { SampleCache } from './sampleCache.js';

async function decodeImage(url: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.decoding = 'async';
  img.src = url;
  await img.decode();
  return img;
}

export const cache = new SampleCache<HTMLImageElement>(api, decodeImage);
export const labelSaves = new LabelSaves(api, browserStorage());
export const saves = labelSaves.queue;
export const nudgeRuns = new NudgeRuns();

if (typeof window !== 'undefined') {
  window.addEventListener('beforeunload', (e) => {
    // The edits are in storage and will be replayed, but the user should know they have not reached the project yet.
    if (saves.state().pending > 0) e.preventDefault();
  });
}

/**
 * The open project's schema. The caches outlive the component, and another project's sample ids and run ids mean
 * other things: the predictions cached for another project go. Saves kept from before a reload for this project are
 * sent again; `resumed` lists the samples they touch (their cached copies are dropped).
 */
export async function loadSchema(): Promise<{ schema: KeypointSchema; resumed: number[] }> {
  const schema = await cache.getSchema();
  const project = cache.projectPath();
  usePredictionsOf(project);
  const resumed = project ? labelSaves.resume(project) : [];
  if (resumed.length) cache.invalidate(resumed);
  return { schema, resumed };
}

/**
 * Tags sample `id` once the saves before it are in (the journal keeps their order); `tagged` runs when the store has
 * the tags. Returns the sample as stored now (the cache gets it too).
 */
export async function tagSample(id: number, add: string[], remove: string[], tagged: () => void): Promise<SampleDetail> {
  await saves.whenIdle();
  await api.call('samples.tag', { ids: [id], add, remove, actor: 'annotator' });
  tagged();
  const fresh = await api.call('sample.get', { id });
  void cache.update(fresh);
  return fresh;
}
