// A plain-TypeScript reference for every kernel family of wasmgrad, written for
// clarity rather than speed: one index loop per op, no SIMD, no collapsing of
// dims. The kernel tests compare the WebAssembly ops against it on random
// shapes, and the gradient checks take finite differences of it in float64.
//
// Values are float64 arrays. `Precision` says how float results are rounded:
//   "f32": every elementwise result is rounded to float32 (Math.fround) once,
//          as the kernels do, so + - * / sqrt match the kernels bit for bit
//          (a double result rounded to float32 is the correctly rounded
//          float32 result for these: 53 >= 2·24 + 2);
//   "f64": nothing is rounded (for finite differences).
// Reductions and products accumulate in float64 in both modes and round the
// result once; the float32 kernels accumulate in float32, so tests compare
// those with a tolerance scaled by the sum of magnitudes.
//
// int32 arithmetic wraps (two's complement), bool is stored as 0/1. Type
// promotion and NaN/±Inf/±0 handling follow PyTorch 1.13 (checked against it).

export type RDType = "float32" | "int32" | "bool";
export type Precision = "f32" | "f64";

export interface RTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
  readonly dtype: RDType;
}

// ---- construction and indexing -------------------------------------------------

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function make(shape: readonly number[], values: ArrayLike<number>, dtype: RDType = "float32"): RTensor {
  if (values.length !== numel(shape)) throw new RangeError(`make: ${values.length} values for shape [${shape.join(", ")}]`);
  return { shape: [...shape], data: Float64Array.from(values), dtype };
}

export function full(shape: readonly number[], value: number, dtype: RDType = "float32"): RTensor {
  return { shape: [...shape], data: new Float64Array(numel(shape)).fill(value), dtype };
}

/** Multi-index of flat position `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

function ravel(idx: readonly number[], strides: readonly number[]): number {
  let o = 0;
  for (let d = 0; d < idx.length; d++) o += idx[d] * strides[d];
  return o;
}

function normDim(dim: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) throw new RangeError(`dim ${dim} out of range for ${ndim} dims`);
  return dim < 0 ? dim + n : dim;
}

// ---- dtypes and rounding ----------------------------------------------------------

export function promote(a: RDType, b: RDType): RDType {
  if (a === "float32" || b === "float32") return "float32";
  if (a === "int32" || b === "int32") return "int32";
  return "bool";
}

/** `t op s` for a JS number s: a non-integral number makes the result float (torch's wrapped-number rule). */
export function promoteScalar(t: RDType, s: number): RDType {
  if (t === "float32") return "float32";
  if (!Number.isInteger(s)) return "float32";
  // an int32 tensor stands in for torch's int64: an integer it cannot hold is refused
  if (s < -(2 ** 31) || s >= 2 ** 31) throw new RangeError(`${s} does not fit in int32`);
  return "int32";
}

/** Rounds an exact result to what a tensor of dtype `d` stores. */
export function store(v: number, d: RDType, p: Precision): number {
  if (d === "float32") return p === "f32" ? Math.fround(v) : v;
  if (d === "bool") return v ? 1 : 0;
  return v | 0;
}

/** Converts x to dtype d the way the casts do (torch semantics where torch defines them); operands are converted so before mixed-dtype arithmetic. */
export function cast(x: RTensor, d: RDType, p: Precision = "f32"): RTensor {
  if (x.dtype === d && (d !== "float32" || p === "f64")) return x;
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = x.data[i];
    if (d === "bool") out[i] = v !== 0 ? 1 : 0; // NaN is nonzero: true, as in torch
    else if (d === "int32") {
      // Truncation toward zero. torch leaves NaN and out-of-range values undefined;
      // wasmgrad saturates (wasm's trunc_sat): NaN -> 0, ±huge -> INT32_MIN/MAX.
      if (x.dtype !== "float32") out[i] = v;
      else if (Number.isNaN(v)) out[i] = 0;
      else out[i] = Math.max(-2147483648, Math.min(2147483647, Math.trunc(v)));
    } else out[i] = store(v, "float32", p);
  }
  return { shape: [...x.shape], data: out, dtype: d };
}

// ---- broadcasting ------------------------------------------------------------------

