/**
 * mulberry32: a small, fast generator reproducible from a 32-bit seed — for everything that must repeat
 * exactly (synthetic data, fuzz mutations, honeypot timing jitter, training splits). Not for secrets.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
