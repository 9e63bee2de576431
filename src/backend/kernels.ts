// The typed face of the WebAssembly module's exports (assembly/index.ts) and
// the op codes its dispatching kernels take. Pointers are byte offsets into the
// module's one memory; lengths count 4-byte elements.

export interface Kernels {
  memory: WebAssembly.Memory;
  unary_f32(op: number, x: number, out: number, n: number): void;
  binary_f32(op: number, a: number, b: number, out: number, n: number): void;
  binary_scalar_f32(op: number, a: number, s: number, out: number, n: number, reversed: boolean): void;
  binary_bcast_f32(op: number, a: number, b: number, out: number, nd: number, meta: number): void;
  binary_i32(op: number, a: number, b: number, out: number, n: number): void;
  binary_scalar_i32(op: number, a: number, s: number, out: number, n: number, reversed: boolean): void;
  binary_bcast_i32(op: number, a: number, b: number, out: number, nd: number, meta: number): void;
  compare_f32(op: number, a: number, b: number, out: number, nd: number, meta: number): void;
  compare_i32(op: number, a: number, b: number, out: number, nd: number, meta: number): void;
  cast_i32_f32(x: number, out: number, n: number): void;
  cast_f32_i32(x: number, out: number, n: number): void;
  fill32(out: number, n: number, bits: number): void;
  copy32(src: number, dst: number, n: number): void;
  transpose32(src: number, dst: number, batch: number, r: number, c: number): void;
  index_select32(src: number, idx: number, dst: number, outer: number, len: number, inner: number, nidx: number): void;
  index_add_f32(dst: number, idx: number, src: number, outer: number, len: number, inner: number, nidx: number): void;
  sum_dim_f32(x: number, out: number, outer: number, len: number, inner: number): void;
  sum_dim_i32(x: number, out: number, outer: number, len: number, inner: number): void;
  max_dim_f32(x: number, vals: number, idx: number, outer: number, len: number, inner: number, isMin: boolean): void;
  max_dim_i32(x: number, vals: number, idx: number, outer: number, len: number, inner: number, isMin: boolean): void;
  // ---- elementwise math and activations (issue 17)
  unary_p_f32(op: number, x: number, out: number, n: number, a: number, b: number, c: number): void;
  where32(c: number, a: number, b: number, out: number, n: number): void;

  // ---- reductions, scans, softmax (issue 17)
  // assembly/softmax.ts: along a dim seen as [outer, len, inner]
  softmax_f32(x: number, out: number, outer: number, len: number, inner: number, isLog: boolean): void;
  softmax_backward_f32(y: number, g: number, gx: number, outer: number, len: number, inner: number, isLog: boolean): void;

  // ---- joining, splitting, indexing (issue 17): assembly/indexing.ts
  copy_view32(src: number, dst: number, nd: number, meta: number): void;
  index_walk32(mode: IndexMode, a: number, b: number, idx: number, nd: number, meta: number, dimStride: number, len: number): number;
  tri32(src: number, dst: number, batch: number, r: number, c: number, k: number, upper: boolean): void;

  // ---- losses (issue 17)
  cross_entropy_f32(
    x: number, t: number, w: number, loss: number, den: number, prob: number,
    outer: number, c: number, inner: number, ignore: number, hasW: boolean, eps: number, logits: boolean,
  ): void;
  cross_entropy_backward_f32(
    t: number, w: number, prob: number, g: number, gx: number,
    outer: number, c: number, inner: number, ignore: number, hasW: boolean, eps: number, logits: boolean, gScalar: boolean,
  ): void;

  // ---- layers: convolution, pooling, normalization (issue 17)
  // assembly/conv.ts: cols[p, ki, kj, oh, ow] = x[p, oh·sh - ph + ki·dh, ow·sw - pw + kj·dw] (value outside); adjoint adds back
  im2col_f32(
    x: number, cols: number, planes: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, dh: number, dw: number, ho: number, wo: number, value: number, adjoint: boolean,
  ): void;
  // assembly/pool.ts: mode 0 max, 1 average, 2 average's adjoint, 3 max's adjoint; tab holds the windows
  pool2d_f32(
    mode: number, x: number, out: number, idx: number, planes: number, h: number, w: number, ho: number, wo: number,
    tab: number, dh: number, dw: number, divisor: number,
  ): void;

  // assembly/matmul.ts: returns 0, or the scratch bytes it needs when the block given is smaller (C untouched)
  matmul_f32(
    a: number, b: number, c: number, m: number, k: number, n: number, transA: boolean, transB: boolean,
    batch: number, strideA: number, strideB: number, strideC: number, scratch: number, scratchBytes: number,
  ): number;
  matmul_f32_scratch(m: number, k: number, n: number, transA: boolean, transB: boolean): number;
  matmul_f32_splits(m: number, k: number, n: number, transB: boolean): boolean;
  // assembly/loss.ts
  mse_forward_f32(a: number, b: number, d: number, out: number, n: number, count: number): void;
  mse_backward_f32(d: number, g: number, ga: number, n: number, count: number, powForm: boolean): void;
  matmul_f32_rows(
    a: number, b: number, c: number, m: number, k: number, n: number, transA: boolean, transB: boolean,
    batch: number, strideA: number, strideB: number, strideC: number, scratch: number, r0: number, r1: number,
  ): void;
  // assembly/optim.ts: one fused pass per parameter per step
  sgd_step_f32(
    param: number, grad: number, buf: number, n: number,
    negLr: number, momentum: number, oneMinusDampening: number, weightDecay: number,
    nesterov: boolean, maximize: boolean, first: boolean,
  ): void;
  adam_step_f32(
    param: number, grad: number, expAvg: number, expAvgSq: number, maxExpAvgSq: number, n: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    l2: number, decay: number, biasCorrection2Sqrt: number, eps: number, negStepSize: number,
    amsgrad: boolean, maximize: boolean,
  ): void;
  // assembly/linalg.ts: float64 work in a caller-provided scratch block
  inv_f32(a: number, out: number, n: number, work: number): number;
  svd_f32(a: number, m: number, n: number, u: number, s: number, vh: number, work: number): number;
}

/**
 * Codes of unary_f32 (assembly/elementwise.ts): the cheap ones first, then from Exp on
 * the transcendentals, which threads.ts splits across threads from a smaller size.
 */
export const enum UnaryOp {
  Neg = 0, Abs, Sqrt, Square, Reciprocal, Relu, Floor, Ceil, Round, Trunc, Frac, Rsqrt, Hardsigmoid, Hardswish,
  Exp, Log, Sin, Cos, Tan, Tanh, Sigmoid, Log1p, Expm1, Log2, Log10, Exp2, Erf,
  Gelu, GeluTanh, Silu, Mish, Logsigmoid,
}

/** Codes of unary_p_f32, the unary ops with scalar parameters a, b, c (transcendental from Elu on). */
export const enum UnaryParamOp { Clamp = 0, LeakyRelu, NanToNum, Elu, Softplus }

/**
 * Codes of the binary kernels; Div has no int32 kernel (true division promotes to float).
 * From Fmod on, the float32 kernels take one lane at a time.
 */
export const enum BinaryOp { Add = 0, Sub, Mul, Div, Pow, Maximum, Minimum, Fmod, Remainder }

/** Codes of compare_f32 / compare_i32. */
export const enum CompareOp { Eq = 0, Ne, Lt, Le, Gt, Ge }

/** Modes of index_walk32: what it does at a[. + idx*dimStride] and b[.]. */
export const enum IndexMode { Gather = 0, Scatter, AddF32, AddI32, Or }