export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1;
    const db = b[b.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new RangeError(`shapes [${a}] and [${b}] do not broadcast`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The flat index into `shape` of the element that broadcasting reads for output multi-index `idx`. */
function bcastIndex(idx: readonly number[], shape: readonly number[], strides: readonly number[]): number {
  const lead = idx.length - shape.length;
  let o = 0;
  for (let d = 0; d < shape.length; d++) if (shape[d] !== 1) o += idx[lead + d] * strides[d];
  return o;
}

function zipBroadcast(a: RTensor, b: RTensor, f: (x: number, y: number) => number, d: RDType): RTensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const n = numel(shape);
  const out = new Float64Array(n);
  const sa = stridesOf(a.shape), sb = stridesOf(b.shape);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    out[i] = f(a.data[bcastIndex(idx, a.shape, sa)], b.data[bcastIndex(idx, b.shape, sb)]);
  }
  return { shape, data: out, dtype: d };
}

// ---- elementwise -----------------------------------------------------------------

export type UnaryName =
  | "neg" | "exp" | "log" | "sin" | "cos" | "tan" | "tanh" | "sigmoid" | "relu" | "sqrt" | "abs" | "sign" | "square" | "reciprocal";

export const UNARY_NAMES: readonly UnaryName[] = [
  "neg", "exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "sqrt", "abs", "sign", "square", "reciprocal",
];

/** The math of each unary op on one value; `r` rounds an intermediate like the float32 kernel does. */
const unaryMath: Record<UnaryName, (x: number, r: (v: number) => number) => number> = {
  neg: (x) => -x,
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sin: (x) => Math.sin(x),
  cos: (x) => Math.cos(x),
  tan: (x) => Math.tan(x),
  tanh: (x) => Math.tanh(x),
  // The kernel computes 1 / (1 + e^-x) in float32, so e^-x overflows to Inf (and σ to 0) below x ≈ -88.7, as torch's does.
  sigmoid: (x, r) => 1 / r(1 + r(Math.exp(-x))),
  // torch.relu keeps NaN
  relu: (x) => (x > 0 || Number.isNaN(x) ? x : 0),
  sqrt: (x) => Math.sqrt(x),
  abs: (x) => Math.abs(x),
  // torch 1.13: sign(NaN) = 0
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
};

/** Unary ops that keep an integer dtype (the others compute in float32, as torch promotes ints to float). */
const INT_PRESERVING = new Set<UnaryName>(["neg", "abs", "sign", "square", "relu"]);

export function unary(op: UnaryName, x: RTensor, p: Precision = "f32"): RTensor {
  const intOut = x.dtype !== "float32" && INT_PRESERVING.has(op);
  const d: RDType = intOut ? "int32" : "float32";
  const r = (v: number) => store(v, "float32", p);
  const f = unaryMath[op];
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = x.data[i];
    if (intOut) out[i] = op === "square" ? Math.imul(v, v) : store(f(v, r), "int32", p);
    else out[i] = r(f(r(v), r)); // an int input is converted to float32 first, as torch does
  }
  return { shape: [...x.shape], data: out, dtype: d };
}

export type BinaryName = "add" | "sub" | "mul" | "div" | "pow";

/** C's pow, which torch uses: unlike Math.pow, pow(1, NaN) = 1 and pow(-1, ±Inf) = 1. */
export function cpow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** Integer power by squaring with wrapping int32 products; negative exponents are rejected. */
export function ipow(x: number, e: number): number {
  if (e < 0) return x === 1 ? 1 : x === -1 ? (e % 2 === 0 ? 1 : -1) : 0; // torch's integer pow
  let r = 1;
  while (e > 0) {
    if (e & 1) r = Math.imul(r, x);
    x = Math.imul(x, x);
    e >>>= 1;
  }
  return r;
}

