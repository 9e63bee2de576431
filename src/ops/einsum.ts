// torch.einsum: subscripts parsed into labels, repeated labels of one operand
// taken as diagonals, labels no one else needs summed out, then the operands
// contracted left to right, each pair by one batched matmul (permute, reshape,
// the GEMM, reshape back). No scalar loops; the gradient follows from the
// composition. "..." broadcasts like torch's; size-1 dims of a label broadcast.

import type { Tensor } from "../tensor";
import { matmul } from "./linear";
import { mul } from "./elementwise";
import { sum } from "./reduce";
import { permute, reshape } from "./shape";
import { eye } from "./creation";
import { checkTensor } from "./dispatch";

const OP = "einsum(): ";
/** Labels: a letter's char code, or ELL + k for the k-th dim of "..." counted from the right. */
const ELL = 1000;

function fail(msg: string): never {
  throw new RangeError(OP + msg);
}

/** A term's labels (one "..." expanded to `ell` dims), checking the characters. */
function parse(term: string, at: number, ell: number | null): number[] {
  const out: number[] = [];
  for (let i = 0; i < term.length; i++) {
    if (term.startsWith("...", i)) {
      if (ell === null || out.some((l) => l >= ELL)) fail(`found more than one ellipsis ("...") in a term of the equation`);
      for (let e = ell; e-- > 0;) out.push(ELL + e);
      i += 2;
    } else if (/[a-zA-Z]/.test(term[i])) out.push(term.charCodeAt(i));
    else fail(`invalid subscript given at index ${at + i} in the equation string, subscripts must be in [a-zA-Z]`);
  }
  return out;
}

/** Sums x over the dims whose label `drop` picks; returns the tensor and its remaining labels. */
function sumOut(x: Tensor, labels: number[], drop: (l: number) => boolean): [Tensor, number[]] {
  const dims = labels.flatMap((l, i) => (drop(l) ? [i] : []));
  return dims.length === 0 ? [x, labels] : [sum(x, dims), labels.filter((l) => !drop(l))];
}

