// The Tensor: a shape, a dtype and a block of linear memory, plus its place in
// the autograd graph. Every operation lives in src/ops/ (defined once, with its
// backward rule beside it); the methods here are thin entries into them.

import type { DType } from "./dtype";
import { Storage } from "./storage";
import { f32, i32 } from "./backend/memory";
import type { Node } from "./autograd/node";
import { backward, type TensorBackwardOptions } from "./autograd/backward";
import { track, setTensorCheck, recordingGradGraph } from "./lifetime";
import { formatTensor } from "./format";
import { guardTorchSpellings } from "./spelling";
import { recordingTape, assertNotRecording } from "./backend/tape";
import { fmt, normDim, numel as countElements, sameShape, stridesOf, type Shape } from "./shape";
import { named, describeValue } from "./ops/dispatch";
import * as ew from "./ops/elementwise";
import * as un from "./ops/unary";
import * as bin from "./ops/binary";
import * as red from "./ops/reduce";
import * as lin from "./ops/linear";
import * as shp from "./ops/shape";
import * as inplace from "./ops/inplace";
import { sort, argsort, type SortOptions, type SortResult } from "./ops/sort";
import * as st from "./ops/statistics";
import { cumsum, cumprod, type ScanOptions } from "./ops/scan";
import { softmax, logSoftmax, type SoftmaxOptions } from "./ops/softmax";
import * as join from "./ops/join";
import * as idx from "./ops/indexing";

export type Scalar = number;
export type TensorOrScalar = Tensor | number;
/** Nested arrays of numbers or booleans, as tensor() and toArray() use. */
export type NestedArray = number | boolean | NestedArray[];

let nextId = 1;