function binaryMath(op: BinaryName, d: RDType): (x: number, y: number) => number {
  if (d === "bool") return op === "add" ? (x, y) => +(x !== 0 || y !== 0) : (x, y) => +(x !== 0 && y !== 0); // torch: or, and
  if (d === "int32") {
    switch (op) {
      case "add": return (x, y) => (x + y) | 0;
      case "sub": return (x, y) => (x - y) | 0;
      case "mul": return (x, y) => Math.imul(x, y);
      case "pow": return ipow;
      default: throw new Error(`no int32 ${op}`);
    }
  }
  switch (op) {
    case "add": return (x, y) => x + y;
    case "sub": return (x, y) => x - y;
    case "mul": return (x, y) => x * y;
    case "div": return (x, y) => x / y;
    case "pow": return cpow;
  }
}

/** The dtype an arithmetic op computes in, or an error for bool ⊕ bool. */
function arithmeticDType(op: BinaryName, d: RDType): RDType {
  if (op === "div") return "float32";
  if (d === "bool" && op !== "add" && op !== "mul") throw new TypeError(`${op}: arithmetic on two bool tensors is not supported`);
  return d;
}

/** a op b with broadcasting and type promotion (true division always gives float32). */
export function binary(op: BinaryName, a: RTensor, b: RTensor, p: Precision = "f32"): RTensor {
  const d = arithmeticDType(op, promote(a.dtype, b.dtype));
  const f = binaryMath(op, d);
  return zipBroadcast(cast(a, d, p), cast(b, d, p), (x, y) => store(f(x, y), d, p), d);
}

/** t op s (or s op t when reversed) for a JS number s. */
export function binaryScalar(op: BinaryName, t: RTensor, s: number, reversed = false, p: Precision = "f32"): RTensor {
  const d = op === "div" ? "float32" : promoteScalar(t.dtype, s);
  const sv = store(s, d, p); // the kernel takes the scalar as float32 (or int32)
  const f = binaryMath(op, d);
  const out = cast(t, d, p).data.map((x) => store(reversed ? f(sv, x) : f(x, sv), d, p));
  return { shape: [...t.shape], data: out, dtype: d };
}

/** a + alpha·b as the library computes it: alpha·b rounded first, then the sum. */
export function addAlpha(a: RTensor, b: RTensor, alpha: number, sign: 1 | -1 = 1, p: Precision = "f32"): RTensor {
  const scaled = alpha === 1 ? b : binaryScalar("mul", b, alpha, false, p);
  return binary(sign === 1 ? "add" : "sub", a, scaled, p);
}

/**
 * tensor ** number with torch's CPU fast paths (they differ from C pow on
 * special values: sqrt(-Inf) = NaN where pow(-Inf, 0.5) = Inf, and rsqrt(-0) = -Inf).
 */
export function powScalar(x: RTensor, e: number, p: Precision = "f32"): RTensor {
  if (x.dtype !== "float32") {
    // torch refuses a negative number as an integer tensor's exponent (a tensor of them is computed)
    if (Number.isInteger(e) && e < 0) throw new RangeError("pow: integers to negative integer powers are not allowed");
    return binaryScalar("pow", x, e, false, p);
  }
  const r = (v: number) => store(v, "float32", p);
  let f: (v: number) => number;
  if (e === 2) f = (v) => v * v;
  else if (e === 0.5) f = Math.sqrt;
  else if (e === -0.5) f = (v) => 1 / r(Math.sqrt(v));
  else if (e === -1) f = (v) => 1 / v;
  else {
    const ef = r(e);
    f = (v) => cpow(v, ef);
  }
  return { shape: [...x.shape], data: x.data.map((v) => r(f(v))), dtype: "float32" };
}

export type CompareName = "eq" | "ne" | "lt" | "le" | "gt" | "ge";

const compareMath: Record<CompareName, (x: number, y: number) => boolean> = {
  eq: (x, y) => x === y,
  ne: (x, y) => x !== y, // NaN != anything, as IEEE and torch
  lt: (x, y) => x < y,
  le: (x, y) => x <= y,
  gt: (x, y) => x > y,
  ge: (x, y) => x >= y,
};

/** Elementwise comparison with broadcasting; operands are compared in their promoted dtype. */
export function compare(op: CompareName, a: RTensor, b: RTensor | number): RTensor {
  const bt = typeof b === "number" ? { shape: [], data: Float64Array.of(b), dtype: promoteScalar(a.dtype, b) } : b;
  const d = promote(a.dtype, bt.dtype) === "float32" ? "float32" : "int32";
  const conv = (t: RTensor) => (t.dtype === d || d !== "float32" ? t : cast(t, "float32"));
  const f = compareMath[op];
  return zipBroadcast(conv(a), conv(bt as RTensor), (x, y) => (f(x, y) ? 1 : 0), "bool");
}