/** Σ over one equation: einsum("ij,jk->ik", a, b), or einsum(eq, [a, b]). */
export function einsum(equation: string, ...args: Tensor[] | [Tensor[]]): Tensor {
  const ops = (Array.isArray(args[0]) ? args[0] : args) as Tensor[];
  if (typeof equation !== "string") throw new TypeError(`${OP}expected an equation string, got ${typeof equation}`);
  if (ops.length === 0) fail("must provide at least one operand");
  for (const t of ops) checkTensor("einsum", t);
  const eq = equation.replace(/\s/g, "");
  const arrow = eq.indexOf("->");
  const terms = (arrow < 0 ? eq : eq.slice(0, arrow)).split(",");
  if (terms.length > ops.length) fail("fewer operands were provided than specified in the equation");
  if (terms.length < ops.length) fail("more operands were provided than specified in the equation");

  // Labels per operand, each label's size (size-1 dims broadcast), and the "..." width.
  const size = new Map<number, number>();
  let ellWidth = 0, at = 0;
  const labels = terms.map((term, i) => {
    const x = ops[i];
    const letters = term.replace("...", "").length;
    const hasEll = term.includes("...");
    if (!hasEll && letters !== x.ndim) {
      fail(`the number of subscripts in the equation (${letters}) does not match the number of dimensions (${x.ndim}) for operand ${i} and no ellipsis was given`);
    }
    if (letters > x.ndim) fail(`the number of subscripts in the equation (${letters}) is more than the number of dimensions (${x.ndim}) for operand ${i}`);
    const ls = parse(term, at, x.ndim - letters);
    at += term.length + 1;
    if (hasEll) ellWidth = Math.max(ellWidth, x.ndim - letters);
    ls.forEach((l, d) => {
      const s = x.shape[d], seen = size.get(l);
      if (seen !== undefined && seen !== s && seen !== 1 && s !== 1) {
        if (ls.indexOf(l) < d) fail(`subscript ${String.fromCharCode(l)} is repeated for operand ${i} but the sizes don't match, ${s} != ${seen}`);
        fail(`subscript ${l >= ELL ? "..." : String.fromCharCode(l)} has size ${s} for operand ${i} which does not broadcast with previously seen size ${seen}`);
      }
      if (seen === undefined || seen === 1) size.set(l, s);
    });
    return ls;
  });

  let out: number[];
  if (arrow >= 0) {
    out = parse(eq.slice(arrow + 2), arrow + 2, ellWidth);
    for (const l of out) {
      const c = String.fromCharCode(l);
      if (l < ELL && !size.has(l)) fail(`output subscript ${c} does not appear in the equation for any input operand`);
      if (out.indexOf(l) !== out.lastIndexOf(l)) fail(`output subscript ${c} appears more than once in the output`);
    }
  } else {
    // implicit: "..." then the letters that appear once, in alphabetical order
    const all = labels.flat();
    out = [...Array.from({ length: ellWidth }, (_, e) => ELL + ellWidth - 1 - e), ...[...new Set(all)].filter((l) => l < ELL && all.indexOf(l) === all.lastIndexOf(l)).sort((a, b) => a - b)];
  }

  // Each operand: diagonals of repeated labels, then the labels no one else needs summed out.
  const needed = (i: number, l: number) => out.includes(l) || labels.some((ls, j) => j > i && ls.includes(l));
  let cur: Tensor | null = null, curL: number[] = [];
  ops.forEach((op, i) => {
    let x = op, ls = labels[i];
    for (let d = ls.length - 1; d >= 0; d--) {
      const p = ls.indexOf(ls[d]);
      if (p === d) continue;
      const shape = ls.map((_, j) => (j === p || j === d ? x.shape[d] : 1));
      x = sum(mul(x, reshape(eye(x.shape[d], { dtype: x.dtype }), shape)), d);
      ls = ls.filter((_, j) => j !== d);
    }
    if (cur === null) {
      [cur, curL] = sumOut(x, ls, (l) => !needed(i, l));
      return;
    }
    // Contract cur (labels curL) with x (ls): batch labels stay, shared ones not needed later are summed by the GEMM.
    const inX = (l: number) => ls.includes(l), inC = (l: number) => curL.includes(l);
    let a: Tensor, b: Tensor;
    [a, curL] = sumOut(cur, curL, (l) => !needed(i, l) && (!inX(l) || cur!.shape[curL.indexOf(l)] !== x.shape[ls.indexOf(l)]));
    [b, ls] = sumOut(x, ls, (l) => !needed(i, l) && (!inC(l) || a.shape[curL.indexOf(l)] !== x.shape[ls.indexOf(l)]));
    const batch = curL.filter((l) => inX(l) && needed(i, l));
    const con = curL.filter((l) => inX(l) && !needed(i, l));
    const left = curL.filter((l) => !inX(l)), right = ls.filter((l) => !inC(l));
    const dimsOf = (t: Tensor, tl: number[], of: number[]) => of.map((l) => t.shape[tl.indexOf(l)]);
    const prod = (s: number[]) => s.reduce((p, v) => p * v, 1);
    const arrange = (t: Tensor, tl: number[], order: number[], shape: number[]) => {
      const perm = order.map((l) => tl.indexOf(l));
      return reshape(perm.every((p, j) => p === j) ? t : permute(t, perm), shape);
    };
    const bA = dimsOf(a, curL, batch), bB = dimsOf(b, ls, batch);
    const L = dimsOf(a, curL, left), R = dimsOf(b, ls, right), K = prod(dimsOf(a, curL, con));
    const A3 = arrange(a, curL, [...batch, ...left, ...con], [...bA, prod(L), K]);
    const B3 = arrange(b, ls, [...batch, ...con, ...right], [...bB, K, prod(R)]);
    const C = matmul(A3, B3);
    cur = reshape(C, [...C.shape.slice(0, batch.length), ...L, ...R]);
    curL = [...batch, ...left, ...right];
  });
  const [res, resL] = sumOut(cur!, curL, (l) => !out.includes(l));
  const perm = out.map((l) => resL.indexOf(l));
  return perm.every((p, j) => p === j) ? res : permute(res, perm);
}
