// Model-assisted labelling in the editor (issue 5): the runs on offer, the pretrained net, the chosen run and its
// prediction for the open sample. The ghosts and the edits that accept them are pure functions in assist.ts.
import { untrack } from 'svelte';
import type { LabelledKeypoint } from '../../src-main/core/types.js';
import type { AssistPrediction } from '../../src-main/api/ops.js';
import type { RunRecord } from '../../src-main/api/records.js';
import type { PretrainedInfo } from '../../src-main/api/pretrained.js';
import { api, errorMessage } from '../lib/api';
import { ghostsFor, usableRuns, type GhostPoint } from './assist.js';

type Prediction = Pick<AssistPrediction, 'coords' | 'confidence'>;

/**
 * Per run, per sample: the prediction (coordinates, and the model's confidence where it gives one), null for none, so a
 * sample is asked for once. Module-level so it outlives a remount of the editor (the shell re-keys it per sample).
 */
const predCache = new Map<string, Map<number, Prediction | null>>();
/** The project predCache belongs to. */
let predProject: string | null = null;

/** Another project's sample ids and run ids mean other things: the predictions cached for the previous one go. */
export function usePredictionsOf(project: string | null): void {
  if (project === predProject) return;
  predCache.clear();
  predProject = project;
}

export type AssistState = 'off' | 'loading' | 'ready' | 'none' | 'error';

export class AssistSession {
  runs = $state<RunRecord[]>([]);
  runsLoaded = $state(false);
  /** The pretrained 68-point net, offered beside the runs when it can predict for this project. */
  pretrained = $state<PretrainedInfo | null>(null);
  prediction = $state<{ runId: string; sampleId: number; coords: number[] | null; confidence?: (number | null)[] } | null>(null);
  state = $state<AssistState>('off');
  error = $state<string | null>(null);

  private readonly chosen: () => string | null;
  private readonly openId: () => number | null;
  private readonly neighbours: (id: number) => number[];

  /** The chosen run while it exists (a deleted run's id stays in prefs but shows nothing). */
  readonly runId = $derived.by(() => {
    const id = this.chosen();
    if (id === null) return null;
    const known = !this.runsLoaded || this.runs.some((r) => r.id === id) || (this.pretrained?.ready === true && this.pretrained.id === id);
    return known ? id : null;
  });

  /**
   * `chosen`: the run the user picked (prefs.assistRun); `openId`: the sample on screen (null: none); both read
   * reactively. The chosen run's prediction for the open sample is loaded (with `neighbours(id)`) whenever either
   * changes, so construct it while the component initialises.
   */
  constructor(chosen: () => string | null, openId: () => number | null, neighbours: (id: number) => number[]) {
    this.chosen = chosen;
    this.openId = openId;
    this.neighbours = neighbours;
    $effect(() => {
      const runId = this.runId;
      const id = this.openId();
      if (!runId || id === null) {
        this.off();
        return;
      }
      untrack(() => void this.loadPrediction(runId, id));
    });
  }

  /** The chosen run's record (null for the pretrained net, or none chosen). */
  get runRecord(): RunRecord | null {
    return this.runs.find((r) => r.id === this.runId) ?? null;
  }

  async loadRuns(): Promise<void> {
    try {
      this.runs = usableRuns(await api.call('runs.list', {}));
    } catch {
      this.runs = [];
    }
    try {
      this.pretrained = await api.call('pretrained.info', {});
    } catch {
      this.pretrained = null;
    } finally {
      this.runsLoaded = true;
    }
  }

  /** Loads the runs, and again with fresh predictions when a run finishes or is evaluated or another project opens; returns the unsubscribe. */
  watch(): () => void {
    void this.loadRuns();
    const offs = [
      // A finished or evaluated run may now have a model, or newer predictions.
      api.on('job.ended', (j) => {
        if (j.kind === 'train' || j.kind === 'evaluate') void this.refresh();
      }),
      api.on('project.changed', () => void this.refresh()),
    ];
    return () => offs.forEach((off) => off());
  }

  /** A run finished or was evaluated, or another project is open: predictions may be new, runs too. */
  refresh(): Promise<void> {
    predCache.clear();
    return this.loadRuns();
  }

  /** No run chosen or no sample open: nothing is shown. */
  private off(): void {
    this.state = 'off';
    this.prediction = null;
  }

  /** The run's prediction for sample `id`: cached, else asked for with its neighbours in one request; a sample no longer on screen (or another run chosen meanwhile) does not get it. */
  private async loadPrediction(runId: string, id: number): Promise<void> {
    const known = predCache.get(runId);
    if (known?.has(id)) {
      this.show(runId, id, known.get(id) ?? null);
      return;
    }
    this.state = 'loading';
    this.error = null;
    const ids = [id, ...this.neighbours(id)].filter((x) => !known?.has(x));
    try {
      const r = await api.call('assist.predict', { runId, sampleIds: ids });
      const m = predCache.get(runId) ?? new Map<number, Prediction | null>();
      predCache.set(runId, m);
      for (const x of ids) m.set(x, null);
      for (const it of r.items) m.set(it.sampleId, { coords: it.coords, ...(it.confidence ? { confidence: it.confidence } : {}) });
      if (this.runId !== runId || this.openId() !== id) return;
      this.show(runId, id, m.get(id) ?? null);
    } catch (err) {
      if (this.runId !== runId || this.openId() !== id) return;
      this.prediction = null;
      this.state = 'error';
      this.error = errorMessage(err);
    }
  }

  private show(runId: string, sampleId: number, p: Prediction | null): void {
    const coords = p?.coords ?? null;
    this.prediction = { runId, sampleId, coords, ...(p?.confidence ? { confidence: p.confidence } : {}) };
    this.state = coords ? 'ready' : 'none';
  }

  /** The chosen run's ghosts for the missing keypoints of the sample on screen (none while its prediction is another's). */
  ghosts(kps: readonly LabelledKeypoint[], detail: { id: number; width: number; height: number } | null): GhostPoint[] {
    const p = this.prediction;
    if (!this.runId || !detail || !p || p.runId !== this.runId || p.sampleId !== detail.id) return [];
    return ghostsFor(kps, p.coords, detail.width, detail.height, p.confidence);
  }

  /** The toolbar's line on what is shown. */
  statusText(ghosts: readonly GhostPoint[], focus: GhostPoint | null, missingCount: number): string {
    if (this.state === 'loading') return 'predicting…';
    if (this.state === 'error') return `no prediction: ${this.error ?? 'error'}`;
    if (this.state === 'none') return 'this run has no prediction for this sample (no image)';
    if (ghosts.length > 0) return `${ghosts.length} prediction${ghosts.length === 1 ? '' : 's'} shown${focus?.confidence !== undefined ? ` · confidence ${focus.confidence.toFixed(2)}` : ''}`;
    return missingCount === 0 ? 'nothing missing' : `the run predicts none of the ${missingCount} missing`;
  }
}
