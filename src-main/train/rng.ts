// Seeded pseudo-random numbers for reproducible splits, shuffles and weight initialisation.

/** mulberry32: small, fast and good enough for shuffles; state is one 32-bit integer. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = (seed >>> 0) ^ 0x9e3779b9;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }
}

/** Derives a stable sub-seed so that e.g. epoch 7's shuffle does not depend on what ran before it (resume gives the same order). */
export function subSeed(seed: number, ...parts: number[]): number {
  let h = (seed >>> 0) ^ 0x85ebca6b;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0xcc9e2d51);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
