// im2col and its adjoint, col2im: the gather behind the convolutions (as
// products, src/ops/conv.ts) and constant padding.
//
// x holds `planes` images of h×w (N·C of them), row-major. cols is
// [planes, kh·kw, ho·wo]: row (p, ki, kj), column (oh, ow) holds
// x[p, oh·sh - ph + ki·dh, ow·sw - pw + kj·dw], or `value` where that falls
// outside the image. Paddings may be negative (a crop); ho and wo are given.
// adjoint: x[...] += cols[...] instead (col2im; x zeroed by the caller).

import { binary_f32 } from "./elementwise";

@inline function fillF32(p: usize, v: f32, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), v);
}

export function im2col_f32(
  x: usize, cols: usize, planes: usize, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, ho: i32, wo: i32, value: f32, adjoint: bool,
): void {
  const rowBytes = <usize>wo << 2;
  for (let p: usize = 0; p < planes; p++) {
    const img = x + p * (<usize>(h * w) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const off = kj * dw - pw;
        // the columns whose iw = ow·sw + off lies in [0, w): [lo, hi)
        const lo = min(off >= 0 ? 0 : (sw - 1 - off) / sw, wo);
        const hi = max(lo, min(w - 1 - off < 0 ? 0 : (w - 1 - off) / sw + 1, wo));
        for (let oh = 0; oh < ho; oh++) {
          const ih = oh * sh - ph + ki * dh;
          if (ih < 0 || ih >= h) {
            if (!adjoint) fillF32(cols, value, wo);
          } else {
            const base = ih * w + off;
            if (adjoint && sw == 1) {
              const q = img + (<usize>(base + lo) << 2);
              binary_f32(0, q, cols + (<usize>lo << 2), q, hi - lo); // a row of adds, four lanes at a time
            } else if (adjoint) {
              for (let ow = lo; ow < hi; ow++) {
                const q = img + (<usize>(base + ow * sw) << 2);
                store<f32>(q, load<f32>(q) + load<f32>(cols + (<usize>ow << 2)));
              }
            } else {
              fillF32(cols, value, lo);
              fillF32(cols + (<usize>hi << 2), value, wo - hi);
              if (sw == 1) memory.copy(cols + (<usize>lo << 2), img + (<usize>(base + lo) << 2), <usize>(hi - lo) << 2);
              else for (let ow = lo; ow < hi; ow++) store<f32>(cols + (<usize>ow << 2), load<f32>(img + (<usize>(base + ow * sw) << 2)));
            }
          }
          cols += rowBytes;
        }
      }
    }
  }
}
