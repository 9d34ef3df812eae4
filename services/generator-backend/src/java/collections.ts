import type { JavaRandom } from './random';

/** Collections.shuffle(list, rnd): in place, swapping i − 1 with rnd.nextInt(i) for i = size … 2. */
export function javaShuffle<T>(list: T[], rnd: JavaRandom): void {
  for (let i = list.length; i > 1; i--) {
    const j = rnd.nextInt(i);
    const a = list[i - 1] as T;
    list[i - 1] = list[j] as T;
    list[j] = a;
  }
}

/** String.hashCode(): s[0]·31^(n−1) + … + s[n−1] in 32-bit int arithmetic, over UTF-16 code units. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

const TREEIFY_THRESHOLD = 8;
const MIN_TREEIFY_CAPACITY = 64;

/**
 * The iteration order of a `new HashSet<String>()` after adding `values` in order, as
 * Java 8+ HashMap gives it: buckets by (hash ^ hash >>> 16) & (capacity − 1), each
 * bucket in insertion order, capacity 16 doubling past 3/4 load (and, like HashMap,
 * when a bucket grows past 8 entries while the table is smaller than 64). Buckets that
 * Java would turn into trees (9+ colliding strings in a table of 64+) keep insertion
 * order here, which can differ from Java's; with msisdns that never happens in practice.
 */
export function javaHashSetOrder(values: Iterable<string>): string[] {
  let capacity = 16;
  let buckets: string[][] = Array.from({ length: capacity }, () => []);
  const seen = new Set<string>();
  const spread = (s: string) => {
    const h = javaStringHashCode(s);
    return h ^ (h >>> 16);
  };
  const resize = () => {
    capacity *= 2;
    const next: string[][] = Array.from({ length: capacity }, () => []);
    for (const bucket of buckets) for (const v of bucket) next[spread(v) & (capacity - 1)]?.push(v);
    buckets = next;
  };
  for (const v of values) {
    if (seen.has(v)) continue;
    seen.add(v);
    const bucket = buckets[spread(v) & (capacity - 1)] as string[];
    bucket.push(v);
    if (bucket.length > TREEIFY_THRESHOLD && capacity < MIN_TREEIFY_CAPACITY) resize();
    if (seen.size > capacity * 0.75) resize();
  }
  return buckets.flat();
}
