// Layers that are products or lookups: linear, embedding, and dropout.

import { Tensor } from "../tensor";
import { k } from "../backend/module";
import { BinaryOp } from "../backend/kernels";
import { f32 } from "../backend/memory";
import { assertNotRecording } from "../backend/tape";
import { fmt } from "../shape";
import { record, tracks } from "../autograd/node";
import { noGrad, isGradEnabled } from "../autograd/grad-mode";
import { defaultGenerator, type Generator } from "../random/generator";
import { checkTensor, checkFloat, fillRaw, filled, named } from "./dispatch";
import { gemm } from "./linear";
import { sumTo } from "./reduce";
import { reshape, indexSelect, unsqueeze } from "./shape";
import { indexAdd } from "./indexing";
import { mul, binaryInto, where, ne } from "./elementwise";

/**
 * torch.nn.functional.linear: input [..., in] · weightᵀ + bias, weight [out, in].
 * One product with the transposed-B flag (no copy of the weight), and back:
 *   y = x·Wᵀ + b  ⇒  dx = dy·W,  dW = dyᵀ·x,  db = Σ dy over the rows.
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  checkTensor("linear", input);
  checkTensor("linear", weight);
  if (bias !== null) checkTensor("linear", bias);
  if (weight.ndim !== 2 || input.ndim === 0) {
    throw new RangeError(`linear: expected an input with at least 1 dim and a 2-D weight, got ${fmt(input.shape)} and ${fmt(weight.shape)}`);
  }
  if (input.dtype !== weight.dtype || input.dtype === "bool" || (bias && bias.dtype !== input.dtype)) {
    throw new TypeError("linear: expected input, weight and bias all float32 or all int32");
  }
  const [o, i] = weight.shape, m = input.numel() / input.shape[input.ndim - 1];
  if (input.shape[input.ndim - 1] !== i) {
    throw new RangeError(`linear: mat1 and mat2 shapes cannot be multiplied (${m}x${input.shape[input.ndim - 1]} and ${i}x${o})`);
  }
  if (bias && (bias.ndim > 1 || (bias.numel() !== o && bias.numel() !== 1))) throw new RangeError(`linear: expected a bias of ${o} elements, got ${fmt(bias.shape)}`);
  const shape = [...input.shape.slice(0, -1), o];
  // the rows of all batch dims make one matrix: a deferred transpose of them is copied first (gemm would read its source as one matrix)
  if (input.ndim > 2) void input.ptr;
  const out = gemm(input, weight, [], m, i, o, false, true, shape);
  if (bias && out.numel() > 0) binaryInto(BinaryOp.Add, out, bias, out);
  if (!tracks(input, weight) && !tracks(bias)) return out;
  const inputs = bias ? [input, weight, bias] : [input, weight];
  return record(out, bias && input.ndim === 2 ? "AddmmBackward0" : "MmBackward0", inputs, (g) => [
    input.requiresGrad ? gemm(g, weight, [], m, o, i, false, false, input.shape) : null,
    weight.requiresGrad ? gemm(g, input, [], o, m, i, true, false, weight.shape) : null,
    ...(bias ? [bias.requiresGrad ? sumTo(g, bias.shape) : null] : []),
  ], [input, weight]);
}

export interface EmbeddingOptions {
  /** The row whose lookups get no gradient (negative counts from the end). */
  paddingIdx?: number | null;
}

/** torch.nn.functional.embedding: rows of weight [num, dim] picked by int indices of any shape, [..., dim]. */
export function embedding(input: Tensor, weight: Tensor, paddingIdx?: number | null | EmbeddingOptions): Tensor {
  checkTensor("embedding", input);
  checkTensor("embedding", weight);
  const pad = named<EmbeddingOptions>("embedding", { paddingIdx }).paddingIdx ?? null;
  if (input.dtype !== "int32") {
    throw new TypeError(`embedding: Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ${input.dtype} instead`);
  }
  if (weight.ndim !== 2) throw new RangeError(`embedding: 'weight' must be 2-D, got weight of size ${fmt(weight.shape)}`);
  const [num, dim] = weight.shape;
  if (pad !== null && (!Number.isInteger(pad) || pad < -num || pad >= num)) {
    throw new RangeError(`embedding: Padding_idx must be within num_embeddings (${num}), got ${pad}`);
  }
  for (const v of input.data()) if (v < 0 || v >= num) throw new RangeError(`embedding: index out of range in self: index ${v} is not in [0, ${num})`);
  const idx = reshape(input, [input.numel()]);
  const rows = noGrad(() => indexSelect(weight, 0, idx));
  const out = reshape(rows, [...input.shape, dim]);
  rows.dispose();
  if (!tracks(weight)) {
    idx.dispose();
    return out;
  }
  const p = pad === null ? -1 : pad < 0 ? pad + num : pad;
  // dW[idx[j]] += dy[j], except the padding row
  return record(out, "EmbeddingBackward0", [weight], (g) => {
    // recording a graph (createGraph): the same sum as an indexAdd, which can be differentiated again
    if (isGradEnabled()) {
      const rowsOf = reshape(g, [idx.numel(), dim]);
      return [indexAdd(filled(weight.shape, 0), 0, idx, p < 0 ? rowsOf : where(unsqueeze(ne(idx, p), 1), rowsOf, 0))];
    }
    const gw = Tensor.empty(weight.shape);
    fillRaw(gw, 0);
    if (g.numel() > 0) k().index_add_f32(gw.ptr, idx.ptr, g.ptr, 1, num, dim, idx.numel());
    if (p >= 0) k().fill32(gw.ptr + p * dim * 4, dim, 0);
    return [gw];
  }, [idx]);
}

export interface DropoutOptions {
  p?: number;
  training?: boolean;
  generator?: Generator;
}

/**
 * torch.nn.functional.dropout: zeroes each element with probability p and scales
 * the rest by 1/(1 - p). The mask is torch's CPU bernoulli_(1 - p) without MKL:
 * one uniform double per element, (random64() & (2⁵³ - 1))·2⁻⁵³ < 1 - p.
 */
export function dropout(input: Tensor, p?: number | DropoutOptions, training?: boolean): Tensor {
  checkTensor("dropout", input);
  const o = named<DropoutOptions>("dropout", { p, training });
  const q = o.p ?? 0.5;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`dropout: dropout probability has to be between 0 and 1, but got ${q}`);
  checkFloat("dropout", input);
  const gen = o.generator ?? defaultGenerator;
  if (q === 0 || o.training === false || input.numel() === 0) return input;
  assertNotRecording("dropout()");
  const mask = Tensor.empty(input.shape);
  const keep = 1 - q, scale = Math.fround(1 / Math.fround(keep));
  const buf = new Float32Array(input.numel());
  for (let i = 0; q < 1 && i < buf.length; i++) {
    const hi = gen.nextUint32(), lo = gen.nextUint32();
    buf[i] = ((hi & 0x1fffff) * 4294967296 + lo) * 2 ** -53 < keep ? scale : 0;
  }
  f32().set(buf, mask.offset);
  const out = mul(input, mask);
  if (!tracks(input)) mask.dispose();
  return out;
}
