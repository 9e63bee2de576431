// The benchmark's inputs, bit for bit what torch.manual_seed(s); torch.rand(...)
// gives (MT19937 with the standard 32-bit seeding; rand = (r & 0xFFFFFF) * 2^-24),
// so every peer starts from the series' exact matrices without using its own RNG
// and without loading wasmgrad into the peer's process.

class MT19937 {
  constructor(seed) {
    this.mt = new Uint32Array(624);
    this.i = 624;
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const p = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      this.mt[i] = (Math.imul(1812433253, p) + i) >>> 0;
    }
  }
  next() {
    const mt = this.mt;
    if (this.i >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.i = 0;
    }
    let y = mt[this.i++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** A seeded stream: `rand(rows, cols)` returns { shape, data: Float32Array } like torch.rand. */
export function seeded(seed) {
  const g = new MT19937(seed);
  return {
    rand(...shape) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = (g.next() & 0xffffff) * 2 ** -24;
      return { shape, data };
    },
  };
}

/** Part 2: M = (manual_seed(314); rand(n, n)); X0 = (manual_seed(314); rand(n, n)), so X0 == M. */
export function inverseData(n) {
  const M = seeded(314).rand(n, n);
  const X0 = seeded(314).rand(n, n);
  return { M, X0 };
}

/** Part 3, case 1: M = (manual_seed(314); rand(5, 4)); then manual_seed(314); U = rand(5, 4), d = rand(4), V = rand(4, 4). */
export function svdData(m = 5, n = 4) {
  const M = seeded(314).rand(m, n);
  const g = seeded(314);
  const U0 = g.rand(m, n);
  const d0 = g.rand(n);
  const V0 = g.rand(n, n);
  return { M, U0, d0, V0 };
}

/** Operands of the matmul benchmark (values do not matter, only that they are the same everywhere). */
export function matmulData(n) {
  const g = seeded(1234);
  return { A: g.rand(n, n), B: g.rand(n, n) };
}

/** Row-major Float32Array → nested JS arrays (for libraries that take them). */
export function nested({ shape, data }) {
  if (shape.length === 1) return Array.from(data);
  const [r, c] = shape;
  return Array.from({ length: r }, (_, i) => Array.from(data.subarray(i * c, (i + 1) * c)));
}

/** The transpose of a row-major matrix, as a new row-major matrix. */
export function transposed({ shape: [r, c], data }) {
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j];
  return { shape: [c, r], data: out };
}

/** A uniform(-b, b) tensor from a seeded stream, as torch's default layer init draws it (bound 1/√fan_in). */
function uniformInit(g, bound, ...shape) {
  const t = g.rand(...shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = (t.data[i] * 2 - 1) * bound;
  return t;
}

/** Class labels 0..classes-1 from a seeded stream. */
function labels(g, n, classes) {
  const u = g.rand(n).data;
  return Int32Array.from(u, (x) => Math.min(classes - 1, Math.floor(x * classes)));
}

/** The MLP step (784 → 256 → 10, batch 128): a batch of inputs and labels, and the initial parameters. */
export function mlpData() {
  const g = seeded(2718);
  const x = g.rand(128, 784);
  const y = labels(g, 128, 10);
  return {
    x, y,
    W1: uniformInit(g, 1 / Math.sqrt(784), 256, 784), b1: uniformInit(g, 1 / Math.sqrt(784), 256),
    W2: uniformInit(g, 1 / Math.sqrt(256), 10, 256), b2: uniformInit(g, 1 / Math.sqrt(256), 10),
  };
}

/**
 * The CNN step (batch 32 of 1×28×28): conv 3×3 1→8, ReLU, conv 3×3 8→16, ReLU,
 * max-pool 2×2, linear 16·12·12 → 10. Images NCHW, filters [out, in, kh, kw], as torch.
 */
export function cnnData() {
  const g = seeded(1618);
  const x = g.rand(32, 1, 28, 28);
  const y = labels(g, 32, 10);
  return {
    x, y,
    K1: uniformInit(g, 1 / 3, 8, 1, 3, 3), c1: uniformInit(g, 1 / 3, 8),
    K2: uniformInit(g, 1 / Math.sqrt(72), 16, 8, 3, 3), c2: uniformInit(g, 1 / Math.sqrt(72), 16),
    W: uniformInit(g, 1 / Math.sqrt(2304), 10, 2304), b: uniformInit(g, 1 / Math.sqrt(2304), 10),
  };
}

/** NCHW images → NHWC, and [out, in, kh, kw] filters → [kh, kw, in, out] (TensorFlow.js's layouts). */
export function toNHWC({ shape: [n, c, h, w], data }) {
  const out = new Float32Array(data.length);
  for (let a = 0; a < n; a++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++)
    out[((a * h + i) * w + j) * c + ch] = data[((a * c + ch) * h + i) * w + j];
  return { shape: [n, h, w, c], data: out };
}
export function toHWIO({ shape: [o, c, kh, kw], data }) {
  const out = new Float32Array(data.length);
  for (let a = 0; a < o; a++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++)
    out[((i * kw + j) * c + ch) * o + a] = data[((a * c + ch) * kh + i) * kw + j];
  return { shape: [kh, kw, c, o], data: out };
}
