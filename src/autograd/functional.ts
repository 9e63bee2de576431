// torch.autograd.functional: Jacobians, Hessians and their products with
// vectors, for a function of one tensor or of several (then passed as an
// array, and results come back as arrays in the same order). Built on
// autograd.grad; jvp is the double-vjp trick, so it needs double backward.

import type { Tensor } from "../tensor";
import { grad, tensorList } from "./grad";
import { fmt, sameShape } from "../shape";
import { reshape } from "../ops/shape";
import { zerosLike, eye } from "../ops/creation";
import { stack } from "../ops/join";
import { select } from "../ops/indexing";

export type Inputs = Tensor | readonly Tensor[];
export interface FunctionalOptions {
  /** Keep the results differentiable with respect to the inputs (torch's create_graph). */
  createGraph?: boolean;
}

/** The inputs as fresh graph leaves (or, for createGraph, views that stay connected to their own graph). */
function leavesOf(op: string, inputs: Inputs, createGraph: boolean): Tensor[] {
  return (tensorList(op, "inputs", inputs) as Tensor[]).map((x) => {
    x.assertAlive(op);
    if (x.dtype !== "float32") throw new TypeError(`${op}: inputs must be float32 tensors, got ${x.dtype}`);
    return createGraph && x.requiresGrad ? reshape(x, x.shape) : x.detach().requiresGrad_();
  });
}

/** The one-element output that hessian and hvp differentiate twice. */
function scalarOut(op: string, y: unknown): Tensor {
  if (Array.isArray(y) || typeof (y as Tensor)?.numel !== "function" || (y as Tensor).numel() !== 1) {
    throw new TypeError(`${op}: the function must return a single Tensor with one element`);
  }
  return y as Tensor;
}

/** The vectors v, one per tensor of `like`, of the same shapes. */
function vectors(op: string, v: Inputs, like: readonly Tensor[], what: string): Tensor[] {
  const vs = tensorList(op, "v", v) as Tensor[];
  if (vs.length !== like.length) throw new Error(`${op}: got ${vs.length} tensors in v for ${like.length} ${what}`);
  vs.forEach((t, i) => {
    t.assertAlive(op);
    if (!sameShape(t.shape, like[i].shape)) throw new Error(`${op}: v[${i}] has shape ${fmt(t.shape)} but ${what} ${i} has shape ${fmt(like[i].shape)}`);
  });
  return vs;
}

/** Gradients of `outs` weighted by `ws` w.r.t. xs, zeros where none flows. */
function vjpOf(outs: readonly Tensor[], xs: readonly Tensor[], ws: readonly (Tensor | null)[], createGraph: boolean): Tensor[] {
  // an output that does not depend on the inputs contributes nothing
  const used = outs.map((o, i) => (o.requiresGrad ? i : -1)).filter((i) => i >= 0);
  const gs = used.length === 0 ? [] : grad(used.map((i) => outs[i]), xs, { gradOutputs: used.map((i) => ws[i]), retainGraph: true, createGraph, allowUnused: true });
  return xs.map((x, i) => gs[i] ?? zerosLike(x));
}

const shaped = (single: boolean, ts: Tensor[]): Tensor | Tensor[] => (single ? ts[0] : ts);
const result = (y: Tensor | Tensor[], createGraph: boolean) =>
  createGraph ? y : Array.isArray(y) ? y.map((t) => t.detach()) : y.detach();

/** [func(inputs), vᵀ·J]: the vector-Jacobian product (v may be omitted for a one-element output). */
export function vjp(func: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Inputs, v?: Inputs | null, options: FunctionalOptions = {}) {
  const createGraph = !!options.createGraph;
  const xs = leavesOf("vjp", inputs, createGraph);
  const y = func(...xs);
  const outs = tensorList("vjp", "the function's result", y) as Tensor[];
  const ws = v == null ? outs.map(() => null) : vectors("vjp", v, outs, "outputs");
  return [result(y, createGraph), shaped(!Array.isArray(inputs), vjpOf(outs, xs, ws, createGraph))] as const;
}

/** [func(inputs), J·v]: the Jacobian-vector product, by differentiating a vjp w.r.t. its vector. */
export function jvp(func: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Inputs, v: Inputs, options: FunctionalOptions = {}) {
  const createGraph = !!options.createGraph;
  const xs = leavesOf("jvp", inputs, createGraph);
  const vs = vectors("jvp", v, xs, "inputs");
  const y = func(...xs);
  const outs = tensorList("jvp", "the function's result", y) as Tensor[];
  // uᵀJ is linear in u, so its vjp with v w.r.t. u is J·v
  const us = outs.map((o) => zerosLike(o).requiresGrad_());
  const gs = vjpOf(outs, xs, us, true);
  const jv = vjpOf(gs, us, vs, createGraph);
  return [result(y, createGraph), shaped(!Array.isArray(y), jv)] as const;
}

/**
 * The Jacobian of func at inputs: for output o and input i, a tensor of shape
 * [...o.shape, ...i.shape]; nested arrays [output][input] where either is a list.
 */
export function jacobian(func: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Inputs, options: FunctionalOptions = {}) {
  const createGraph = !!options.createGraph;
  const xs = leavesOf("jacobian", inputs, createGraph);
  const y = func(...xs);
  const outs = tensorList("jacobian", "the function's result", y) as Tensor[];
  const J = outs.map((o) => {
    const n = o.numel();
    const rows: Tensor[][] = xs.map(() => []);
    const onehot = eye(n);
    for (let e = 0; e < n; e++) {
      const row = vjpOf([o], xs, [reshape(select(onehot, 0, e), o.shape)], createGraph);
      row.forEach((g, i) => rows[i].push(g));
    }
    return xs.map((x, i) => (n === 0 ? zerosLike(x) : stack(rows[i])).reshape([...o.shape, ...x.shape]));
  });
  const single = !Array.isArray(inputs);
  return Array.isArray(y) ? J.map((r) => shaped(single, r)) : shaped(single, J[0]);
}

/** The Hessian of a function with one-element output: H[i][j] = ∂²f/∂xᵢ∂xⱼ, shape [...xᵢ.shape, ...xⱼ.shape]. */
export function hessian(func: (...xs: Tensor[]) => Tensor, inputs: Inputs, options: FunctionalOptions = {}) {
  const gradient = (...xs: Tensor[]) => vjpOf([scalarOut("hessian", func(...xs))], xs, [null], true);
  const H = jacobian(gradient, inputs, options) as Tensor[] | Tensor[][];
  return Array.isArray(inputs) ? H : H[0];
}

/**
 * [func(inputs), vᵀ·H] for a function with one-element output (torch's vhp). The
 * Hessian of a twice-differentiable function is symmetric, so this is also H·v (hvp).
 */
export function vhp(func: (...xs: Tensor[]) => Tensor, inputs: Inputs, v: Inputs, options: FunctionalOptions = {}) {
  const createGraph = !!options.createGraph;
  const xs = leavesOf("hvp", inputs, createGraph);
  const vs = vectors("hvp", v, xs, "inputs");
  const y = scalarOut("hvp", func(...xs));
  const gs = vjpOf([y], xs, [null], true);
  return [result(y, createGraph), shaped(!Array.isArray(inputs), vjpOf(gs, xs, vs, createGraph))] as const;
}
export const hvp = vhp;
