/**
 * A bit-exact port of PyTorch 1.13's CPU random generator (`CPUGeneratorImpl`).
 *
 * Every rule below follows the torch 1.13 sources (ATen/core/MT19937RNGEngine.h,
 * ATen/core/DistributionsHelper.h, ATen/core/TransformationHelper.h,
 * ATen/native/cpu/DistributionTemplates.h, ATen/native/cpu/avx_mathfun.h,
 * ATen/native/TensorFactories.cpp, CPUGeneratorImpl.cpp) as built for x86-64 with
 * the AVX2 kernels (the "CPU capability usage: AVX2" build that produced
 * test/fixtures/golden/rng.json). Those kernels are compiled by GCC with FMA enabled and
 * its default `-ffp-contract=fast`, so an `a * b + c` written in the C++ source is
 * often one fused multiply-add. Which ones are fused was settled against torch's own
 * output (12 million float32 values from torch 1.13, 0 mismatches): every mul feeding
 * an add is fused, as GCC's rule predicts; the few where fusing cannot change a bit
 * (e.g. e*q2 in log, whose product is exact) are kept fused for the same reason.
 *
 * Pure TypeScript: no imports, no Node APIs, no allocation on the sampling paths.
 */

const N = 624; // MERSENNE_STATE_N
const M = 397; // MERSENNE_STATE_M
const MATRIX_A = 0x9908b0df;
const UMASK = 0x80000000;
const LMASK = 0x7fffffff;

/** torch's `default_rng_seed_val`: the seed of a generator nobody seeded. */
const DEFAULT_SEED = 67280421310721;

const TWO_POW_32 = 4294967296;
const TWO_POW_M24 = 1 / 16777216; // 2^-24
const TWO_POW_M53 = 1 / 9007199254740992; // 2^-53

const U64_MOD = 1n << 64n;
const I64_MIN = -(1n << 63n);
const U64_MAX = U64_MOD - 1n;

/** Size in bytes of torch.get_rng_state() (THGeneratorStateNew) and its legacy form. */
const STATE_BYTES = 5056;
const LEGACY_STATE_BYTES = 5048;

const fround = Math.fround;

// Scratch views for float32 <-> int32 bit casts (shared, so nothing is allocated per call).
const castF32 = new Float32Array(1);
const castI32 = new Int32Array(castF32.buffer);

/**
 * Single-precision fused multiply-add, fl32(a*b + c) rounded once, for float32 a, b, c.
 * a*b is exact in a double (24+24 bits); the double sum may be rounded, and rounding that
 * again to float32 is wrong only when it lands exactly on a float32 midpoint, so that case
 * is settled with the exact error of the sum (TwoSum).
 */
function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const f = fround(s);
  const d = s - f; // exact (Sterbenz)
  const t = f + 2 * d; // the float32 neighbour of f on s's side iff s is a float32 midpoint
  // usual case: s is no midpoint (or is f itself), so rounding s again is already correct
  if (d === 0 || fround(t) !== t) return f;
  return fmafMidpoint(p, c, s, f, d, t);
}

/** The rare case of fmaf: the double sum s is exactly halfway between two float32 values. */
function fmafMidpoint(p: number, c: number, s: number, f: number, d: number, t: number): number {
  const bb = s - p;
  const e = p - (s - bb) + (c - bb); // exact (p + c) - s
  if (e === 0) return f; // a true tie: fround already rounded it to even
  return e > 0 === d > 0 ? t : f; // otherwise the exact sum lies on e's side of the midpoint
}

/**
 * float32(fl64(a*b + c)) for doubles: the scalar normal path computes `val * std + mean`
 * in double and then casts to float. It is compiled in the same unit as uniform_, where the
 * contraction to an FMA is confirmed, so it is assumed fused here too (fused and unfused
 * agree after the float cast in all ~10^5 samples tried; they can differ only near a float32
 * rounding tie). Dekker's TwoProduct and TwoSum give the fused double result (up to a
 * double-rounding tie, far below float32's resolution), which is then cast.
 */
