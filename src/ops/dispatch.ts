// Shared plumbing between ops and kernels: the broadcast meta block, dtype
// casts, and fresh outputs.

import { Tensor } from "../tensor";
import { checkInt32, type DType } from "../dtype";
import { k } from "../backend/module";
import { alloc, f32, i32 } from "../backend/memory";
import { exec, scratchFor } from "../backend/tape";
import { collapse, normDim, stridesOf, type Shape } from "../shape";
import { checkOptionSpelling } from "../spelling";

/** Scratch for kernel metadata (shape/stride blocks); one block serves every call. */
let metaPtr = 0;
const META_INTS = 4 * 64;

function meta(): number {
  if (metaPtr === 0) metaPtr = alloc(META_INTS * 4);
  return metaPtr;
}

/**
 * Writes shape | stride lists | counters for a kernel that walks `shape`
 * reading operands through `strides` (in elements). Returns [nd, metaPtr].
 */
export function writeMeta(shape: Shape, strides: number[][]): [number, number] {
  const c = collapse(shape, strides);
  const nd = c.shape.length;
  // shape, the stride lists, the odometer's counters and one running offset per operand (assembly/indexing.ts)
  const ints = nd * (strides.length + 2) + strides.length;
  if (ints > META_INTS) throw new RangeError(`too many dims (${shape.length}) for a kernel`);
  const p = scratchFor(ints * 4, meta);
  const v = i32();
  let o = p >>> 2;
  for (const d of c.shape) v[o++] = d;
  for (const s of c.strides) for (const d of s) v[o++] = d;
  return [nd, p];
}

/** Fills dst (contiguous) from src read through `strides` (in elements; 0 broadcasts a dim): copy_view32. */
export function copyStrided(src: Tensor, strides: number[], dst: Tensor): void {
  if (dst.numel() > 0) k().copy_view32(src.ptr, dst.ptr, ...writeMeta(dst.shape, [strides, stridesOf(dst.shape)]));
}

/** What a wrong argument is, for error messages: "null", "an array", "a string", ... */
export function describeValue(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (x instanceof Tensor) return "a Tensor"; // the class's own name is minified
  const t = typeof x;
  return t === "undefined" ? "undefined" : t === "object" ? (x as object).constructor?.name ?? "an object" : `a ${t}`;
}

/** Throws a TypeError naming the op unless x is a Tensor, and the disposal error if it was disposed. */
export function checkTensor(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${describeValue(x)}`);
  x.assertAlive(op);
}

/**
 * An op's options object (undefined or null: none). torch's positional numbers in its
 * place (`conv2d(x, w, b, 2, 1)`, `maxPool2d(x, 3, 2)`) are an error, not dropped.
 */
export function optionsArg<O extends object>(op: string, o: O | null | undefined): O {
  if (o != null && (typeof o !== "object" || Array.isArray(o))) {
    throw new TypeError(`${op}: expected an options object, got ${describeValue(o)}; name the arguments, e.g. { stride: 2 }`);
  }
  if (o) checkOptionSpelling(op, o);
  return o ?? ({} as O);
}

/**
 * torch's positional-then-keyword arguments as JS passes them: `args` holds an op's
 * optional parameters by name, in torch's order, and any one of them may instead be
 * an options object naming the rest (x.std(0, { unbiased: false }) is torch's
 * x.std(0, unbiased=False)). Returns every argument by name, the options object's
 * over the positions after it. A plain object only: tensors and arrays are arguments.
 */
export function named<O extends object>(op: string, args: Record<string, unknown>): O {
  for (const key in args) {
    const v = args[key];
    if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Tensor)) {
      args[key] = undefined;
      return Object.assign(args, optionsArg(op, v)) as O;
    }
  }
  return args as O;
}

/**
 * torch's (values, indices) named tuple, as sort, max(dim), topk, ... return it: by
 * name, or by position as torch code reads it (`x.max(1)[0]`, `const [v, i] = x.sort()`).
 */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };
export const valuesIndices = (values: Tensor, indices: Tensor): ValuesIndices => Object.assign([values, indices] as [Tensor, Tensor], { values, indices });

/** The normalized dim of an op that needs one (cumsum, softmax, ...): a number or { dim }, checked against x. */
export function requiredDim(op: string, x: Tensor, dim: number | { dim: number }): number {
  checkTensor(op, x);
  const d = named<{ dim?: number }>(op, { dim }).dim;
  if (d === undefined) throw new TypeError(`${op}: dim is required`);
  return normDim(op, d, x.ndim);
}

/** checkTensor, and the TypeError of an op that computes in float32 only (it does not convert ints, as torch's do not). */
export function checkFloat(op: string, x: unknown): asserts x is Tensor {
  checkTensor(op, x);
  if (x.dtype !== "float32") throw new TypeError(`${op}: expected a float32 input, got ${x.dtype}; convert with .float() first`);
}

/** The tensor in dtype `d` (itself when it already is; a copy otherwise). */
export function castTo(t: Tensor, d: DType): Tensor {
  if (t.dtype === d) return t;
  const out = Tensor.empty(t.shape, d);
  if (d === "bool") toBool(t, out);
  else if (d === "float32") k().cast_i32_f32(t.ptr, out.ptr, t.numel());
  else if (t.dtype === "float32") k().cast_f32_i32(t.ptr, out.ptr, t.numel());
  else k().copy32(t.ptr, out.ptr, t.numel()); // bool to int32: the same 0s and 1s
  return out;
}

/** A copy of x with its own memory, of its dtype and shape; no graph. */
export function copyOf(x: Tensor): Tensor {
  const out = Tensor.empty(x.shape, x.dtype);
  k().copy32(x.ptr, out.ptr, x.numel());
  return out;
}

/** torch's cast to bool is x != 0, so 0.5 and NaN are true (truncating a float to int first would make them false). */
function toBool(t: Tensor, out: Tensor): void {
  const a = t.offset, o = out.offset, n = t.numel(), isF = t.dtype === "float32";
  exec(() => {
    const src = isF ? f32() : i32(), v = i32();
    for (let i = 0; i < n; i++) v[o + i] = src[a + i] !== 0 ? 1 : 0;
  });
}

/** A float32 tensor of `shape` filled with `value`. */
export function filled(shape: Shape, value: number, dtype: DType = "float32"): Tensor {
  const t = Tensor.empty(shape, dtype);
  fillRaw(t, value);
  return t;
}

const scratch = new DataView(new ArrayBuffer(4));
/** The int32 bit pattern that stores `value` in a tensor of dtype `d`. */
export function bitsOf(value: number, d: DType): number {
  if (d === "float32") {
    scratch.setFloat32(0, value, true);
    return scratch.getInt32(0, true);
  }
  if (d === "bool") return value ? 1 : 0;
  checkInt32(value); // truncated toward zero, as torch converts a fill value
  return value | 0;
}

export function fillRaw(t: Tensor, value: number): void {
  k().fill32(t.ptr, t.numel(), bitsOf(value, t.dtype));
}
