// Matrix products with torch.matmul's rules: 1-D·1-D is a dot product, 1-D
// operands gain and lose a dim, batch dims broadcast. The backward pass calls
// the same kernel with transposed operands, so no transpose is ever copied:
//   C = A·B  ⇒  dA = dC·Bᵀ,  dB = Aᵀ·dC.

import { Tensor } from "../tensor";
import { k } from "../backend/module";
import { i32, alloc, free } from "../backend/memory";
import { fmt, broadcastShapes, numel, type Shape } from "../shape";
import { record, tracks } from "../autograd/node";
import { exec, scratchFor } from "../backend/tape";
import { mayUseThreads, matmulOnThreads } from "../backend/threads";
import { expand, reshape } from "./shape";
import { checkTensor } from "./dispatch";
import { sumTo } from "./reduce";
import { recordingGradGraph } from "../lifetime";

/**
 * The kernel's packing buffer: one block, kept between calls and replaced by a
 * bigger one when a product needs more (at least 64 KiB, at least doubling).
 */
let scratchPtr = 0;
let scratchBytes = 0;
function gemmScratch(bytes: number): number {
  if (bytes > scratchBytes) {
    const size = Math.max(bytes, 2 * scratchBytes, 65536);
    const ptr = alloc(size);
    if (scratchBytes > 0) free(scratchPtr, scratchBytes);
    scratchPtr = ptr;
    scratchBytes = size;
  }
  return scratchPtr;
}

/**
 * C = op(A)·op(B) for [batch, m, k]-shaped operands. A is read as [.., k, m]
 * when transA (likewise B), exactly as stored. No graph, except inside a
 * backward pass that records one (recordGemm).
 */
export function gemm(
  a: Tensor, b: Tensor, batchShape: Shape, m: number, kk: number, n: number, transA: boolean, transB: boolean,
  outShape: readonly number[] = [...batchShape, m, n],
): Tensor {
  const out = Tensor.empty(outShape, a.dtype);
  const batch = numel(batchShape);
  if (out.numel() === 0) return out;
  if (a.dtype === "float32") {
    const sa = a.numel() === m * kk ? 0 : m * kk * 4;
    const sb = b.numel() === kk * n ? 0 : kk * n * 4;
    // A transpose not yet copied is read from its source, the flag flipped (storage.ts).
    const ap = source(a), bp = source(b);
    const ta = ap ? !transA : transA, tb = bp ? !transB : transB;
    if (mayUseThreads(batch * m * kk * n)) {
      // bound, not a closure: one here would make every call allocate the variables it captures
      exec(threadedGemm.bind(null, ap || a.ptr, bp || b.ptr, out.ptr, m, kk, n, ta, tb, batch, sa, sb));
    } else {
      const need = k().matmul_f32_scratch(m, kk, n, ta, tb);
      const scratch = need > 0 ? scratchFor(need, gemmScratch) : 0;
      k().matmul_f32(ap || a.ptr, bp || b.ptr, out.ptr, m, kk, n, ta, tb, batch, sa, sb, m * n * 4, scratch, need);
    }
  } else {
    intGemm(a, b, out, batch, m, kk, n, transA, transB);
  }
  return recordingGradGraph && tracks(a, b) ? recordGemm(out, a, b, batchShape, m, kk, n, transA, transB) : out;
}

/**
 * gemm's own node. The ops that call gemm record theirs; this one is for the
 * backward rules that call it while a backward pass records a graph
 * (createGraph), so that their gradients can be differentiated again.
 */
function recordGemm(out: Tensor, a: Tensor, b: Tensor, batchShape: Shape, m: number, kk: number, n: number, transA: boolean, transB: boolean): Tensor {
  // with a batch, an operand of one matrix was read for every one: its gradient sums over the batch
  const batched = batchShape.length > 0;
  const back = (x: Tensor, shape: Shape) => (batched ? sumTo(x, shape) : x);
  const shapeOf = (x: Tensor) => (batched ? undefined : x.shape);
  return record(out, batched ? "BmmBackward0" : "MmBackward0", [a, b], (g) => [
    a.requiresGrad
      ? back(transA ? gemm(b, g, batchShape, kk, n, m, transB, true, shapeOf(a)) : gemm(g, b, batchShape, m, n, kk, false, !transB, shapeOf(a)), a.shape)
      : null,
    b.requiresGrad
      ? back(transB ? gemm(g, a, batchShape, n, m, kk, true, transA, shapeOf(b)) : gemm(a, g, batchShape, kk, m, n, !transA, false, shapeOf(b)), b.shape)
      : null,
  ], [a, b]);
}

/** The address of the matrices x is the transpose of, if that transpose is deferred and x has its shape; else 0. */
function source(x: Tensor): number {
  const p = x.storageRef().pending, nd = x.ndim;
  return p && x.shape[nd - 1] === p.view[p.view.length - 1] && x.shape[nd - 2] === p.view[p.view.length - 2] ? p.source.read() : 0;
}

/** Decided when it runs (a captured step replays this): split if the pool is running, else one thread. */
function threadedGemm(
  ap: number, bp: number, cp: number, m: number, kk: number, n: number, transA: boolean, transB: boolean, batch: number, sa: number, sb: number,
): void {
  if (matmulOnThreads(ap, bp, cp, m, kk, n, transA, transB, batch, sa, sb, m * n * 4)) return;
  const need = k().matmul_f32_scratch(m, kk, n, transA, transB);
  k().matmul_f32(ap, bp, cp, m, kk, n, transA, transB, batch, sa, sb, m * n * 4, need > 0 ? gemmScratch(need) : 0, need);
}