function fmaDoubleToF32(a: number, b: number, c: number): number {
  const p = a * b;
  const SPLIT = 134217729; // 2^27 + 1
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pe = ah * bh - p + ah * bl + al * bh + al * bl; // p + pe == a*b exactly
  const s = p + c;
  const bb = s - p;
  const se = p - (s - bb) + (c - bb); // s + se == p + c exactly
  return fround(s + (se + pe));
}

// ---------------------------------------------------------------------------------------
// avx_mathfun.h (Cephes single-precision log and sincos, 8 lanes) ported lane by lane.
// Each float op is rounded to float32; `fmaf` marks where GCC contracted a mul + add.

const SQRTHF = fround(0.707106781186547524);
const LOG_P0 = fround(7.0376836292e-2);
const LOG_P1 = fround(-1.151461031e-1);
const LOG_P2 = fround(1.167699874e-1);
const LOG_P3 = fround(-1.2420140846e-1);
const LOG_P4 = fround(1.4249322787e-1);
const LOG_P5 = fround(-1.6668057665e-1);
const LOG_P6 = fround(2.0000714765e-1);
const LOG_P7 = fround(-2.4999993993e-1);
const LOG_P8 = fround(3.3333331174e-1);
const LOG_Q1 = fround(-2.1219444e-4);
const LOG_Q2 = fround(0.693359375);

const MINUS_DP1 = fround(-0.78515625);
const MINUS_DP2 = fround(-2.4187564849853515625e-4);
const MINUS_DP3 = fround(-3.77489497744594108e-8);
const SINCOF_P0 = fround(-1.9515295891e-4);
const SINCOF_P1 = fround(8.3321608736e-3);
const SINCOF_P2 = fround(-1.6666654611e-1);
const COSCOF_P0 = fround(2.443315711809948e-5);
const COSCOF_P1 = fround(-1.388731625493765e-3);
const COSCOF_P2 = fround(4.166664568298827e-2);
const FOPI = fround(1.27323954473516); // 4 / pi

/** log256_ps for one lane; x is a positive normal float32 (here 1 - u, in [2^-24, 1]). */
function log256(x: number): number {
  castF32[0] = x;
  const bitsX = castI32[0];
  // exponent: imm0 = (bits >> 23) - 0x7f, e = float(imm0) + 1
  let e = fround(((bitsX >>> 23) - 0x7f) + 1);
  // keep the mantissa, force the exponent of 0.5: x in [0.5, 1)
  castI32[0] = (bitsX & ~0x7f800000) | 0x3f000000;
  x = castF32[0];
  // if (x < SQRTHF) { e -= 1; x = x + x - 1 } else { x = x - 1 }, written as in the source:
  // tmp = x & mask; x = x - 1; e = e - (1 & mask); x = x + tmp
  if (x < SQRTHF) {
    e = fround(e - 1);
    x = fround(fround(x - 1) + x);
  } else {
    x = fround(x - 1);
  }
  const z = fround(x * x);
  // Horner: y = y*x + p_k (GCC contracts each step to an FMA)
  let y = LOG_P0;
  y = fmaf(y, x, LOG_P1);
  y = fmaf(y, x, LOG_P2);
  y = fmaf(y, x, LOG_P3);
  y = fmaf(y, x, LOG_P4);
  y = fmaf(y, x, LOG_P5);
  y = fmaf(y, x, LOG_P6);
  y = fmaf(y, x, LOG_P7);
  y = fmaf(y, x, LOG_P8);
  y = fround(y * x);
  // y = y*z + e*q1: GCC fuses the first product (y*z) and keeps e*q1 rounded
  y = fmaf(y, z, fround(e * LOG_Q1));
  // y = y - z*0.5 (fused)
  y = fmaf(-z, 0.5, y);
  // x = (x + y) + e*q2 (fused)
  x = fround(x + y);
  return fmaf(e, LOG_Q2, x);
}

// sincos256 writes its two results here (a typed array: no boxed numbers, no allocation).
const sincosOut = new Float64Array(2); // [sin, cos]

