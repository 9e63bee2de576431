// torch.nn.Embedding: a lookup table, weight [numEmbeddings, embeddingDim] ~ N(0, 1)
// (torch's normal_), the paddingIdx row zero.

import { Tensor } from "../tensor";
import { embedding } from "../ops/layer";
import { f32 } from "../backend/memory";
import { Module, Parameter, checkInts } from "./module";
import { normal_ } from "./init";
import { param } from "./linear";

export interface EmbeddingModuleOptions {
  /** The row that gets no gradient and starts at zero (negative counts from the end). */
  paddingIdx?: number | null;
  /** A weight to use instead of a new one ([numEmbeddings, embeddingDim]). */
  weight?: Tensor;
}

export class Embedding extends Module {
  weight: Tensor;
  readonly paddingIdx: number | null;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: EmbeddingModuleOptions = {}) {
    super();
    checkInts("Embedding", { numEmbeddings, embeddingDim }, 0);
    let p = options.paddingIdx ?? null;
    if (p !== null) {
      if (!Number.isInteger(p) || p >= numEmbeddings || p < -numEmbeddings) throw new RangeError("Embedding: Padding_idx must be within num_embeddings");
      if (p < 0) p += numEmbeddings;
    }
    this.paddingIdx = p;
    if (options.weight) {
      const w = options.weight;
      if (w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim) throw new RangeError("Embedding: Shape of weight does not match num_embeddings and embedding_dim");
      this.weight = Parameter(w);
    } else {
      this.weight = param(numEmbeddings, embeddingDim);
      this.resetParameters();
    }
  }

  /** An Embedding holding the given rows (frozen by default, as torch's from_pretrained). */
  static fromPretrained(embeddings: Tensor, options: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2) throw new RangeError("Embedding.fromPretrained: Embeddings parameter is expected to be 2-dimensional");
    const e = new this(embeddings.shape[0], embeddings.shape[1], { paddingIdx: options.paddingIdx, weight: embeddings.clone() });
    e.weight.requiresGrad_(!(options.freeze ?? true));
    return e;
  }

  /** torch's: W ~ N(0, 1), then the padding row set to zero. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const d = this.embeddingDim;
      this.weight.bumpVersion();
      f32().fill(0, this.weight.offset + this.paddingIdx * d, this.weight.offset + (this.paddingIdx + 1) * d);
    }
  }

  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, this.paddingIdx);
  }

  extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? "" : `, padding_idx=${this.paddingIdx}`}`;
  }
}
