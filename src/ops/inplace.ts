// In-place updates (torch's trailing underscore). As in torch, a leaf that
// requires grad may only be updated inside noGrad (that is how optimizers and
// the series' hand-written momentum step work), and every write bumps the
// version that autograd checks saved tensors against.

import { Tensor, type TensorOrScalar } from "../tensor";
import { k } from "../backend/module";
import { BinaryOp } from "../backend/kernels";
import { isGradEnabled } from "../autograd/grad-mode";
import { broadcastShapes, broadcastStrides, sameShape, fmt } from "../shape";
import { promote, promoteScalar } from "../dtype";
import { castTo, fillRaw, checkTensor, copyStrided } from "./dispatch";
import { binaryInto, scalarInto, checkOperand, checkAlpha } from "./elementwise";

const names = ["add_", "sub_", "mul_", "div_"];

/**
 * The leaf rule, and torch's graph rule as an error: an operand that requires grad
 * would make t part of its graph (torch rebases t's history), which wasmgrad's
 * in-place ops do not record.
 */
export function checkWritable(op: string, t: Tensor, operand?: unknown): void {
  t.assertAlive(op);
  if (!isGradEnabled()) return;
  if (t.requiresGrad && t.isLeaf) {
    throw new Error(
      `${op}: a leaf tensor that requires grad (shape ${fmt(t.shape)}) is being used in an in-place operation; ` +
        "wrap the update in noGrad(() => ...)",
    );
  }
  const graph = t.requiresGrad ? `the tensor is part of one (made by ${t.gradFn!.name})` : (operand as Tensor | null)?.requiresGrad === true ? "the operand requires grad" : "";
  if (graph) throw new Error(`${op}: in-place ops record no graph, and ${graph}; use the out-of-place op, or detach() first`);
}

function update(op: BinaryOp, t: Tensor, other: TensorOrScalar, alpha = 1): Tensor {
  const name = names[op];
  checkWritable(name, t, other);
  if (t.dtype === "bool") throw new TypeError(`${name}: in-place arithmetic on a bool tensor is not supported`);
  if (typeof other === "number") {
    const value = op === BinaryOp.Add || op === BinaryOp.Sub ? other * alpha : other;
    const d = op === BinaryOp.Div ? "float32" : promoteScalar(t.dtype, value);
    if (d !== t.dtype) throw new TypeError(`${name}: result type float32 can't be cast to the tensor's dtype ${t.dtype}`);
    t.bumpVersion();
    scalarInto(op, t, value, t);
    return t;
  }
  checkOperand(name, other);
  const d = op === BinaryOp.Div ? "float32" : promote(t.dtype, other.dtype);
  if (d !== t.dtype) throw new TypeError(`${name}: result type ${d} can't be cast to the tensor's dtype ${t.dtype}`);
  const shape = broadcastShapes(name, t.shape, other.shape);
  if (!sameShape(shape, t.shape)) {
    throw new RangeError(`${name}: the operand of shape ${fmt(other.shape)} does not broadcast to the tensor's shape ${fmt(t.shape)}`);
  }
  checkAlpha(name, d !== "float32", alpha);
  let y = castTo(other, d);
  if (alpha !== 1) {
    const scaled = Tensor.empty(y.shape, d);
    scalarInto(BinaryOp.Mul, y, alpha, scaled);
    if (y !== other) y.dispose();
    y = scaled;
  }
  t.bumpVersion();
  binaryInto(op, t, y, t);
  if (y !== other) y.dispose();
  return t;
}

export const add_ = <T extends Tensor>(t: T, o: TensorOrScalar, alpha = 1): T => update(BinaryOp.Add, t, o, alpha) as T;
export const sub_ = <T extends Tensor>(t: T, o: TensorOrScalar, alpha = 1): T => update(BinaryOp.Sub, t, o, alpha) as T;
export const mul_ = <T extends Tensor>(t: T, o: TensorOrScalar): T => update(BinaryOp.Mul, t, o) as T;
export const div_ = <T extends Tensor>(t: T, o: TensorOrScalar): T => update(BinaryOp.Div, t, o) as T;

export function fill_<T extends Tensor>(t: T, value: number): T {
  checkWritable("fill_", t);
  if (typeof value !== "number") throw new TypeError(`fill_: expected a number, got ${typeof value}`);
  t.bumpVersion();
  fillRaw(t, value);
  return t;
}

/** Copies src into t, broadcasting and converting dtype as torch's copy_ does. */
export function copy_<T extends Tensor>(t: T, src: Tensor): T {
  checkWritable("copy_", t, src);
  checkTensor("copy_", src);
  const shape = broadcastShapes("copy_", t.shape, src.shape);
  if (!sameShape(shape, t.shape)) {
    throw new RangeError(`copy_: the source of shape ${fmt(src.shape)} does not broadcast to the tensor's shape ${fmt(t.shape)}`);
  }
  const y = castTo(src, t.dtype);
  t.bumpVersion();
  if (t.numel() > 0) {
    if (sameShape(y.shape, t.shape)) k().copy32(y.ptr, t.ptr, t.numel());
    else copyStrided(y, broadcastStrides(y.shape, shape), t);
  }
  if (y !== src) y.dispose();
  return t;
}