/** sincos256_ps for one lane. */
function sincos256(x: number): void {
  const negative = x < 0 || (x === 0 && 1 / x < 0); // sign_bit_sin = x & sign_mask
  x = Math.abs(x);
  // j = (int(x * 4/pi) + 1) & ~1  (cvttps truncates)
  let j = Math.trunc(fround(x * FOPI));
  j = (j + 1) & ~1;
  const y = j; // cvtepi32_ps: exact
  const swapSignSin = (j & 4) !== 0;
  const polyMask = (j & 2) === 0;
  // "Extended precision modular arithmetic": x = ((x - y*DP1) - y*DP2) - y*DP3 (each fused)
  x = fmaf(y, MINUS_DP1, x);
  x = fmaf(y, MINUS_DP2, x);
  x = fmaf(y, MINUS_DP3, x);
  const signCos = ((~(j - 2)) & 4) !== 0; // imm4 = ~(j - 2) & 4, shifted into the sign bit
  const signSin = negative !== swapSignSin;

  const z = fround(x * x);
  // cosine polynomial (0 <= x <= pi/4): ((c0*z + c1)*z + c2)*z*z - z*0.5 + 1
  let yc = fmaf(COSCOF_P0, z, COSCOF_P1);
  yc = fmaf(yc, z, COSCOF_P2);
  yc = fround(yc * z);
  yc = fmaf(yc, z, -fround(z * 0.5)); // y*z - tmp: GCC fuses y*z, tmp = z*0.5 stays rounded
  yc = fround(yc + 1);
  // sine polynomial: ((s0*z + s1)*z + s2)*z*x + x
  let ys = fmaf(SINCOF_P0, z, SINCOF_P1);
  ys = fmaf(ys, z, SINCOF_P2);
  ys = fround(ys * z);
  ys = fmaf(ys, x, x);
  // select with masks, exactly as the source does (it matters for signed zeros)
  const ysin2 = polyMask ? ys : 0;
  const ysin1 = polyMask ? 0 : yc;
  const s = fround(ysin1 + ysin2);
  const c = fround(fround(yc - ysin1) + fround(ys - ysin2));
  sincosOut[0] = signSin ? -s : s;
  sincosOut[1] = signCos ? -c : c;
}

const TWO_PI_F = fround(2 * Math.PI); // _mm256_set1_ps(2.0f * c10::pi<double>)

/** normal_fill_16_AVX2 on data[o .. o+16): Box-Muller on pairs (data[o+j], data[o+j+8]). */
function normalFill16(data: Float32Array, o: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = fround(1 - data[o + j]); // [0,1) -> (0,1] for log
    const u2 = data[o + j + 8];
    const radius = fround(Math.sqrt(fround(-2 * log256(u1))));
    const theta = fround(TWO_PI_F * u2);
    sincos256(theta);
    // n * std + mean with _mm256_fmadd_ps (explicitly fused in the source)
    data[o + j] = fmaf(fround(radius * sincosOut[1]), std, mean);
    data[o + j + 8] = fmaf(fround(radius * sincosOut[0]), std, mean);
  }
}

// ---------------------------------------------------------------------------------------

function describe(v: unknown): string {
  return typeof v === 'bigint' ? `${v}n` : String(v);
}

/** Validates a seed like torch.manual_seed and returns it as the uint64 torch stores. */
function seedToU64(seed: number | bigint): bigint {
  let s: bigint;
  if (typeof seed === 'bigint') {
    s = seed;
  } else if (typeof seed === 'number' && Number.isInteger(seed)) {
    s = BigInt(seed);
  } else {
    throw new Error(`manualSeed: seed must be a finite integer, got ${describe(seed)}`);
  }
  // torch unpacks the seed as uint64, or as int64 (two's complement) if negative.
  if (s < I64_MIN || s > U64_MAX) {
    throw new RangeError(
      `manualSeed: seed ${describe(seed)} is outside [-2^63, 2^64 - 1] (torch: "Overflow when unpacking long")`,
    );
  }
  return s < 0n ? s + U64_MOD : s;
}

function checkInteger(name: string, v: number): void {
  if (!Number.isInteger(v)) throw new Error(`${name} must be an integer, got ${describe(v)}`);
}

