// Scans along a dim (issue 17): cumsum and cumprod. int and bool scan to int32
// (torch's int64), float32 stays float32.

import { Tensor } from "../tensor";
import { f32, i32 } from "../backend/memory";
import { exec } from "../backend/tape";
import { rows } from "../shape";
import { record, tracks } from "../autograd/node";
import { castTo, requiredDim } from "./dispatch";

export interface ScanOptions {
  dim: number;
}


/** The running sum along dim d (reversed: from the end, the adjoint of the forward scan). */
function cumsumAlong(x: Tensor, d: number, reversed: boolean): Tensor {
  const src = x.dtype === "bool" ? castTo(x, "int32") : x;
  const out = Tensor.empty(x.shape, src.dtype);
  const [outer, len, inner] = rows(x.shape, x.ndim === 0 ? null : d);
  const xo = src.offset, oo = out.offset, isF = src.dtype === "float32";
  exec(() => {
    const v = isF ? f32() : i32();
    for (let a = 0; a < outer; a++) {
      for (let i = 0; i < inner; i++) {
        let s = 0;
        for (let j = 0; j < len; j++) {
          const q = a * len * inner + (reversed ? len - 1 - j : j) * inner + i;
          s = isF ? Math.fround(s + v[xo + q]) : (s + v[xo + q]) | 0;
          v[oo + q] = s;
        }
      }
    }
  });
  if (src !== x) src.dispose();
  // d cumsum: the reversed cumsum of g
  return record(out, "CumsumBackward0", [x], (g) => [cumsumAlong(g, d, !reversed)]);
}

export function cumsum(x: Tensor, dim: number | ScanOptions): Tensor {
  return cumsumAlong(x, requiredDim("cumsum", x, dim), false);
}

export function cumprod(x: Tensor, dim: number | ScanOptions): Tensor {
  const d = requiredDim("cumprod", x, dim);
  const src = x.dtype === "bool" ? castTo(x, "int32") : x;
  const out = Tensor.empty(x.shape, src.dtype);
  const [outer, len, inner] = rows(x.shape, x.ndim === 0 ? null : d);
  const xo = src.offset, oo = out.offset, isF = src.dtype === "float32";
  exec(() => {
    const v = isF ? f32() : i32();
    for (let a = 0; a < outer; a++) {
      for (let i = 0; i < inner; i++) {
        let p = 1;
        for (let j = 0, q = a * len * inner + i; j < len; j++, q += inner) {
          p = isF ? Math.fround(p * v[xo + q]) : Math.imul(p, v[xo + q]);
          v[oo + q] = p;
        }
      }
    }
  });
  if (src !== x) src.dispose();
  if (!tracks(x)) return out;
  // gx_i = Σ_{k>=i} g_k·Π_{j<=k, j≠i} x_j: before the first zero z it is Σ_{i<=k<z} g_k·out_k / x_i,
  // at z the products run on from out_{z-1}, after z it is 0 (as torch's cumprod_backward)
  return record(out, "CumprodBackward0", [x], (g) => {
    const gin = Tensor.empty(x.shape, "float32");
    const go = gin.offset, so = g.offset, yo = out.offset, xo = x.offset; // read now: memory may have moved since the forward
    exec(() => {
      const v = f32();
      for (let a = 0; a < outer; a++) {
        for (let i = 0; i < inner; i++) {
          const at = (j: number) => a * len * inner + j * inner + i;
          let z = 0;
          while (z < len && v[xo + at(z)] !== 0) z++;
          let acc = 0;
          for (let j = len - 1; j >= 0; j--) {
            if (j > z) v[go + at(j)] = 0;
            else if (j === z) {
              let run = z > 0 ? v[yo + at(z - 1)] : 1, s = v[so + at(z)] * run;
              for (let kk = z + 1; kk < len; kk++) (run *= v[xo + at(kk)]), (s += v[so + at(kk)] * run);
              v[go + at(j)] = s;
            } else {
              acc += v[so + at(j)] * v[yo + at(j)];
              v[go + at(j)] = acc / v[xo + at(j)];
            }
          }
        }
      }
    });
    return [gin];
  }, [x, out], true);
}
