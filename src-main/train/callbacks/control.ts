// Pause and cancel between steps: the host's control state is polled before each step.
import type { RunClock, TrainCallback, Verdict } from './types.js';

export interface ControlHooks {
  /** Polled between steps: 'cancel' stops, 'pause' waits until it changes. */
  control?(): 'run' | 'pause' | 'cancel';
  /** Resolves when control() may have changed (a message arrived); default: a short sleep. */
  waitForControl?(): Promise<void>;
}

const yieldToEvents = (): Promise<void> => new Promise((r) => setImmediate(r));
const shortSleep = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

export class ControlCallback implements TrainCallback {
  constructor(
    private readonly hooks: ControlHooks,
    private readonly clock: RunClock,
    /** Lets queued messages (pause, cancel) in before polling. */
    private readonly letEventsIn: () => Promise<void> = yieldToEvents,
  ) {}

  async beforeStep(): Promise<Verdict> {
    await this.letEventsIn();
    let ctl = this.hooks.control?.() ?? 'run';
    while (ctl === 'pause') {
      const pausedAt = this.clock.now();
      await (this.hooks.waitForControl ? this.hooks.waitForControl() : shortSleep());
      ctl = this.hooks.control?.() ?? 'run';
      this.clock.addPause(this.clock.now() - pausedAt);
    }
    if (ctl === 'cancel') return { stop: 'cancelled', cancelled: true };
  }
}