export class Generator {
  /** MT19937 state words (mt19937_data_pod::state_). */
  readonly #mt = new Uint32Array(N);
  /** mt19937_data_pod::left_ / next_: draws left before the next twist, read position. */
  #left = 1;
  #next = 0;
  #seedU64 = 0n;
  // CPUGeneratorImpl::next_double_normal_sample_ / next_float_normal_sample_ (optionals)
  #nextDoubleNormal = 0;
  #hasNextDoubleNormal = false;
  #nextFloatNormal = 0;
  #hasNextFloatNormal = false;

  constructor(seed: number | bigint = DEFAULT_SEED) {
    this.manualSeed(seed);
  }

  /**
   * torch.manual_seed / Generator.manual_seed: any integer in [-2^63, 2^64 - 1]; negative
   * seeds wrap as int64 -> uint64. mt19937 uses the low 32 bits (init_genrand). Clears both
   * cached normal samples (CPUGeneratorImpl::set_current_seed).
   */
  manualSeed(seed: number | bigint): this {
    const u64 = seedToU64(seed);
    this.#seedU64 = u64;
    this.#hasNextDoubleNormal = false;
    this.#nextDoubleNormal = 0;
    this.#hasNextFloatNormal = false;
    this.#nextFloatNormal = 0;
    const mt = this.#mt;
    mt[0] = Number(u64 & 0xffffffffn);
    for (let j = 1; j < N; j++) {
      const prev = mt[j - 1];
      mt[j] = Math.imul(1812433253, prev ^ (prev >>> 30)) + j;
    }
    this.#left = 1;
    this.#next = 0;
    return this;
  }

