// Factories: tensor() from JS data, the constant and range factories, and the
// random ones on torch's CPU generator (src/random/generator.ts).

import { Tensor, type NestedArray } from "../tensor";
import { checkDType, type DType } from "../dtype";
import { f32, i32 } from "../backend/memory";
import { parseSize } from "../shape";
import { checkOptionSpelling } from "../spelling";
import { fillRaw, checkTensor } from "./dispatch";
import { refuseWhileRecording } from "../backend/tape";

const RANDOM_IN_CAPTURE = (op: string) =>
  `${op}() inside a captured step would give the same numbers on every replay; draw them outside the step`;
import { defaultGenerator, Generator } from "../random/generator";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

type SizeArgs<O> = (number | number[] | O | undefined)[];

/** Splits `(2, 3)`, `([2, 3])` or `([2, 3], options)` into a size and options. */
function sizeAndOptions<O extends object>(op: string, args: SizeArgs<O>): [number[], O] {
  let opts = {} as O;
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === "object" && !Array.isArray(last)) {
    opts = last as O;
    args = args.slice(0, -1);
  }
  return [parseSize(op, args), opts];
}

function finish(op: string, t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) {
    if (t.dtype !== "float32") throw new TypeError(`${op}: only float32 tensors can require gradients, got ${t.dtype}`);
    t.requiresGrad = true;
  }
  return t;
}

function dtypeOf(op: string, opts: TensorOptions, fallback: DType): DType {
  checkOptionSpelling(op, opts);
  return opts.dtype === undefined ? fallback : checkDType(opts.dtype, op);
}

// ---- tensor(data) ------------------------------------------------------------------

const INT32_MIN = -2147483648, INT32_MAX = 2147483647;

/**
 * A tensor from a number, a boolean, nested arrays or a typed array. Integer-only
 * data makes an int32 tensor (JS cannot tell 3.0 from 3: pass { dtype: "float32" }
 * or requiresGrad, which implies float32), booleans a bool tensor, else float32.
 */
export function tensor(data: NestedArray | ArrayLike<number> | Tensor, options: TensorOptions = {}): Tensor {
  if (data instanceof Tensor) {
    data.assertAlive("tensor");
    const out = data.detach().clone();
    return finish("tensor", options.dtype && options.dtype !== out.dtype ? out.to(options.dtype) : out, options);
  }
  let shape: number[];
  let flat: ArrayLike<number>;
  let inferred: DType;
  if (ArrayBuffer.isView(data)) {
    if (data instanceof DataView) throw new TypeError("tensor: a DataView is not supported; pass a typed array");
    const ta = data as unknown as ArrayLike<number> & { constructor: unknown };
    if (typeof (data as unknown as BigInt64Array)[0] === "bigint") throw new TypeError("tensor: BigInt arrays are not supported");
    shape = [ta.length];
    flat = ta;
    inferred = data instanceof Float32Array || data instanceof Float64Array ? "float32" : "int32";
  } else {
    const parsed = flatten(data);
    shape = parsed.shape;
    flat = parsed.values;
    inferred = parsed.allBool ? "bool" : parsed.allInt && !options.requiresGrad ? "int32" : "float32";
  }
  const dtype = dtypeOf("tensor", options, inferred);
  const out = Tensor.empty(shape, dtype);
  try {
    writeValues("tensor", out, flat);
  } catch (e) {
    out.dispose();
    // JS cannot tell 1e40 from an integer: say how to ask for what was likely meant
    if (e instanceof RangeError && options.dtype === undefined && dtype === "int32") {
      throw new RangeError(
        `${e.message}. The data holds only integers, so tensor() made an int32 tensor (wasmgrad's stand-in for torch's int64); ` +
          'pass { dtype: "float32" } for floating point',
      );
    }
    throw e;
  }
  return finish("tensor", out, options);
}

function writeValues(op: string, t: Tensor, values: ArrayLike<number>): void {
  if (t.dtype === "float32") {
    f32().set(values, t.offset);
    return;
  }
  const v = i32();
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (t.dtype === "bool") v[t.offset + i] = x ? 1 : 0;
    else {
      if (!Number.isFinite(x)) throw new RangeError(`${op}: ${x} cannot be stored in an int32 tensor`);
      const n = Math.trunc(x);
      if (n < INT32_MIN || n > INT32_MAX) throw new RangeError(`${op}: value ${x} does not fit in int32`);
      v[t.offset + i] = n;
    }
  }
}

