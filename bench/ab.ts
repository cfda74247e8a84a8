// The augmentation A/B decision: per-round paired step times with augmentation off and on, the measured slowdown, and pass or fail.

/** One interleaved round: mean seconds per training step of its block without and with augmentation. */
export interface AbRound {
  off: number;
  on: number;
}

export type AbVerdict =
  | { slowdown: number; perRound: number[]; pass: boolean }
  | { error: string };

function trueMedian(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The slowdown is the median over rounds of on / off - 1: each round's two blocks ran back to back, so a change in
 * machine load mostly hits both, and one disturbed round cannot move the median far. Pass when it is at most
 * maxSlowdown. A round with a side that was not measured (not a positive finite time) is an error, never a guess.
 */
export function abSlowdown(rounds: readonly AbRound[], maxSlowdown: number): AbVerdict {
  if (rounds.length === 0) return { error: 'no A/B round was measured' };
  for (const [i, r] of rounds.entries()) {
    for (const side of ['off', 'on'] as const) {
      if (!(Number.isFinite(r[side]) && r[side] > 0)) return { error: `round ${i + 1}: the step time with augmentation ${side} was not measured (${r[side]})` };
    }
  }
  const perRound = rounds.map((r) => r.on / r.off - 1);
  const slowdown = trueMedian(perRound);
  return { slowdown, perRound, pass: slowdown <= maxSlowdown };
}

/** Which side runs first in round r (0-based): alternating, so neither side always follows the other. */
export function roundOrder(r: number): [boolean, boolean] {
  return r % 2 === 0 ? [false, true] : [true, false];
}