  /** torch.initial_seed(): the uint64 seed (as a number; exact up to 2^53). */
  initialSeed(): number {
    return Number(this.#seedU64);
  }

  /** The exact uint64 seed, e.g. 18446744073709551615n after manualSeed(-1). */
  initialSeedBigInt(): bigint {
    return this.#seedU64;
  }

  /** mt19937_engine::next_state: regenerate all 624 words. */
  #twist(): void {
    const mt = this.#mt;
    let k = 0;
    for (; k < N - M; k++) {
      const y = (mt[k] & UMASK) | (mt[k + 1] & LMASK);
      mt[k] = mt[k + M] ^ (y >>> 1) ^ (mt[k + 1] & 1 ? MATRIX_A : 0);
    }
    for (; k < N - 1; k++) {
      const y = (mt[k] & UMASK) | (mt[k + 1] & LMASK);
      mt[k] = mt[k + M - N] ^ (y >>> 1) ^ (mt[k + 1] & 1 ? MATRIX_A : 0);
    }
    const y = (mt[N - 1] & UMASK) | (mt[0] & LMASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (mt[0] & 1 ? MATRIX_A : 0);
    this.#left = N;
    this.#next = 0;
  }

  /** CPUGeneratorImpl::random(): the next tempered MT19937 output, a uint32. */
  nextUint32(): number {
    if (--this.#left === 0) this.#twist();
    let y = this.#mt[this.#next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * uniform_real_distribution<double>(0, 1): random64() = (hi << 32) | lo from two draws,
   * keep the low 53 bits, times 2^-53. Exact in a double.
   */
  #nextDouble53(): number {
    const hi = this.nextUint32();
    const lo = this.nextUint32();
    return ((hi & 0x1fffff) * TWO_POW_32 + lo) * TWO_POW_M53;
  }

  /** uniform_real_distribution<float>(0, 1): (random() & 0xFFFFFF) * 2^-24. */
  #fillUniform01(out: Float32Array, start: number, end: number): void {
    for (let i = start; i < end; i++) out[i] = (this.nextUint32() & 0xffffff) * TWO_POW_M24;
  }

  /**
   * torch.rand / Tensor.uniform_(from, to) on float32: one random() per element,
   * x = (r & 0xFFFFFF) * 2^-24, value = x * (to - from) + from in float32, where from/to
   * are first cast to float and the mul-add is fused (GCC contracts to an FMA).
   */
  fillUniform(out: Float32Array, from = 0, to = 1): void {
    const f = fround(from);
    const t = fround(to);
    if (!Number.isFinite(f) || !Number.isFinite(t)) {
      throw new Error(`uniform_: from and to must be finite float32 values, got from=${from}, to=${to}`);
    }
    if (!(f <= t)) {
      throw new Error(`uniform_ expects to return a [from, to) range, but found from=${from} > to=${to}`);
    }
    const range = fround(t - f);
    if (!Number.isFinite(range)) {
      throw new Error(`uniform_ expects to-from <= float32 max, but found to=${to} and from=${from}`);
    }
    if (f === 0 && range === 1) {
      this.#fillUniform01(out, 0, out.length);
      return;
    }
    for (let i = 0; i < out.length; i++) {
      const x = (this.nextUint32() & 0xffffff) * TWO_POW_M24;
      out[i] = fmaf(x, range, f);
    }
  }

  /**
   * torch.randn / Tensor.normal_(mean, std) on a contiguous float32 tensor (normal_kernel):
   * - numel >= 16: normal_fill_AVX2 (float32 mean/std, Cephes log/sincos, see above);
   * - numel < 16: per element at::normal_distribution<double>(mean, std), which uses and
   *   refills the generator's cached second Box-Muller sample, then casts to float32.
   */
  fillNormal(out: Float32Array, mean = 0, std = 1): void {
    if (!(std >= 0)) throw new Error(`normal expects std >= 0.0, but found std ${std}`);
    const n = out.length;
    if (n >= 16) {
      const meanF = fround(mean);
      const stdF = fround(std);
      // First every element gets one float uniform (one random() each) ...
      this.#fillUniform01(out, 0, n);
      // ... then Box-Muller in blocks of 16 ...
      for (let i = 0; i < n - 15; i += 16) normalFill16(out, i, meanF, stdF);
      // ... and if n % 16 != 0 the last 16 values are drawn afresh and recomputed.
      if (n % 16 !== 0) {
        this.#fillUniform01(out, n - 16, n);
        normalFill16(out, n - 16, meanF, stdF);
      }
      return;
    }
    const plain = mean === 0 && std === 1;
    for (let i = 0; i < n; i++) {
      const v = this.#nextNormalDouble();
      // v * 1 + 0: `+ 0` turns a -0 into +0 exactly as torch's fma(v, 1.0, 0.0) does
      out[i] = plain ? fround(v + 0) : fmaDoubleToF32(v, std, mean);
    }
  }

  /**
   * at::normal_distribution<double> before `* std + mean`: return the cached sample if
   * there is one (and clear it); otherwise u1, u2 = uniform doubles,
   * r = sqrt(-2 * log(1 - u2)), theta = 2*pi*u1, cache r*sin(theta), return r*cos(theta).
   */
  #nextNormalDouble(): number {
    if (this.#hasNextDoubleNormal) {
      this.#hasNextDoubleNormal = false;
      return this.#nextDoubleNormal;
    }
    const u1 = this.#nextDouble53();
    const u2 = this.#nextDouble53();
    const r = Math.sqrt(-2 * Math.log(1 - u2));
    const theta = 2 * Math.PI * u1;
    this.#nextDoubleNormal = r * Math.sin(theta);
    this.#hasNextDoubleNormal = true;
    return r * Math.cos(theta);
  }