// ---- reductions --------------------------------------------------------------------

/** [outer, len, inner] view of a reduction along `d`. */
function split(shape: readonly number[], d: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= shape[i];
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape.length === 0 ? 1 : shape[d], inner];
}

/** Normalizes a dim list; an empty list means all dims (torch 1.13's sum(dim=[])). */
function dimList(dim: number | readonly number[] | undefined, ndim: number): number[] | null {
  if (dim === undefined) return null;
  const list = typeof dim === "number" ? [dim] : [...dim];
  if (list.length === 0) return null;
  const out = list.map((x) => normDim(x, ndim));
  if (new Set(out).size !== out.length) throw new RangeError("repeated dim");
  return out;
}

function reduceShape(shape: readonly number[], dims: number[] | null, keepdim: boolean): number[] {
  if (shape.length === 0) return [];
  const out: number[] = [];
  shape.forEach((s, i) => {
    const reduced = dims === null || dims.includes(i);
    if (!reduced) out.push(s);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Sum over `dim` (a dim, a list, or all); int and bool sum to int32 (wrapping). */
export function sum(x: RTensor, dim?: number | readonly number[], keepdim = false, p: Precision = "f32"): RTensor {
  const dims = dimList(dim, x.shape.length);
  const d: RDType = x.dtype === "float32" ? "float32" : "int32";
  const shape = reduceShape(x.shape, dims, keepdim);
  const kept = x.shape.map((s, i) => (dims === null || dims.includes(i) ? 1 : s));
  const ks = stridesOf(kept);
  const acc = new Float64Array(numel(shape));
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape);
    const j = ravel(idx.map((v, k) => (kept[k] === 1 ? 0 : v)), ks);
    acc[j] = d === "int32" ? (acc[j] + x.data[i]) | 0 : acc[j] + x.data[i];
  }
  return { shape, data: acc.map((v) => store(v, d, p)), dtype: d };
}

export function mean(x: RTensor, dim?: number | readonly number[], keepdim = false, p: Precision = "f32"): RTensor {
  if (x.dtype !== "float32") throw new TypeError("mean: input dtype must be float32");
  const dims = dimList(dim, x.shape.length);
  let count = 1;
  x.shape.forEach((s, i) => {
    if (dims === null || dims.includes(i)) count *= s;
  });
  const s = sum(x, dim, keepdim, "f64");
  return { ...s, data: s.data.map((v) => store(v / count, "float32", p)) };
}

/** a is the new extremum against b: NaN always wins (torch propagates it), else the strict comparison, so the first extremum wins ties. */
function wins(a: number, b: number, isMin: boolean): boolean {
  if (Number.isNaN(a)) return !Number.isNaN(b);
  return isMin ? a < b : a > b;
}

/** max() / min() over all elements. */
export function extremumAll(x: RTensor, isMin: boolean): RTensor {
  if (x.data.length === 0) throw new RangeError("max/min of an empty tensor");
  let m = x.data[0];
  for (let i = 1; i < x.data.length; i++) if (wins(x.data[i], m, isMin)) m = x.data[i];
  return { shape: [], data: Float64Array.of(m), dtype: x.dtype };
}

export interface ValuesIndices {
  values: RTensor;
  indices: RTensor;
}

/** max(dim) / min(dim): values and the index of the first extremum (of the first NaN, if any). */
export function extremumDim(x: RTensor, dim: number, keepdim: boolean, isMin: boolean): ValuesIndices {
  const d = normDim(dim, x.shape.length);
  const [outer, len, inner] = split(x.shape, d);
  if (len === 0) throw new RangeError("cannot reduce over a dim of size 0");
  const shape = reduceShape(x.shape, [d], keepdim);
  const vals = new Float64Array(outer * inner), idx = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let m = x.data[o * len * inner + i], mi = 0;
      for (let k = 1; k < len; k++) {
        const v = x.data[(o * len + k) * inner + i];
        if (wins(v, m, isMin)) [m, mi] = [v, k];
      }
      vals[o * inner + i] = m;
      idx[o * inner + i] = mi;
    }
  }
  return { values: { shape, data: vals, dtype: x.dtype }, indices: { shape: [...shape], data: idx, dtype: "int32" } };
}

