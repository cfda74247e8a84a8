// Runs of arrow-key nudges: consecutive nudges of one keypoint, close in time, continue one journal action (one undo).

/** Longest pause between two nudges of a run. */
export const NUDGE_RUN_MS = 1500;

/** What one nudge's save needs: the action to continue (read when the save is sent), and where to report the answer. */
export interface NudgeLink {
  /** The action id of the run so far, once the service has acknowledged an earlier nudge of it; undefined otherwise. */
  mergeInto(): number | undefined;
  /** The service's answer to this nudge's save. */
  acknowledged(actionId: number): void;
}

interface Run {
  sampleId: number;
  index: number;
  lastAt: number;
  actionId: number | undefined;
}

/**
 * Every nudge is saved at once, as its own labels.set: nothing waits in the page, so no acknowledged position can be
 * lost. The saves of a run name the run's action (`mergeInto`), and the store appends them to it when it is still the
 * newest action; so one undo reverts the whole run. Any other edit, undo, redo or tag change ends the run (`end`).
 */
export class NudgeRuns {
  private run: Run | null = null;

  nudge(sampleId: number, index: number, now: number): NudgeLink {
    const r = this.run;
    const continues = r !== null && r.sampleId === sampleId && r.index === index && now - r.lastAt <= NUDGE_RUN_MS;
    const run: Run = continues ? r : { sampleId, index, lastAt: now, actionId: undefined };
    run.lastAt = now;
    this.run = run;
    return {
      // Read when the save is sent: the save queue sends in order, so the earlier nudges have answered by then.
      mergeInto: () => (continues && this.run === run ? run.actionId : undefined),
      acknowledged: (actionId) => {
        // actionId 0: nothing changed (e.g. at the image's edge); the run's action stays what it was.
        if (actionId > 0 && this.run === run) run.actionId = actionId;
      },
    };
  }

  /** Another action happened: the next nudge starts a new undo step. */
  end(): void {
    this.run = null;
  }
}
