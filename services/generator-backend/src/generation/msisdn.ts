import type { JavaRandom } from '../java/random';

/** The original's MsisdnValueGenerator: "48" + trunc(nextDouble × 10^9), no leading zeros. */
export function nextMsisdnValue(rnd: JavaRandom): string {
  return `48${Math.trunc(rnd.nextDouble() * 1_000_000_000)}`;
}