/** Integer products are rare (the series' 1-D dot); wrapping int32 arithmetic in TS. */
function intGemm(a: Tensor, b: Tensor, out: Tensor, batch: number, m: number, kk: number, n: number, tA: boolean, tB: boolean): void {
  const oneA = a.numel() === m * kk, oneB = b.numel() === kk * n;
  const ao = a.offset, bo = b.offset, co = out.offset;
  exec(() => intGemmAt(ao, bo, co, oneA, oneB, batch, m, kk, n, tA, tB));
}

function intGemmAt(
  ao: number, bo: number, co: number, oneA: boolean, oneB: boolean, batch: number, m: number, kk: number, n: number, tA: boolean, tB: boolean,
): void {
  const v = i32();
  for (let t = 0; t < batch; t++) {
    const pa = ao + (oneA ? 0 : t * m * kk), pb = bo + (oneB ? 0 : t * kk * n), pc = co + t * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < kk; p++) {
          s = (s + Math.imul(v[pa + (tA ? p * m + i : i * kk + p)], v[pb + (tB ? j * kk + p : p * n + j)])) | 0;
        }
        v[pc + i * n + j] = s;
      }
    }
  }
}

function checkDtypes(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype || a.dtype === "bool") {
    throw new TypeError(`${op}: expected both operands to be float32 or both int32, got ${a.dtype} and ${b.dtype}`);
  }
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor("matmul", a);
  checkTensor("matmul", b);
  checkDtypes("matmul", a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`matmul: both arguments need at least 1 dim, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  if (a.ndim === 1 && b.ndim === 1) return dot(a, b);
  // 1-D operands become a row (left) or a column (right), removed again at the end.
  const A = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const B = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const m = A.shape[A.ndim - 2], kk = A.shape[A.ndim - 1];
  const k2 = B.shape[B.ndim - 2], n = B.shape[B.ndim - 1];
  if (kk !== k2) {
    throw new RangeError(`matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied (${kk} != ${k2})`);
  }
  let out: Tensor;
  if (A.ndim === 2 && B.ndim === 2) {
    out = mm(A, B);
  } else {
    const batchA = A.shape.slice(0, -2), batchB = B.shape.slice(0, -2);
    for (let i = 1; i <= Math.min(batchA.length, batchB.length); i++) {
      const da = batchA[batchA.length - i], db = batchB[batchB.length - i];
      if (da !== db && da !== 1 && db !== 1) {
        throw new RangeError(
          `matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied: ` +
            `their batch dims ${fmt(batchA)} and ${fmt(batchB)} cannot be broadcast together (${da} vs ${db})`,
        );
      }
    }
    const batch = broadcastShapes("matmul", batchA, batchB);
    out = batchedMatmul(A, B, batch, m, kk, n);
  }
  if (a.ndim === 1 || b.ndim === 1) {
    const shape = [...out.shape];
    if (b.ndim === 1) shape.splice(shape.length - 1, 1);
    if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
    out = reshape(out, shape);
  }
  return out;
}

function batchedMatmul(A: Tensor, B: Tensor, batch: Shape, m: number, kk: number, n: number): Tensor {
  // Operands whose batch dims differ from the result's are broadcast by a copy (1 matrix is read in place).
  const fit = (x: Tensor, r: number, c: number) => {
    const xb = x.shape.slice(0, -2);
    if (numel(xb) === 1 || fmt(xb) === fmt(batch)) return x;
    return expand(x, [...batch, r, c]);
  };
  const EA = fit(A, m, kk), EB = fit(B, kk, n);
  const out = gemm(EA, EB, batch, m, kk, n, false, false);
  if (!tracks(EA, EB)) return out;
  return record(out, "BmmBackward0", [EA, EB], (g) => [
    EA.requiresGrad ? sumTo(gemm(g, EB, batch, m, n, kk, false, true), EA.shape) : null,
    EB.requiresGrad ? sumTo(gemm(EA, g, batch, kk, m, n, true, false), EB.shape) : null,
  ], [EA, EB]);
}

/** Matrix product of two 2-D tensors. */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkTensor("mm", a);
  checkTensor("mm", b);
  checkDtypes("mm", a, b);
  if (a.ndim !== 2 || b.ndim !== 2) throw new RangeError(`mm: expects 2-D tensors, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const m = a.shape[0], kk = a.shape[1], k2 = b.shape[0], n = b.shape[1];
  if (kk !== k2) throw new RangeError(`mm: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied (${kk} != ${k2})`);
  const out = gemm(a, b, [], m, kk, n, false, false, [m, n]);
  // dA = dC·Bᵀ, dB = Aᵀ·dC
  if (!tracks(a, b)) return out;
  return record(out, "MmBackward0", [a, b], (g) => [
    a.requiresGrad ? gemm(g, b, [], m, n, kk, false, true, a.shape) : null,
    b.requiresGrad ? gemm(a, g, [], kk, m, n, true, false, b.shape) : null,
  ], [a, b]);
}

/** Inner product of two 1-D tensors of the same length. */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkTensor("dot", a);
  checkTensor("dot", b);
  checkDtypes("dot", a, b);
  if (a.ndim !== 1 || b.ndim !== 1) throw new RangeError(`dot: expects 1-D tensors, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(`dot: the tensors have ${a.shape[0]} and ${b.shape[0]} elements; they must have the same number`);
  }
  const len = a.shape[0];
  const out = gemm(a, b, [], 1, len, 1, false, false, []);
  // d(a·b) = b da + a db
  if (!tracks(a, b)) return out;
  return record(out, "DotBackward0", [a, b], (g) => [
    a.requiresGrad ? gemm(b, g, [], len, 1, 1, false, false, [len]) : null,
    b.requiresGrad ? gemm(a, g, [], len, 1, 1, false, false, [len]) : null,
  ], [a, b]);
}