function flatten(data: unknown): { shape: number[]; values: number[]; allInt: boolean; allBool: boolean } {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const values: number[] = [];
  let allInt = true, allBool = true;
  const walk = (x: unknown, dim: number, path: string): void => {
    if (dim < shape.length) {
      if (!Array.isArray(x) || x.length !== shape[dim]) {
        const got = Array.isArray(x) ? `a list of length ${x.length}` : `a ${typeof x}`;
        throw new TypeError(`tensor: ragged nested array: expected a list of length ${shape[dim]} at ${path || "the top"}, got ${got}`);
      }
      for (let i = 0; i < x.length; i++) walk(x[i], dim + 1, `${path}[${i}]`);
      return;
    }
    if (typeof x === "boolean") {
      values.push(x ? 1 : 0);
    } else if (typeof x === "number") {
      allBool = false;
      if (!Number.isInteger(x)) allInt = false;
      values.push(x);
    } else {
      const what = Array.isArray(x) ? "a list (ragged nesting)" : x === null ? "null" : typeof x === "string" ? `the string ${JSON.stringify(x)}` : typeof x;
      throw new TypeError(`tensor: element ${path || "value"} must be a number or a boolean, got ${what}`);
    }
  };
  walk(data, 0, "");
  if (values.length === 0) allBool = allInt = false; // an empty list is float32
  return { shape, values, allInt, allBool };
}

// ---- constant factories --------------------------------------------------------------

export function full(size: number[] | number, value: number | boolean, options: TensorOptions = {}): Tensor {
  const shape = parseSize("full", [size].flat());
  if (typeof value !== "number" && typeof value !== "boolean") throw new TypeError(`full: fill value must be a number or boolean, got ${typeof value}`);
  const inferred: DType = typeof value === "boolean" ? "bool" : Number.isInteger(value) && !options.requiresGrad ? "int32" : "float32";
  const t = Tensor.empty(shape, dtypeOf("full", options, inferred));
  fillRaw(t, Number(value));
  return finish("full", t, options);
}

/** zeros, ones and empty: a tensor of the size, filled with `value` (none: uninitialized). */
function constant(op: string, args: SizeArgs<TensorOptions>, value?: number): Tensor {
  const [shape, opts] = sizeAndOptions<TensorOptions>(op, args);
  const t = Tensor.empty(shape, dtypeOf(op, opts, "float32"));
  if (value !== undefined) fillRaw(t, value);
  return finish(op, t, opts);
}

export function zeros(...args: SizeArgs<TensorOptions>): Tensor {
  return constant("zeros", args, 0);
}

export function ones(...args: SizeArgs<TensorOptions>): Tensor {
  return constant("ones", args, 1);
}

export function empty(...args: SizeArgs<TensorOptions>): Tensor {
  return constant("empty", args);
}

export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  checkTensor("zerosLike", t);
  return zeros([...t.shape], { dtype: t.dtype, ...options });
}

export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  checkTensor("onesLike", t);
  return ones([...t.shape], { dtype: t.dtype, ...options });
}

export function fullLike(t: Tensor, value: number, options: TensorOptions = {}): Tensor {
  checkTensor("fullLike", t);
  return full([...t.shape], value, { dtype: t.dtype, ...options });
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m: number | TensorOptions = n, options: TensorOptions = {}): Tensor {
  if (typeof m === "object") {
    options = m;
    m = n;
  }
  const [rows, cols] = parseSize("eye", [n, m]);
  const t = Tensor.empty([rows, cols], dtypeOf("eye", options, "float32"));
  fillRaw(t, 0);
  const v = t.dtype === "float32" ? f32() : i32();
  for (let i = 0; i < Math.min(rows, cols); i++) v[t.offset + i * cols + i] = 1;
  return finish("eye", t, options);
}

// ---- ranges ------------------------------------------------------------------------

function checkFinite(op: string, name: string, x: unknown): asserts x is number {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new RangeError(`${op}: ${name} must be a finite number, got ${String(x)}`);
}

/** [start, end) in steps of `step`: arange(end), arange(start, end, step?). Integer arguments give int32. */
export function arange(start: number, end?: number | TensorOptions, step: number | TensorOptions = 1, options: TensorOptions = {}): Tensor {
  if (typeof end === "object") [options, end] = [end, undefined];
  if (typeof step === "object") [options, step] = [step, 1];
  if (end === undefined) [start, end] = [0, start];
  checkFinite("arange", "start", start);
  checkFinite("arange", "end", end);
  checkFinite("arange", "step", step);
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = dtypeOf("arange", options, allInt && !options.requiresGrad ? "int32" : "float32");
  // an integer result converts start, end and step to integers first (truncating), as torch's int64 arange
  if (dtype !== "float32") [start, end, step] = [Math.trunc(start), Math.trunc(end), Math.trunc(step)];
  if (step === 0) throw new RangeError("arange: step must be nonzero");
  if ((end - start) / step < 0) {
    throw new RangeError(`arange: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`);
  }
  const n = Math.ceil((end - start) / step);
  const t = Tensor.empty([n], dtype);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = start + step * i; // torch accumulates in double, then casts
  writeValues("arange", t, values);
  return finish("arange", t, options);
}

/**
 * `steps` evenly spaced values from start to end inclusive (float32), with
 * torch's CPU kernel arithmetic so the values match torch bit for bit: the
 * first half counts up from start, the second down from end, and within each
 * 8-lane vector block the lanes add multiples of the step to the block's base.
 */
