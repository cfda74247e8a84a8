// Undo / redo presses in the editor: queued in order (three quick Ctrl+Z undo three actions, each after the one before
// has answered), each sent only once every save before it is in the journal, so it undoes the latest edit.
import type { UndoResult } from '../../src-main/api/ops.js';

export type UndoKind = 'undo' | 'redo';

export interface UndoQueueDeps {
  /** Label saves not yet acknowledged. */
  pendingSaves(): number;
  /** Resolves when every queued save is in the journal. */
  whenIdle(): Promise<void>;
  /** history.undo / history.redo. */
  send(kind: UndoKind): Promise<UndoResult>;
  /** The sample on screen now. */
  currentSample(): number;
  /** The journal changed `r.sampleIds`: reload them, or go to them. `from`: the sample on screen when the press ran. */
  applied(r: UndoResult, from: number): void;
  say(text: string): void;
  /** Presses sent or waiting their turn, after each change. */
  onQueued(n: number): void;
  errorMessage(err: unknown): string;
}

/** "Undid: move nose tip", naming the samples when they are not the one on screen and the user has moved on. */
export function undoneText(kind: UndoKind, r: UndoResult, current: number, from: number): string {
  const ids = r.sampleIds;
  const here = ids.includes(current) || current === from;
  const where = here ? '' : ` (on sample${ids.length === 1 ? '' : 's'} ${ids.slice(0, 3).map((i) => `#${i}`).join(', ')}${ids.length > 3 ? '…' : ''})`;
  return `${kind === 'undo' ? 'Undid' : 'Redid'}: ${r.label ?? 'change'}${where}`;
}

export class UndoQueue {
  private chain: Promise<void> = Promise.resolve();
  /** Bumped when the editor closes or another project is opened: presses still waiting then are dropped, not sent there. */
  private epoch = 0;
  private queued = 0;
  private readonly deps: UndoQueueDeps;

  constructor(deps: UndoQueueDeps) {
    this.deps = deps;
  }

  press(kind: UndoKind): Promise<void> {
    this.deps.onQueued(++this.queued);
    const epoch = this.epoch;
    this.chain = this.chain.then(() => this.run(kind, epoch)).finally(() => this.deps.onQueued(--this.queued));
    return this.chain;
  }

  /** The editor closed or another project is open: presses still waiting are not sent. */
  drop(): void {
    this.epoch++;
  }

  private async run(kind: UndoKind, epoch: number): Promise<void> {
    const d = this.deps;
    // The sample on screen when this undo ran: if the user has moved on by the time it answers, do not pull them back.
    const from = d.currentSample();
    try {
      if (d.pendingSaves() > 0) d.say('Waiting for pending saves…');
      await d.whenIdle();
      // Undo acts on the open project's journal: a press made in another project (or a closed editor) must not.
      if (epoch !== this.epoch) return;
      const r = await d.send(kind);
      if (r.actionId === null) {
        d.say(kind === 'undo' ? 'Nothing to undo.' : 'Nothing to redo.');
        return;
      }
      d.applied(r, from);
      d.say(undoneText(kind, r, d.currentSample(), from));
    } catch (err) {
      d.say(`${kind === 'undo' ? 'Undo' : 'Redo'} failed: ${d.errorMessage(err)}`);
    }
  }
}