/** The last shape of each rank: a loop's tensors share a few shapes, and so one frozen array each. */
const shapes: Shape[] = [];

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly #count: number;
  readonly id = nextId++;
  /** The gradient accumulated by backward() (leaves, and non-leaves after retainGrad()). */
  grad: Tensor | null = null;
  /** The node that produced this tensor; null for leaves. */
  gradFn: Node | null = null;
  /** Set when a scope let this tensor outlive it only because a graph saved it: freed with the graph. */
  graphOwned = false;
  /** Set on the results of a captured step: they belong to the capture, and dispose() leaves them be. */
  pinned = false;
  #storage: Storage;
  #requires = false;
  #retains = false;
  #disposed = false;

  /** @internal Use the factories (tensor, zeros, ...); this wraps a storage. */
  constructor(storage: Storage, shape: Shape, dtype: DType, numel = countElements(shape)) {
    this.#storage = storage;
    // Shapes are immutable, so a frozen one (another tensor's) is shared rather than copied.
    const last = shapes[shape.length];
    this.shape = last && sameShape(last, shape) ? last : (shapes[shape.length] = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice()));
    this.dtype = dtype;
    this.#count = numel;
    track(this, storage);
  }

  /** @internal A new tensor of this shape and dtype with uninitialized memory. */
  static empty(shape: Shape, dtype: DType = "float32"): Tensor {
    const n = countElements(shape);
    if (n > 2 ** 30) {
      throw new RangeError(
        `wasmgrad: cannot allocate a ${dtype} tensor of shape ${fmt(shape)}: it needs ${n * 4} bytes, ` +
          "more than the 4 GiB WebAssembly memory can address",
      );
    }
    return new Tensor(Storage.allocate(n), shape, dtype, n);
  }

  /** @internal A tensor sharing this one's memory (reshape, detach): torch's views. */
  alias(shape: Shape): Tensor {
    this.assertAlive("view");
    this.#storage.refs++;
    return new Tensor(this.#storage, shape, this.dtype);
  }

  // ---- memory ----------------------------------------------------------------

  /** @internal The memory block (for the lifetime bookkeeping). */
  storageRef(): Storage {
    return this.#storage;
  }

  /** @internal Byte offset of the data in linear memory. */
  get ptr(): number {
    if (this.#disposed) this.assertAlive("this operation");
    const tape = recordingTape();
    if (tape) tape.storages.add(this.#storage);
    return this.#storage.read(); // makes a deferred copy, or copies spilled data back in, first (storage.ts)
  }

  /** @internal Element offset (ptr / 4) for indexing the memory views. */
  get offset(): number {
    return this.ptr >>> 2;
  }

  /** Counts in-place modifications of the memory this tensor shares (torch's _version). */
  get version(): number {
    return this.#storage.version;
  }

  /** @internal Marks an in-place write, called just before it: deferred transposes of this memory are copied first (storage.ts). */
  bumpVersion(): void {
    this.#storage.write();
    this.#storage.version++;
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  assertAlive(op: string): void {
    if (this.#disposed) {
      throw new Error(`${op}: tensor of shape ${fmt(this.shape)} (${this.dtype}) was disposed and cannot be used`);
    }
    // Ops check their inputs on entry: they are resident from here on, so reading
    // a pointer later cannot allocate (and detach a typed-array view taken meanwhile).
    this.#storage.touch();
  }

  /** Frees the tensor's memory now (the block is reused by later tensors). Idempotent. */
  dispose(): void {
    if (this.#disposed || this.pinned || recordingGradGraph) return;
    this.#disposed = true;
    this.#storage.release();
  }

  /** @internal The tensors this one's graph keeps for backward (for scope()): what its nodes saved, and their inputs. */
  graphTensors(): { saved: Tensor[]; inputs: Tensor[] } {
    const saved: Tensor[] = [];
    const inputs: Tensor[] = [];
    const seen = new Set<Node>();
    const stack = this.gradFn ? [this.gradFn] : [];
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (const s of n.saved) if (s !== this) saved.push(s);
      for (const inp of n.inputs) {
        inputs.push(inp);
        if (inp.gradFn && !seen.has(inp.gradFn)) {
          seen.add(inp.gradFn);
          stack.push(inp.gradFn);
        }
      }
    }
    return { saved, inputs };
  }

  // ---- autograd ------------------------------------------------------------

  get requiresGrad(): boolean {
    return this.#requires;
  }

  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }

  /** Sets requiresGrad on a leaf (torch's requires_grad_, positional or { requiresGrad }); returns this. */
  requiresGrad_(requiresGrad: boolean | { requiresGrad?: boolean } = true): this {
    const value = named<{ requiresGrad?: unknown }>("requiresGrad_", { requiresGrad }).requiresGrad ?? true;
    if (typeof value !== "boolean") throw new TypeError(`requiresGrad: expected true or false, got ${describeValue(value)}`);
    // a tensor in a graph already requires grad: asking for it again is a no-op, as in torch
    if (this.gradFn && !value) {
      throw new Error(
        `requiresGrad: can only change the flag of leaf tensors; this one was produced by ${this.gradFn.name}. Use detach() first`,
      );
    }
    if (value && this.dtype !== "float32") {
      throw new TypeError(`requiresGrad: only float32 tensors can require gradients, got ${this.dtype}`);
    }
    this.#requires = value;
    return this;
  }

  /** @internal Set by record() on op outputs. */
  setRequiresGradInternal(value: boolean): void {
    this.#requires = value;
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  get retainsGrad(): boolean {
    return this.#retains;
  }

  /** Makes backward() fill .grad of this non-leaf tensor too. */
  retainGrad(): this {
    if (!this.#requires) throw new Error("retainGrad: can't retain the gradient of a tensor that does not require grad");
    if (this.gradFn) this.#retains = true;
    return this;
  }

  /**
   * Computes gradients of this tensor w.r.t. the leaves of its graph and accumulates them into their .grad;
   * with { createGraph: true } the gradients are themselves differentiable.
   */
  backward(
    gradient?: Tensor | TensorBackwardOptions | null,
    retainGraph?: boolean | TensorBackwardOptions,
    createGraph?: boolean | TensorBackwardOptions,
    inputs?: Tensor | readonly Tensor[] | TensorBackwardOptions,
  ): void {
    backward(this, gradient, retainGraph, createGraph, inputs);
  }

  /** A tensor sharing this one's memory, cut from the graph. */
  detach(): Tensor {
    return this.alias(this.shape);
  }

  // ---- reading -------------------------------------------------------------

  /** The value of a one-element tensor. */
  item(): number {
    this.assertAlive("item");
    assertNotRecording("item()");
    if (this.numel() !== 1) {
      throw new Error(`item: only one-element tensors can be converted to a number, this one has shape ${fmt(this.shape)}`);
    }
    return this.dtype === "float32" ? f32()[this.offset] : i32()[this.offset];
  }

  /** A copy of the elements in row-major order. */
  data(): Float32Array | Int32Array {
    this.assertAlive("data");
    assertNotRecording("data()");
    const o = this.offset;
    return this.dtype === "float32" ? f32().slice(o, o + this.numel()) : i32().slice(o, o + this.numel());
  }

  /** The elements as nested arrays (a number for a 0-d tensor; booleans for bool). */
  toArray(): NestedArray {
    const flat = this.data();
    const asBool = this.dtype === "bool";
    const strides = stridesOf(this.shape);
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.shape.length) return asBool ? flat[start] !== 0 : flat[start];
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, start + i * strides[dim]));
      return out;
    };
    return build(0, 0);
  }

  /** The number of elements (torch's numel()). */
  numel(): number {
    return this.#count;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** torch's size(): the shape, or one dim of it. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    if (this.shape.length === 0) throw new RangeError(`size: dimension specified as ${dim} but the tensor has no dimensions`);
    return this.shape[normDim("size", dim, this.shape.length)];
  }

  toString(): string {
    if (this.#disposed) return `tensor(<disposed>, shape=${fmt(this.shape)})`;
    return formatTensor(this.data(), this.shape, this.dtype, {
      requiresGrad: this.#requires,
      gradFn: this.gradFn ? this.gradFn.name : undefined,
    });
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * A tensor is not a JS number: `x.sum() + 1` would silently make the string
   * "tensor(-0.1752)1". As text (`${x}`, String(x)) it is its toString(); any
   * other use as a primitive (+, -, *, <, ==) is an error.
   */
  [Symbol.toPrimitive](hint: string): string {
    if (hint === "string") return this.toString();
    throw new TypeError(
      `Tensor: a tensor of shape ${fmt(this.shape)} was used as a JS ${hint === "number" ? "number" : "primitive (in +, == or a comparison)"}; ` +
        "use x.add(y), x.mul(y), x.lt(y), ... for tensor arithmetic, x.item() for a one-element tensor's value, or String(x) for its text",
    );
  }

  // ---- elementwise -----------------------------------------------------------

  add(other: TensorOrScalar, alpha?: number): Tensor { return ew.add(this, other, alpha); }
  sub(other: TensorOrScalar, alpha?: number): Tensor { return ew.sub(this, other, alpha); }
  mul(other: TensorOrScalar): Tensor { return ew.mul(this, other); }
  div(other: TensorOrScalar): Tensor { return ew.div(this, other); }
  pow(exponent: TensorOrScalar): Tensor { return ew.pow(this, exponent); }
  neg(): Tensor { return ew.neg(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  tan(): Tensor { return ew.tan(this); }
  tanh(): Tensor { return ew.tanh(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  relu(): Tensor { return ew.relu(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  abs(): Tensor { return ew.abs(this); }
  sign(): Tensor { return ew.sign(this); }
  square(): Tensor { return ew.square(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  eq(other: TensorOrScalar): Tensor { return ew.eq(this, other); }
  ne(other: TensorOrScalar): Tensor { return ew.ne(this, other); }
  lt(other: TensorOrScalar): Tensor { return ew.lt(this, other); }
  le(other: TensorOrScalar): Tensor { return ew.le(this, other); }
  gt(other: TensorOrScalar): Tensor { return ew.gt(this, other); }
  ge(other: TensorOrScalar): Tensor { return ew.ge(this, other); }
  /** Converts to another dtype (a copy; the same tensor when the dtype already matches). */
  to(dtype: DType): Tensor { return ew.cast(this, dtype); }
  float(): Tensor { return ew.cast(this, "float32"); }
  int(): Tensor { return ew.cast(this, "int32"); }
  /** torch's int64 is int32 here (printed as int64), so long() is int(). */
  long(): Tensor { return ew.cast(this, "int32"); }

  // ---- elementwise math and activations (issue 17) ---------------------------------------

  log1p(): Tensor { return un.log1p(this); }
  expm1(): Tensor { return un.expm1(this); }
  log2(): Tensor { return un.log2(this); }
  log10(): Tensor { return un.log10(this); }
  exp2(): Tensor { return un.exp2(this); }
  rsqrt(): Tensor { return un.rsqrt(this); }
  erf(): Tensor { return un.erf(this); }
  floor(): Tensor { return un.floor(this); }
  ceil(): Tensor { return un.ceil(this); }
  round(decimals?: number | { decimals?: number }): Tensor { return un.round(this, decimals); }
  trunc(): Tensor { return un.trunc(this); }
  frac(): Tensor { return un.frac(this); }
  isnan(): Tensor { return un.isnan(this); }
  isinf(): Tensor { return un.isinf(this); }
  isfinite(): Tensor { return un.isfinite(this); }
  nanToNum(nan?: number | null | un.NanToNumOptions, posinf?: number | null, neginf?: number | null): Tensor { return un.nanToNum(this, nan, posinf, neginf); }
  logicalNot(): Tensor { return un.logicalNot(this); }
  logicalAnd(other: Tensor): Tensor { return un.logicalAnd(this, other); }
  logicalOr(other: Tensor): Tensor { return un.logicalOr(this, other); }
  logicalXor(other: Tensor): Tensor { return un.logicalXor(this, other); }
  maximum(other: Tensor): Tensor { return bin.maximum(this, other); }
  minimum(other: Tensor): Tensor { return bin.minimum(this, other); }
  fmod(other: TensorOrScalar): Tensor { return bin.fmod(this, other); }
  remainder(other: TensorOrScalar): Tensor { return bin.remainder(this, other); }
  clamp(min?: TensorOrScalar | null | bin.ClampOptions, max?: TensorOrScalar | null): Tensor { return bin.clamp(this, min, max); }
  clip(min?: TensorOrScalar | null | bin.ClampOptions, max?: TensorOrScalar | null): Tensor { return bin.clamp(this, min, max); }
  clamp_(min?: TensorOrScalar | null | bin.ClampOptions, max?: TensorOrScalar | null): this { return bin.clamp_(this, min, max); }
  clip_(min?: TensorOrScalar | null | bin.ClampOptions, max?: TensorOrScalar | null): this { return bin.clamp_(this, min, max); }
  lerp(end: Tensor, weight: TensorOrScalar): Tensor { return bin.lerp(this, end, weight); }
  /** this where `condition`, else other (torch's x.where(condition, y)). */
  where(condition: Tensor, other: TensorOrScalar): Tensor { return bin.where(condition, this, other); }
  isclose(other: Tensor, rtol?: number | bin.CloseOptions, atol?: number, equalNan?: boolean): Tensor { return bin.isclose(this, other, rtol, atol, equalNan); }
  allclose(other: Tensor, rtol?: number | bin.CloseOptions, atol?: number, equalNan?: boolean): boolean { return bin.allclose(this, other, rtol, atol, equalNan); }

  // ---- reductions ----------------------------------------------------------------

  sum(dim?: red.DimArg, keepdim?: boolean): Tensor { return red.sum(this, dim, keepdim); }
  mean(dim?: red.DimArg, keepdim?: boolean): Tensor { return red.mean(this, dim, keepdim); }
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number | red.DimOptions, keepdim?: boolean): red.MaxResult;
  max(dim?: number | red.DimOptions | Tensor, keepdim?: boolean): Tensor | red.MaxResult {
    // bin.max tells the three forms apart at run time (no dim: all elements)
    return bin.max(this, dim as number, keepdim);
  }
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number | red.DimOptions, keepdim?: boolean): red.MaxResult;
  min(dim?: number | red.DimOptions | Tensor, keepdim?: boolean): Tensor | red.MaxResult {
    return bin.min(this, dim as number, keepdim);
  }

  // ---- more reductions, scans and softmax (issue 17) ---------------------------------------
  // dim and keepdim positional as torch, or an options object: x.std({ dim: 1, keepdim: true, correction: 0 })

  prod(dim?: st.DimArg, keepdim?: boolean): Tensor { return st.prod(this, dim, keepdim); }
  argmax(dim?: st.DimArg, keepdim?: boolean): Tensor { return st.argmax(this, dim, keepdim); }
  argmin(dim?: st.DimArg, keepdim?: boolean): Tensor { return st.argmin(this, dim, keepdim); }
  amax(dim?: st.DimArg, keepdim?: boolean): Tensor { return st.amax(this, dim, keepdim); }
  amin(dim?: st.DimArg, keepdim?: boolean): Tensor { return st.amin(this, dim, keepdim); }
  /** torch's (dim, unbiased, keepdim), (unbiased), or { dim, correction, unbiased, keepdim }. */
  var(dim?: st.DimArg<st.VarOptions> | boolean, unbiased?: boolean, keepdim?: boolean): Tensor { return st.variance(this, dim, unbiased, keepdim); }
  std(dim?: st.DimArg<st.VarOptions> | boolean, unbiased?: boolean, keepdim?: boolean): Tensor { return st.std(this, dim, unbiased, keepdim); }
  logsumexp(dim: st.DimArg, keepdim?: boolean): Tensor { return st.logsumexp(this, dim, keepdim); }
  norm(p?: st.NormOrd | st.NormOptions, dim?: number | number[] | null, keepdim?: boolean): Tensor { return st.norm(this, p, dim, keepdim); }
  all(dim?: st.DimArg, keepdim?: boolean): Tensor { return st.all(this, dim, keepdim); }
  any(dim?: st.DimArg, keepdim?: boolean): Tensor { return st.any(this, dim, keepdim); }
  countNonzero(dim?: number | number[] | null | { dim?: number | number[] | null }): Tensor { return st.countNonzero(this, dim); }
  median(): Tensor;
  median(dim: number | st.DimOptions, keepdim?: boolean): st.ValuesIndices;
  median(dim?: number | st.DimOptions, keepdim?: boolean): Tensor | st.ValuesIndices {
    return st.median(this, dim as number, keepdim);
  }
  kthvalue(k: number, dim?: number | st.DimOptions, keepdim?: boolean): st.ValuesIndices { return st.kthvalue(this, k, dim, keepdim); }
  topk(k: number, dim?: number | st.TopkOptions, largest?: boolean, sorted?: boolean): st.ValuesIndices { return st.topk(this, k, dim, largest, sorted); }
  trace(): Tensor { return st.trace(this); }
  outer(other: Tensor): Tensor { return st.outer(this, other); }
  cumsum(dim: number | ScanOptions): Tensor { return cumsum(this, dim); }
  cumprod(dim: number | ScanOptions): Tensor { return cumprod(this, dim); }
  softmax(dim: number | SoftmaxOptions): Tensor { return softmax(this, dim); }
  logSoftmax(dim: number | SoftmaxOptions): Tensor { return logSoftmax(this, dim); }

  // ---- linear algebra and shape -----------------------------------------------------

  matmul(other: Tensor): Tensor { return lin.matmul(this, other); }
  dot(other: Tensor): Tensor { return lin.dot(this, other); }
  mm(other: Tensor): Tensor { return lin.mm(this, other); }
  transpose(dim0: number | { dim0: number; dim1: number }, dim1?: number): Tensor { return shp.transpose(this, dim0, dim1); }
  /** Matrix transpose (reversed dims); a 0-d or 1-D tensor is returned as is. */
  get T(): Tensor { return shp.reverseDims(this); }
  t(): Tensor { return shp.t(this); }
  permute(...dims: number[] | [number[]]): Tensor { return shp.permute(this, dims.flat()); }
  reshape(...shape: number[] | [number[]]): Tensor { return shp.reshape(this, shape.flat()); }
  view(...shape: number[] | [number[]]): Tensor { return shp.view(this, shape.flat()); }
  /** Merges dims startDim..endDim (negative from the end) into one, as torch.flatten: `x.flatten(1)` keeps the batch dim. */
  flatten(startDim?: number | shp.FlattenOptions, endDim?: number): Tensor { return shp.flatten(this, startDim, endDim); }
  squeeze(dim?: number | { dim?: number }): Tensor { return shp.squeeze(this, dim); }
  unsqueeze(dim: number | { dim: number }): Tensor { return shp.unsqueeze(this, dim); }
  expand(...shape: number[] | [number[]]): Tensor { return shp.expand(this, shape.flat()); }
  indexSelect(dim: number, index: Tensor | number[]): Tensor { return shp.indexSelect(this, dim, index); }
  diag(diagonal?: number): Tensor { return shp.diag(this, diagonal); }
  clone(): Tensor { return shp.clone(this); }
  contiguous(): Tensor { return this; }
  /** torch's (dim, descending) or { dim, descending }. */
  sort(dim?: number | SortOptions, descending?: boolean): SortResult { return sort(this, dim, descending); }
  argsort(dim?: number | SortOptions, descending?: boolean): Tensor { return argsort(this, dim, descending); }

  // ---- joining, splitting and indexing (issue 17) ---------------------------------------------

  /** Basic indexing, torch's `x[...]` (a copy): per dim a number, null (`:`), [start, stop, step], "..." or "newaxis". */
  slice(...entries: idx.SliceEntry[]): Tensor { return idx.slice(this, ...entries); }
  select(dim: number, index: number): Tensor { return idx.select(this, dim, index); }
  narrow(dim: number, start: number, length: number): Tensor { return join.narrow(this, dim, start, length); }
  split(splitSize: number | number[], dim: join.DimArg = 0): Tensor[] { return join.split(this, splitSize, dim); }
  chunk(chunks: number, dim: join.DimArg = 0): Tensor[] { return join.chunk(this, chunks, dim); }
  unbind(dim: join.DimArg = 0): Tensor[] { return join.unbind(this, dim); }
  flip(...dims: number[] | [number[]]): Tensor { return join.flip(this, ...dims); }
  repeat(...reps: number[] | [number[]]): Tensor { return join.repeat(this, ...reps); }
  tile(...reps: number[] | [number[]]): Tensor { return join.tile(this, ...reps); }
  tril(diagonal: number | { diagonal?: number } = 0): Tensor { return join.tril(this, diagonal); }
  triu(diagonal: number | { diagonal?: number } = 0): Tensor { return join.triu(this, diagonal); }
  gather(dim: number, index: Tensor): Tensor { return idx.gather(this, dim, index); }
  scatter(dim: number, index: Tensor, src: Tensor | number, reduce?: idx.ScatterReduce): Tensor { return idx.scatter(this, dim, index, src, reduce); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return idx.scatterAdd(this, dim, index, src); }
  indexAdd(dim: number, index: Tensor, source: Tensor, options?: number | { alpha?: number }): Tensor { return idx.indexAdd(this, dim, index, source, options); }
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor { return idx.maskedFill(this, mask, value); }
  /** torch's `x[entries] = value` in place: entries as slice() takes them, in one array. */
  sliceAssign_(entries: idx.SliceEntry[], value: TensorOrScalar): this { return idx.sliceAssign_(this, entries, value); }
  maskedFill_(mask: Tensor, value: TensorOrScalar): this { return idx.maskedFill_(this, mask, value); }
  scatter_(dim: number, index: Tensor, src: Tensor | number, reduce?: idx.ScatterReduce): this { return idx.scatter_(this, dim, index, src, reduce); }
  scatterAdd_(dim: number, index: Tensor, src: Tensor): this { return idx.scatterAdd_(this, dim, index, src); }
  indexAdd_(dim: number, index: Tensor, source: Tensor, options?: number | { alpha?: number }): this { return idx.indexAdd_(this, dim, index, source, options); }

  // ---- in place (torch's trailing underscore) -------------------------------------------

  add_(other: TensorOrScalar, alpha?: number): this { return inplace.add_(this, other, alpha); }
  sub_(other: TensorOrScalar, alpha?: number): this { return inplace.sub_(this, other, alpha); }
  mul_(other: TensorOrScalar): this { return inplace.mul_(this, other); }
  div_(other: TensorOrScalar): this { return inplace.div_(this, other); }
  zero_(): this { return inplace.fill_(this, 0); }
  fill_(value: number): this { return inplace.fill_(this, value); }
  copy_(src: Tensor): this { return inplace.copy_(this, src); }

  // ---- factories shaped like this one -----------------------------------------------------

  onesLike(): Tensor {
    const t = Tensor.empty(this.shape, this.dtype);
    return inplace.fill_(t, 1);
  }
}

setTensorCheck((v): v is Tensor => v instanceof Tensor);

/** torch's Tensor members that wasmgrad spells other than by camelCase (src/spelling.ts). */
guardTorchSpellings(Tensor, () => "Tensor", {
  tolist: "toArray()",
  numpy: "data()",
  dim: "ndim",
  ndimension: "ndim",
  nelement: "numel()",
  type: "dtype (or .to(dtype))",
  cpu: "(nothing: wasmgrad's tensors live in WebAssembly memory, on the CPU)",
  cuda: "(nothing: wasmgrad runs on the CPU, in WebAssembly)",
}, (i) => `use x.select(0, ${i}) for a sub-tensor, or x.item() / x.toArray() for values`);