// ---- matrix products ------------------------------------------------------------------

/**
 * Batched C = op(A)·op(B) on [..batch, rows, cols] operands, as the matmul kernel
 * does: A is read as [.., k, m] when transA, B as [.., n, k] when transB; the
 * batch dims broadcast. Accumulates in float64, rounds once.
 */
export function gemm(a: RTensor, b: RTensor, transA = false, transB = false, p: Precision = "f32"): RTensor {
  if (a.shape.length < 2 || b.shape.length < 2) throw new RangeError("gemm: operands need 2 dims");
  const ar = a.shape[a.shape.length - 2], ac = a.shape[a.shape.length - 1];
  const br = b.shape[b.shape.length - 2], bc = b.shape[b.shape.length - 1];
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2) throw new RangeError(`gemm: inner dims ${k} != ${k2}`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const nb = numel(batch);
  const ab = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const sab = stridesOf(ab), sbb = stridesOf(bb);
  const out = new Float64Array(nb * m * n);
  const d = promote(a.dtype, b.dtype);
  for (let t = 0; t < nb; t++) {
    const bi = unravel(t, batch);
    const pa = bcastIndex(bi, ab, sab) * ar * ac, pb = bcastIndex(bi, bb, sbb) * br * bc;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          const x = a.data[pa + (transA ? q * ac + i : i * ac + q)];
          const y = b.data[pb + (transB ? j * bc + q : q * bc + j)];
          s = d === "int32" ? (s + Math.imul(x, y)) | 0 : s + x * y;
        }
        out[(t * m + i) * n + j] = store(s, d, p);
      }
    }
  }
  return { shape: [...batch, m, n], data: out, dtype: d };
}

/** torch.matmul: 1-D·1-D is a dot product; a 1-D operand gains a dim (row on the left, column on the right) that is removed again. */
export function matmul(a: RTensor, b: RTensor, p: Precision = "f32"): RTensor {
  if (a.shape.length === 0 || b.shape.length === 0) throw new RangeError("matmul: both arguments need at least 1 dim");
  const A = a.shape.length === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const B = b.shape.length === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const out = gemm(A, B, false, false, p);
  const shape = [...out.shape];
  if (b.shape.length === 1) shape.splice(shape.length - 1, 1);
  if (a.shape.length === 1) shape.splice(shape.length - (b.shape.length === 1 ? 1 : 2), 1);
  return reshape(out, shape);
}

// ---- movement ------------------------------------------------------------------------

export function reshape(x: RTensor, shape: readonly number[]): RTensor {
  if (numel(shape) !== x.data.length) throw new RangeError(`reshape: [${shape}] for ${x.data.length} elements`);
  return { shape: [...shape], data: x.data.slice(), dtype: x.dtype };
}

export function permute(x: RTensor, perm: readonly number[]): RTensor {
  const p = perm.map((d) => normDim(d, x.shape.length));
  const shape = p.map((d) => x.shape[d]);
  const xs = stridesOf(x.shape);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let o = 0;
    for (let k = 0; k < p.length; k++) o += idx[k] * xs[p[k]];
    out[i] = x.data[o];
  }
  return { shape, data: out, dtype: x.dtype };
}

export function transpose(x: RTensor, d0: number, d1: number): RTensor {
  if (x.shape.length < 2) return reshape(x, x.shape);
  const a = normDim(d0, x.shape.length), b = normDim(d1, x.shape.length);
  const perm = x.shape.map((_, i) => i);
  [perm[a], perm[b]] = [perm[b], perm[a]];
  return permute(x, perm);
}

/** torch's .T: all dims reversed (0-d and 1-D unchanged). */
export function reverseDims(x: RTensor): RTensor {
  return permute(x, x.shape.map((_, i) => x.shape.length - 1 - i));
}

