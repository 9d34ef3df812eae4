import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { javaHashSetOrder, javaShuffle, javaStringHashCode } from './collections';
import { JavaRandom } from './random';
import { nameUuidFromBytes, nextUuid } from './uuid';

interface Reference {
  seed: string;
  nextInt: number[];
  nextDouble: string[];
  nextBytes5_8_13: number[][];
  nextIntBounded: Record<string, number[]>;
  nextUuid: string[];
  shuffle10x3: number[][];
}

const references = JSON.parse(readFileSync(new URL('../__fixtures__/java-random.json', import.meta.url), 'utf8')) as Reference[];

describe('JavaRandom against java.util.Random (JDK 17)', () => {
  it('has references for every seed of the original generators', () => {
    const seeds = references.map((r) => r.seed);
    for (const s of ['31423434', '84744291', '55701923', '73244573', '7371661', '33774923', '24524555', '3424233', '44134134']) {
      expect(seeds).toContain(s);
    }
  });

  describe.each(references.map((r) => [r.seed, r] as const))('seed %s', (seed, ref) => {
    const fresh = () => new JavaRandom(BigInt(seed));

    it('nextInt()', () => {
      const r = fresh();
      expect(ref.nextInt.map(() => r.nextInt())).toEqual(ref.nextInt);
    });

    it('nextDouble() to the last bit', () => {
      const r = fresh();
      expect(ref.nextDouble.map(() => r.nextDouble())).toEqual(ref.nextDouble.map(Number));
    });

    it('nextBytes() of 5, 8 and 13 bytes in a row', () => {
      const r = fresh();
      const got = ref.nextBytes5_8_13.map((b) => {
        const buf = new Uint8Array(b.length);
        r.nextBytes(buf);
        return [...buf];
      });
      expect(got).toEqual(ref.nextBytes5_8_13);
    });

    it('nextInt(bound), powers of two and the rejection loop included', () => {
      for (const [bound, values] of Object.entries(ref.nextIntBounded)) {
        const r = fresh();
        expect(values.map(() => r.nextInt(Number(bound))), `bound ${bound}`).toEqual(values);
      }
    });

    it('nextUuid = UUID.nameUUIDFromBytes(8 random bytes)', () => {
      const r = fresh();
      expect(ref.nextUuid.map(() => nextUuid(r))).toEqual(ref.nextUuid);
    });

    it('Collections.shuffle, three times in a row on the same list', () => {
      const r = fresh();
      const list = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
      const got = ref.shuffle10x3.map(() => {
        javaShuffle(list, r);
        return [...list];
      });
      expect(got).toEqual(ref.shuffle10x3);
    });
  });

  it('clone() continues the same sequence independently', () => {
    const a = new JavaRandom(42);
    a.nextInt();
    const b = a.clone();
    expect([a.nextInt(), a.nextDouble()]).toEqual([b.nextInt(), b.nextDouble()]);
  });

  it('rejects seeds that are not exact and bounds Java rejects', () => {
    expect(() => new JavaRandom(2 ** 60)).toThrow(RangeError);
    expect(() => new JavaRandom(1).nextInt(0)).toThrow(RangeError);
    expect(() => new JavaRandom(1).nextInt(-5)).toThrow(RangeError);
  });
});

describe('nameUuidFromBytes', () => {
  it('is a version 3 UUID of the MD5 (known value: "" → d41d8cd9-8f00-3204-a980-0998ecf8427e)', () => {
    expect(nameUuidFromBytes(new Uint8Array(0))).toBe('d41d8cd9-8f00-3204-a980-0998ecf8427e');
  });
});

describe('Java String.hashCode and HashSet order', () => {
  it('hashCode as Java computes it, overflow included', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('a')).toBe(97);
    expect(javaStringHashCode('48917846822')).toBe(1_406_641_241); // from the JDK
    expect(javaStringHashCode('polygenelubricants')).toBe(-2_147_483_648);
  });

  it('keeps insertion order within a bucket and drops duplicates', () => {
    expect(javaHashSetOrder(['b', 'a', 'b'])).toEqual(['a', 'b']);
  });
});

describe('JavaRandom state and skip-ahead (what the sequences store)', () => {
  it('fromState(state) continues exactly where the Random stopped', () => {
    const a = new JavaRandom(31423434);
    a.nextDouble();
    a.nextInt(7);
    const b = JavaRandom.fromState(a.state);
    expect(Array.from({ length: 5 }, () => b.nextInt())).toEqual(Array.from({ length: 5 }, () => a.nextInt()));
    expect((JSON.parse(JSON.stringify({ s: a.state })) as { s: string }).s).toBe(a.state);
  });

  it.each([0, 1, 2, 3, 7, 64, 1000, 123_457])('skip(%d) equals that many draws', (steps) => {
    const stepped = new JavaRandom(24524555);
    for (let i = 0; i < steps; i++) stepped.next(32);
    const skipped = new JavaRandom(24524555);
    skipped.skip(steps);
    expect(skipped.state).toBe(stepped.state);
    expect(skipped.nextDouble()).toBe(stepped.nextDouble());
  });

  it('refuses states and steps that are not one', () => {
    expect(() => JavaRandom.fromState('abc')).toThrow(RangeError);
    expect(() => JavaRandom.fromState(String(2 ** 48))).toThrow(RangeError);
    expect(() => new JavaRandom(1).skip(-1)).toThrow(RangeError);
  });
});
