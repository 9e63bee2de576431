// torch.utils.data, the small part a training loop needs: TensorDataset and a
// DataLoader over it with batchSize, shuffle and dropLast. Shuffling is torch's
// RandomSampler: a seed drawn from the default generator (random_() on an int64,
// that is random64() mod 2^63) seeds a fresh generator whose randperm gives the
// order, so the batches equal torch's under the same manualSeed. Each epoch
// first draws torch's _base_seed (a random64, for worker seeding) from the
// loader's generator or the default one, as torch's iterator does.

import { Tensor } from "../tensor";
import { indexSelect } from "../ops/shape";
import { defaultGenerator, Generator } from "../random/generator";

/** Tensors indexed along their first dim together (torch's TensorDataset). */
export class TensorDataset {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0 || tensors.some((t) => !(t instanceof Tensor))) throw new TypeError("TensorDataset: expected one or more tensors");
    const n = tensors[0].shape[0];
    if (tensors.some((t) => t.ndim === 0 || t.shape[0] !== n)) throw new RangeError(`TensorDataset: Size mismatch between tensors (first dims ${tensors.map((t) => t.shape[0]).join(", ")})`);
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0].shape[0];
  }
  /** Sample i: one slice of each tensor. */
  get(i: number): Tensor[] {
    return this.tensors.map((t) => indexSelect(t, 0, [i]).squeeze(0));
  }
}

export interface DataLoaderOptions {
  batchSize?: number;
  shuffle?: boolean;
  dropLast?: boolean;
  /** The generator of the shuffle's order (default: a seed drawn from the default generator each epoch, as torch). */
  generator?: Generator;
}

/** Batches of a TensorDataset: each iteration (epoch) yields arrays of tensors, one per dataset tensor. */
export class DataLoader {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator | undefined;
  constructor(readonly dataset: TensorDataset, options: DataLoaderOptions = {}) {
    if (!(dataset instanceof TensorDataset)) throw new TypeError("DataLoader: expected a TensorDataset");
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new RangeError(`DataLoader: batchSize should be a positive integer value, but got batchSize=${this.batchSize}`);
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.generator = options.generator;
  }

  /** The number of batches an epoch gives. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample order of one epoch (torch's sampler). */
  order(): Int32Array {
    const n = this.dataset.length, out = new Int32Array(n);
    if (!this.shuffle) return out.map((_, i) => i);
    let g = this.generator;
    if (!g) {
      const hi = defaultGenerator.nextUint32(), lo = defaultGenerator.nextUint32();
      g = new Generator(((BigInt(hi) << 32n) | BigInt(lo)) & ((1n << 63n) - 1n));
    }
    g.fillRandperm(out);
    return out;
  }

  *[Symbol.iterator](): Iterator<Tensor[]> {
    const base = this.generator ?? defaultGenerator;
    base.nextUint32(), base.nextUint32(); // torch's _base_seed, unused without workers
    const order = this.order(), b = this.batchSize;
    for (let i = 0; i < this.length; i++) {
      const idx = Array.from(order.subarray(i * b, Math.min((i + 1) * b, order.length)));
      yield this.dataset.tensors.map((t) => indexSelect(t, 0, idx));
    }
    // torch's RandomSampler draws one more permutation (of which it yields none) when it is exhausted:
    // invisible with its own generator, but it advances a generator given to the loader
    if (this.shuffle && this.generator) this.generator.fillRandperm(new Int32Array(order.length));
  }
}