export function squeeze(x: RTensor, dim?: number): RTensor {
  if (dim === undefined) return reshape(x, x.shape.filter((s) => s !== 1));
  const d = normDim(dim, x.shape.length);
  if (x.shape.length === 0 || x.shape[d] !== 1) return reshape(x, x.shape);
  return reshape(x, x.shape.filter((_, i) => i !== d));
}

export function unsqueeze(x: RTensor, dim: number): RTensor {
  const d = normDim(dim, x.shape.length + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Broadcast copy to `shape` (-1 keeps a dim). */
export function expand(x: RTensor, shape: readonly number[]): RTensor {
  const lead = shape.length - x.shape.length;
  const target = shape.map((s, i) => (s === -1 ? x.shape[i - lead] : s));
  broadcastShapes(x.shape, target);
  const xs = stridesOf(x.shape);
  const out = new Float64Array(numel(target));
  for (let i = 0; i < out.length; i++) out[i] = x.data[bcastIndex(unravel(i, target), x.shape, xs)];
  return { shape: target, data: out, dtype: x.dtype };
}

export function indexSelect(x: RTensor, dim: number, index: readonly number[]): RTensor {
  const d = normDim(dim, x.shape.length);
  const [outer, len, inner] = split(x.shape, d);
  const idx = index.map((v) => (v < 0 ? v + len : v));
  const shape = [...x.shape];
  shape[d] = idx.length;
  const out = new Float64Array(numel(shape));
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      for (let i = 0; i < inner; i++) out[(o * idx.length + j) * inner + i] = x.data[(o * len + idx[j]) * inner + i];
    }
  }
  return { shape, data: out, dtype: x.dtype };
}

/** torch.diag: vector -> square diagonal matrix; matrix -> its main diagonal. */
/** torch.diag with diagonal k: element (i, j) is on diagonal j - i. */
export function diag(x: RTensor, k = 0): RTensor {
  if (x.shape.length === 1) {
    const n = x.shape[0] + Math.abs(k);
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (j - i === k && Math.min(i, j) < x.shape[0]) out[i * n + j] = x.data[Math.min(i, j)];
    return { shape: [n, n], data: out, dtype: x.dtype };
  }
  if (x.shape.length === 2) {
    const [r, c] = x.shape;
    const picked: number[] = [];
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) if (j - i === k) picked.push(x.data[i * c + j]);
    return { shape: [picked.length], data: Float64Array.from(picked), dtype: x.dtype };
  }
  throw new RangeError("diag: expects a 1-D or 2-D tensor");
}

/**
 * torch.sort along `dim`: stable, NaN after +Inf (before it when descending);
 * ±0 are equal and keep their order, as in torch.
 */
export function sort(x: RTensor, dim = -1, descending = false): ValuesIndices {
  const d = normDim(dim, x.shape.length);
  const [outer, len, inner] = split(x.shape, d);
  const vals = new Float64Array(x.data.length), idx = new Float64Array(x.data.length);
  const rank = (v: number) => (Number.isNaN(v) ? 1 : 0);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => x.data[(o * len + j) * inner + i];
      const order = Array.from({ length: len }, (_, j) => j);
      order.sort((p, q) => {
        const a = at(p), b = at(q);
        let c = rank(a) - rank(b);
        if (c === 0 && rank(a) === 0) c = a < b ? -1 : a > b ? 1 : 0;
        return descending ? -c : c; // Array.prototype.sort is stable
      });
      order.forEach((src, j) => {
        vals[(o * len + j) * inner + i] = at(src);
        idx[(o * len + j) * inner + i] = src;
      });
    }
  }
  return { values: { shape: [...x.shape], data: vals, dtype: x.dtype }, indices: { shape: [...x.shape], data: idx, dtype: "int32" } };
}

// ---- losses ---------------------------------------------------------------------------

export function mseLoss(input: RTensor, target: RTensor, reduction: "mean" | "sum" | "none" = "mean", p: Precision = "f32"): RTensor {
  const diff = binary("sub", input, target, p);
  const sq = binary("mul", diff, diff, p);
  if (reduction === "none") return sq;
  return reduction === "sum" ? sum(sq, undefined, false, p) : mean(sq, undefined, false, p);
}
