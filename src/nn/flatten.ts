// torch.nn.Flatten and Unflatten: reshapes of a range of dims.

import type { Tensor } from "../tensor";
import { reshape } from "../ops/shape";
import { normDim, fmt } from "../shape";
import { Module, pyTuple } from "./module";

/** Merges dims startDim..endDim into one (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(input: Tensor): Tensor {
    const s = input.shape, n = Math.max(s.length, 1);
    const a = normDim("Flatten", this.startDim, n), b = normDim("Flatten", this.endDim, n);
    if (a > b) throw new RangeError(`${this}: start_dim cannot come after end_dim (input of shape ${fmt(s)})`);
    if (s.length === 0) return reshape(input, [1]);
    return reshape(input, [...s.slice(0, a), s.slice(a, b + 1).reduce((x, y) => x * y, 1), ...s.slice(b + 1)]);
  }
  extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Splits dim into unflattenedSize. */
export class Unflatten extends Module {
  readonly unflattenedSize: number[];
  constructor(readonly dim: number, unflattenedSize: number[]) {
    super();
    if (!Array.isArray(unflattenedSize) || unflattenedSize.some((x) => !Number.isInteger(x))) throw new TypeError("Unflatten: unflattenedSize must be a list of integers");
    this.unflattenedSize = [...unflattenedSize];
  }
  forward(input: Tensor): Tensor {
    const s = input.shape, d = normDim("Unflatten", this.dim, s.length);
    return reshape(input, [...s.slice(0, d), ...this.unflattenedSize, ...s.slice(d + 1)]);
  }
  extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}
