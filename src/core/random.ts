/** A seeded source of numbers in [0, 1), for whatever takes a `random: () => number` (an alias's
 *  weighted pick, jitter) where a test or a replay needs the same sequence again. mulberry32: a
 *  32-bit state, fast, and spread well enough for picking by weight; not for secrets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