export function linspace(start: number, end: number, steps: number | TensorOptions = 100, options: TensorOptions = {}): Tensor {
  if (typeof steps === "object") [options, steps] = [steps, 100];
  checkFinite("linspace", "start", start);
  checkFinite("linspace", "end", end);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: number of steps must be a non-negative integer, got ${steps}`);
  const t = Tensor.empty([steps], dtypeOf("linspace", options, "float32"));
  if (t.dtype !== "float32") throw new TypeError(`linspace: only float32 is supported, got ${t.dtype}`);
  const fr = Math.fround;
  const s = fr(start), e = fr(end);
  const v = f32();
  const o = t.offset;
  if (steps === 1) v[o] = s;
  else if (steps > 1) {
    const step = fr(fr(e - s) / (steps - 1));
    const halfway = Math.floor(steps / 2);
    const VEC = 8;
    let i = 0;
    // vectorized_loop: two 8-lane vectors per iteration while 16 elements remain
    for (; i <= steps - 2 * VEC; i += 2 * VEC) {
      for (const b of [i, i + VEC]) {
        const base = b < halfway ? fr(s + fr(step * b)) : fr(e - fr(step * (steps - b - 1)));
        for (let j = 0; j < VEC; j++) v[o + b + j] = fr(base + fr(j * step));
      }
    }
    for (; i < steps; i++) v[o + i] = i < halfway ? fr(s + fr(step * i)) : fr(e - fr(step * (steps - i - 1)));
  }
  return finish("linspace", t, options);
}

// ---- random ------------------------------------------------------------------------

function generatorOf(op: string, opts: RandomOptions): Generator {
  const g = opts.generator;
  if (g === undefined || g === null) return defaultGenerator;
  if (!(g instanceof Generator)) throw new TypeError(`${op}: the generator option must be a Generator, got ${typeof g}`);
  return g;
}

/** Seeds the default generator (torch.manual_seed). */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

/**
 * rand, randn, randint and randperm: a tensor of `shape` filled by one of the generator's
 * samplers, into a Float32Array (float32 only) or an Int32Array (int32 by default).
 */
function sampled<B extends Float32Array | Int32Array>(op: string, shape: number[], opts: RandomOptions, Buf: new (n: number) => B, draw: (g: Generator, buf: B) => void): Tensor {
  const float = Buf === (Float32Array as unknown);
  const t = Tensor.empty(shape, dtypeOf(op, opts, float ? "float32" : "int32"));
  if (float && t.dtype !== "float32") throw new TypeError(`${op}: only float32 is supported, got ${t.dtype}`);
  const buf = new Buf(t.numel());
  draw(generatorOf(op, opts), buf);
  writeValues(op, t, buf);
  return finish(op, t, opts);
}

/** Uniform [0, 1) float32, torch.rand. */
export function rand(...args: SizeArgs<RandomOptions>): Tensor {
  refuseWhileRecording(RANDOM_IN_CAPTURE("rand"));
  const [shape, opts] = sizeAndOptions<RandomOptions>("rand", args);
  return sampled("rand", shape, opts, Float32Array, (g, buf) => g.fillUniform(buf));
}

/** Standard normal float32, torch.randn. */
export function randn(...args: SizeArgs<RandomOptions>): Tensor {
  refuseWhileRecording(RANDOM_IN_CAPTURE("randn"));
  const [shape, opts] = sizeAndOptions<RandomOptions>("randn", args);
  return sampled("randn", shape, opts, Float32Array, (g, buf) => g.fillNormal(buf));
}

/** Integers uniform in [low, high): randint(high, size) or randint(low, high, size). */
export function randint(low: number, high: number | number[], size?: number[] | RandomOptions, options: RandomOptions = {}): Tensor {
  refuseWhileRecording(RANDOM_IN_CAPTURE("randint"));
  if (Array.isArray(high)) {
    if (size !== undefined && !Array.isArray(size)) options = size;
    size = high;
    high = low;
    low = 0;
  }
  if (!Array.isArray(size)) throw new TypeError("randint: a size list is required, e.g. randint(0, 10, [6])");
  if (!Number.isInteger(low) || !Number.isInteger(high)) throw new TypeError(`randint: low and high must be integers, got ${low} and ${high}`);
  if (high <= low) throw new RangeError(`randint: expects low < high, got low ${low} and high ${high}`);
  const lo = low, hi = high;
  return sampled("randint", parseSize("randint", [size]), options, Int32Array, (g, buf) => g.fillRandint(buf, lo, hi));
}

/** A random permutation of 0..n-1, torch.randperm. */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  refuseWhileRecording(RANDOM_IN_CAPTURE("randperm"));
  const [len] = parseSize("randperm", [n]);
  return sampled("randperm", [len], options, Int32Array, (g, buf) => g.fillRandperm(buf));
}
