// A port of java.util.Random (48-bit linear congruential generator), exact to the bit:
// the state is kept as a BigInt because doubles lose the low bits of 48 × 35-bit products.

const MULTIPLIER = 0x5deece66dn;
const ADDEND = 0xbn;
const MASK = (1n << 48n) - 1n;
const DOUBLE_UNIT = 2 ** -53;

/** Seeds as Java longs: a number must be a safe integer, a bigint is taken modulo 2^64. */
export type JavaLong = number | bigint;

function toLong(seed: JavaLong): bigint {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw new RangeError(`seed ${seed} is not a safe integer: pass a bigint`);
  }
  return BigInt.asIntN(64, BigInt(seed));
}

export class JavaRandom {
  private state48: bigint;

  constructor(seed: JavaLong) {
    this.state48 = (toLong(seed) ^ MULTIPLIER) & MASK;
  }

  /** The 48-bit state (what Java keeps in its `seed` field), as a decimal string: to store and restore exactly. */
  get state(): string {
    return this.state48.toString();
  }

  /** A Random in exactly the state `state` (from the `state` getter), continuing where that one stopped. */
  static fromState(state: string): JavaRandom {
    if (!/^\d{1,15}$/.test(state) || BigInt(state) > MASK) throw new RangeError(`invalid java.util.Random state "${state}"`);
    const r = new JavaRandom(0);
    r.state48 = BigInt(state);
    return r;
  }

  /**
   * Moves the sequence `steps` draws of next(bits) ahead, as if next() had been called that
   * many times, in O(log steps): the LCG's affine map composed with itself by squaring.
   */
  skip(steps: number): void {
    if (!Number.isSafeInteger(steps) || steps < 0) throw new RangeError(`steps must be a non-negative integer, got ${steps}`);
    let mul = 1n; // the accumulated map x → mul·x + add
    let add = 0n;
    let m = MULTIPLIER; // the map for 2^k steps
    let a = ADDEND;
    for (let n = BigInt(steps); n > 0n; n >>= 1n) {
      if (n & 1n) {
        mul = (mul * m) & MASK;
        add = (add * m + a) & MASK;
      }
      a = (a * (m + 1n)) & MASK;
      m = (m * m) & MASK;
    }
    this.state48 = (this.state48 * mul + add) & MASK;
  }

  /** An independent copy that continues the same sequence. */
  clone(): JavaRandom {
    const copy = new JavaRandom(0);
    copy.state48 = this.state48;
    return copy;
  }

  /** The top `bits` (1–32) of the next state, as Java's signed 32-bit int. */
  next(bits: number): number {
    this.state48 = (this.state48 * MULTIPLIER + ADDEND) & MASK;
    return Number(BigInt.asIntN(32, this.state48 >> BigInt(48 - bits)));
  }

  nextInt(): number;
  /** Uniform in [0, bound), exactly as Java's nextInt(int bound) (rejection loop included). */
  nextInt(bound: number): number;
  nextInt(bound?: number): number {
    if (bound === undefined) return this.next(32);
    if (!Number.isInteger(bound) || bound <= 0 || bound > 0x7fffffff) {
      throw new RangeError(`bound must be a positive 32-bit int, got ${bound}`);
    }
    let r = this.next(31);
    const m = bound - 1;
    if ((bound & m) === 0) {
      // bound × r < 2^61 is a power-of-two multiple of r: exact in a double.
      return Math.floor((bound * r) / 2 ** 31);
    }
    for (let u = r; ((u - (r = u % bound) + m) | 0) < 0; u = this.next(31));
    return r;
  }

  /** (next(26) × 2^27 + next(27)) × 2^−53: every step exact in a double. */
  nextDouble(): number {
    return (this.next(26) * 2 ** 27 + this.next(27)) * DOUBLE_UNIT;
  }

  /** Fills `bytes` with the low byte of nextInt(), then its next byte, … 4 per int. */
  nextBytes(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      let rnd = this.nextInt();
      for (let n = Math.min(bytes.length - i, 4); n-- > 0; rnd >>= 8) {
        bytes[i++] = rnd & 0xff;
      }
    }
  }
}
