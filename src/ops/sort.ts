// torch.sort along a dim: values and the int32 indices they came from. Stable
// (equal elements keep their order); NaN sorts as the largest value, as in torch.

import { Tensor } from "../tensor";
import { f32, i32 } from "../backend/memory";
import { normDim, rows } from "../shape";
import { record } from "../autograd/node";
import { checkTensor, filled, named, valuesIndices, type ValuesIndices } from "./dispatch";
import { scatter } from "./indexing";

export interface SortOptions {
  dim?: number;
  descending?: boolean;
}

/** sort's values and indices (torch.return_types.sort). */
export type SortResult = ValuesIndices;

export function sort(x: Tensor, dim?: number | SortOptions, descending?: boolean): SortResult {
  return sortAs("sort", x, dim, descending);
}

/** The indices that sort x along dim (torch.argsort): sort's indices alone. */
export function argsort(x: Tensor, dim?: number | SortOptions, descending?: boolean): Tensor {
  const [values, indices] = sortAs("argsort", x, dim, descending);
  values.dispose();
  return indices;
}

/** sort, with `op` naming the caller in errors. */
function sortAs(op: string, x: Tensor, dim?: number | SortOptions, descending?: boolean): SortResult {
  checkTensor(op, x);
  const options = named<SortOptions>(op, { dim, descending });
  const down = !!options.descending;
  const d = normDim(op, options.dim ?? -1, x.ndim);
  const [outer, len, inner] = rows(x.shape, d);
  const src = x.data();
  const values = Tensor.empty(x.shape, x.dtype);
  const indices = Tensor.empty(x.shape, "int32");
  const order = new Array<number>(len);
  const key = new Float64Array(len);
  const vv = x.dtype === "float32" ? f32() : i32(), iv = i32();
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      for (let j = 0; j < len; j++) {
        order[j] = j;
        const v = src[base + j * inner];
        key[j] = Number.isNaN(v) ? Infinity : v;
      }
      const nan = (j: number) => Number.isNaN(src[base + j * inner]);
      order.sort((p, q) => {
        let c = key[p] - key[q];
        if (c === 0 || Number.isNaN(c)) c = (nan(p) ? 1 : 0) - (nan(q) ? 1 : 0);
        return down ? -c : c;
      });
      for (let j = 0; j < len; j++) {
        vv[values.offset + base + j * inner] = src[base + order[j] * inner];
        iv[indices.offset + base + j * inner] = order[j];
      }
    }
  }
  // The gradient goes back to the position each value came from.
  record(values, "SortBackward0", [x], (g) => [x.ndim === 0 ? g : scatter(filled(x.shape, 0), d, indices, g)], [indices]);
  return valuesIndices(values, indices);
}
