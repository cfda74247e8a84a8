// Divergence on its own: a non-finite loss ends the run with an error naming the epoch, step and learning rate.
import { describe, expect, it } from 'vitest';
import { DivergenceCallback, TrainingDivergedError } from '../../../../src-main/train/callbacks/divergence.js';
import { runLoop } from '../../../../src-main/train/callbacks/loop.js';
import { fakeBody } from './fakes.js';

const report = (loss: number) => ({ epoch: 2, step: 6, steps: 10, loss, lr: 0.0123456, seen: 28 });

describe('DivergenceCallback', () => {
  it('lets finite losses through', () => {
    expect(() => new DivergenceCallback().afterStep(report(1e30))).not.toThrow();
  });

  it.each([NaN, Infinity, -Infinity])('throws TrainingDivergedError on a loss of %s', (loss) => {
    const cb = new DivergenceCallback();
    expect(() => cb.afterStep(report(loss))).toThrow(TrainingDivergedError);
    expect(() => cb.afterStep(report(loss))).toThrow(`training diverged: the loss became ${loss} at epoch 3, step 7 (learning rate 0.0123); lower --lr`);
  });

  it('in the loop: the run rejects at the diverging step and no later step runs', async () => {
    const body = fakeBody({ epochs: 2, steps: 3 });
    const step = body.step.bind(body);
    body.step = async (e, s) => ({ ...(await step(e, s)), ...(e === 0 && s === 1 ? { loss: NaN } : {}) });
    await expect(runLoop(body, [new DivergenceCallback()])).rejects.toThrow(TrainingDivergedError);
    expect(body.ran).toHaveLength(2);
    expect(body.ended).toHaveLength(0);
  });
});
