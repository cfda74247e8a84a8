// The editor's label saves for the whole page session: one ordered queue, mirrored in storage, each save naming its project.
import type { ApiClient } from '../../src-main/api/ops.js';
import type { KeyValueStorage } from './hotkeys.js';
import type { NudgeLink } from './nudgeRun.js';
import { isOtherProjectError, isPendingSave, loadPending, savePending, type PendingSave } from './pendingSaves.js';
import { SaveQueue, type SaveQueueOptions } from './saveQueue.js';

export interface SaveResult {
  revision: number;
  actionId: number;
}

/** The answer for a save kept for its own project because another one is open now: nothing was written. */
export const NOT_SENT: Readonly<SaveResult> = Object.freeze({ revision: -1, actionId: 0 });

export class LabelSaves {
  readonly queue: SaveQueue<SaveResult>;
  /** Unsent saves waiting for their project to be open again (from an earlier session, or refused by another project). */
  private deferred: PendingSave[];

  constructor(
    private readonly api: ApiClient,
    private readonly storage: KeyValueStorage | null,
    opts: SaveQueueOptions = {},
  ) {
    this.queue = new SaveQueue<SaveResult>(opts);
    this.deferred = loadPending(storage);
    // Every change of the queue rewrites the stored copy: what is stored is always what the service has not acknowledged.
    this.queue.subscribe(() => savePending(this.storage, [...this.deferred, ...this.queue.pendingData().filter(isPendingSave)]));
  }

  /**
   * Sends one edit, in order after the ones before. `link`: a nudge that may continue the action of the nudges before
   * it (one undo step for the run). Resolves with NOT_SENT when another project is open: the edit is kept for its own.
   */
  enqueue(p: PendingSave, link?: NudgeLink): Promise<SaveResult> {
    return this.queue.enqueue({
      label: p.label,
      data: p,
      run: async () => {
        const mergeInto = link?.mergeInto();
        try {
          const res = await this.api.call('labels.set', {
            sampleId: p.sampleId,
            edits: p.edits,
            actor: p.actor ?? 'annotator',
            label: p.label,
            ...(mergeInto !== undefined ? { mergeInto } : {}),
            // Named so that a save retried after another project was opened is refused there, not written to its sample.
            ...(p.project ? { project: p.project } : {}),
          });
          // Told before the queue sends the next save, which may continue this action.
          link?.acknowledged(res.actionId);
          return res;
        } catch (err) {
          if (!p.project || !isOtherProjectError(err, p.project)) throw err;
          this.deferred = [...this.deferred, p];
          return NOT_SENT;
        }
      },
    });
  }

  /** Sends the kept saves of `project` (now open), in their order; returns the samples they touch. */
  resume(project: string): number[] {
    const mine = this.deferred.filter((p) => p.project === project);
    if (mine.length === 0) return [];
    this.deferred = this.deferred.filter((p) => p.project !== project);
    for (const p of mine) void this.enqueue(p).catch(() => undefined);
    return [...new Set(mine.map((p) => p.sampleId))];
  }
}
