// The seeded generator of tests and benchmarks (mulberry32), so that a failing property, a history
// of events or a benchmark's message mix can be reproduced from its seed. Not for secrets.

/** Uniform numbers in [0, 1) from `seed`; the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