  /**
   * torch.randint(low, high) (int64 result; here Int32Array, so low >= -2^31 and
   * high <= 2^31): range = high - low; uniform_int_from_to_distribution<int64_t> draws
   * random64() when range >= 2^32, else random(), and returns (draw % range) + low.
   */
  fillRandint(out: Int32Array, low: number, high: number): void {
    checkInteger('randint: low', low);
    checkInteger('randint: high', high);
    if (!(low < high)) {
      throw new Error(`random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
    }
    if (low < -2147483648 || high > 2147483648) {
      throw new RangeError(`randint: [${low}, ${high}) does not fit an Int32Array`);
    }
    const range = high - low; // <= 2^32, exact
    if (range >= TWO_POW_32) {
      // only range == 2^32 is possible here: random64() % 2^32 is the low word
      for (let i = 0; i < out.length; i++) {
        this.nextUint32(); // hi word
        out[i] = this.nextUint32() + low;
      }
      return;
    }
    for (let i = 0; i < out.length; i++) out[i] = (this.nextUint32() % range) + low;
  }

  /**
   * torch.randperm(n) on CPU (randperm_cpu, torch 1.13): r = [0..n-1]; for i in 0..n-2,
   * z = random() % (n - i), swap r[i] and r[z + i]. (1.13 uses random() for every n.)
   */
  fillRandperm(out: Int32Array): void {
    const n = out.length;
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = 0; i < n - 1; i++) {
      const z = this.nextUint32() % (n - i);
      const save = out[i];
      out[i] = out[z + i];
      out[z + i] = save;
    }
  }

  /**
   * torch.get_rng_state(): the same 5056 bytes (little-endian THGeneratorStateNew):
   * u64 seed @0, i32 left @8, i32 seeded @12, u64 next @16, u64 state[624] @24,
   * f64 normal_x @5016, f64 normal_y @5024 (cached double sample), f64 normal_rho @5032,
   * i32 normal_is_valid @5040, f32 next_float_normal_sample @5048, bool valid @5052.
   */
  getState(): Uint8Array {
    const bytes = new Uint8Array(STATE_BYTES);
    const dv = new DataView(bytes.buffer);
    dv.setBigUint64(0, this.#seedU64, true);
    dv.setInt32(8, this.#left, true);
    dv.setInt32(12, 1, true);
    dv.setBigUint64(16, BigInt(this.#next), true);
    for (let i = 0; i < N; i++) {
      dv.setUint32(24 + 8 * i, this.#mt[i], true); // high half stays 0
    }
    if (this.#hasNextDoubleNormal) {
      dv.setFloat64(5024, this.#nextDoubleNormal, true);
      dv.setInt32(5040, 1, true);
    }
    if (this.#hasNextFloatNormal) {
      dv.setFloat32(5048, this.#nextFloatNormal, true);
      bytes[5052] = 1;
    }
    return bytes;
  }

  /**
   * torch.set_rng_state(): accepts the 5056-byte state (as from getState or
   * torch.get_rng_state().numpy().tobytes()) or the 5048-byte legacy one, whose cached
   * normal is rebuilt as normal_rho * sin(2*pi*normal_x), as torch does.
   */
  setState(state: Uint8Array): this {
    const size = state.byteLength;
    if (size !== STATE_BYTES && size !== LEGACY_STATE_BYTES) {
      throw new Error(
        `setState: expected a state of ${LEGACY_STATE_BYTES} or ${STATE_BYTES} bytes, got ${size}`,
      );
    }
    const dv = new DataView(state.buffer, state.byteOffset, size);
    const left = dv.getInt32(8, true);
    const seeded = dv.getInt32(12, true);
    const next = dv.getBigUint64(16, true);
    if (!(seeded !== 0 && left > 0 && left <= N && next <= BigInt(N))) {
      throw new Error('setState: invalid mt19937 state');
    }
    this.#seedU64 = dv.getBigUint64(0, true);
    this.#left = left;
    this.#next = Number(next);
    for (let i = 0; i < N; i++) this.#mt[i] = dv.getUint32(24 + 8 * i, true);
    this.#hasNextDoubleNormal = dv.getInt32(5040, true) !== 0;
    if (size === STATE_BYTES) {
      this.#nextDoubleNormal = this.#hasNextDoubleNormal ? dv.getFloat64(5024, true) : 0;
      this.#hasNextFloatNormal = state[5052] !== 0;
      this.#nextFloatNormal = this.#hasNextFloatNormal ? dv.getFloat32(5048, true) : 0;
    } else {
      const x = dv.getFloat64(5016, true);
      const rho = dv.getFloat64(5032, true);
      this.#nextDoubleNormal = this.#hasNextDoubleNormal ? rho * Math.sin(2 * Math.PI * x) : 0;
      this.#hasNextFloatNormal = false;
      this.#nextFloatNormal = 0;
    }
    return this;
  }
}

/** The process-wide generator, like torch's default CPU generator. */
export const defaultGenerator = new Generator();
