// 2-D pooling over `planes` images of h×w (N·C of them), row-major, into
// [planes, ho, wo]. The windows come as a table of i32 (src/ops/pool.ts):
//   hs[ho] | he[ho] | hn[ho] | ws[wo] | we[wo] | wn[wo]
// output (oh, ow) reads ih = hs, hs + dh, ... < he and iw likewise; an
// average divides by `divisor`, or by hn·wn when divisor is 0.
//   mode 0: max; idx gets ih·w + iw of the first maximum (NaN wins, as torch)
//   mode 1: average
//   mode 2: the average's adjoint: x[window] += out / divisor (x zeroed by the caller)
//   mode 3: the max's adjoint: x[idx] += out

export function pool2d_f32(
  mode: i32, x: usize, out: usize, idx: usize, planes: usize, h: i32, w: i32, ho: i32, wo: i32,
  tab: usize, dh: i32, dw: i32, divisor: i32,
): void {
  const hw = <usize>(h * w) << 2;
  const tw = tab + (<usize>(3 * ho) << 2);
  for (let p: usize = 0; p < planes; p++) {
    const img = x + p * hw;
    for (let oh = 0; oh < ho; oh++) {
      const hs = load<i32>(tab + (<usize>oh << 2)), he = load<i32>(tab + (<usize>(ho + oh) << 2));
      const hn = load<i32>(tab + (<usize>(2 * ho + oh) << 2));
      let ow = 0;
      if (mode == 0) {
        ow = max4(img, out, idx, w, wo, tw, hs, he, dh, dw);
        out += <usize>ow << 2;
        idx += <usize>ow << 2;
      }
      for (; ow < wo; ow++) {
        if (mode == 3) {
          const q = img + (<usize>load<i32>(idx) << 2);
          store<f32>(q, load<f32>(q) + load<f32>(out));
        } else {
          const ws = load<i32>(tw + (<usize>ow << 2)), we = load<i32>(tw + (<usize>(wo + ow) << 2));
          const d = <f32>(divisor > 0 ? divisor : hn * load<i32>(tw + (<usize>(2 * wo + ow) << 2)));
          const gd = mode == 2 ? load<f32>(out) / d : 0;
          let m: f32 = mode == 0 ? -Infinity : 0;
          let mi = hs * w + ws;
          for (let ih = hs; ih < he; ih += dh) {
            for (let iw = ws; iw < we; iw += dw) {
              const q = img + (<usize>(ih * w + iw) << 2);
              const v = load<f32>(q);
              if (mode == 0) {
                if (v > m || v != v) { m = v; mi = ih * w + iw; }
              } else if (mode == 1) m += v;
              else store<f32>(q, v + gd);
            }
          }
          if (mode == 0) { store<f32>(out, m); store<i32>(idx, mi); }
          else if (mode == 1) store<f32>(out, m / d);
        }
        out += 4;
        idx += 4;
      }
    }
  }
}

// The max over four neighbouring windows of an output row at once, one lane each, as long
// as the four are as wide (a scalar max over a window of four is a chain of dependent
// compares, mispredicted branches on most data); returns how many outputs it wrote.
// Each lane keeps the scalar loop's rule: the first maximum, and a NaN wins.
function max4(img: usize, out: usize, idx: usize, w: i32, wo: i32, tw: usize, hs: i32, he: i32, dh: i32, dw: i32): i32 {
  let ow = 0;
  for (; ow + 4 <= wo; ow += 4) {
    const ws = v128.load(tw + (<usize>ow << 2)), width = i32x4.sub(v128.load(tw + (<usize>(wo + ow) << 2)), ws);
    if (!i32x4.all_true(i32x4.eq(width, i32x4.splat(i32x4.extract_lane(width, 0))))) break;
    const kw = i32x4.extract_lane(width, 0);
    let m = f32x4.splat(-Infinity), mi = i32x4.add(i32x4.splat(hs * w), ws);
    for (let ih = hs; ih < he; ih += dh) {
      for (let t = 0; t < kw; t += dw) {
        const at = i32x4.add(i32x4.splat(ih * w + t), ws);
        let v = v128.load32_splat(img + (<usize>i32x4.extract_lane(at, 0) << 2));
        v = v128.load32_lane(img + (<usize>i32x4.extract_lane(at, 1) << 2), v, 1);
        v = v128.load32_lane(img + (<usize>i32x4.extract_lane(at, 2) << 2), v, 2);
        v = v128.load32_lane(img + (<usize>i32x4.extract_lane(at, 3) << 2), v, 3);
        const take = v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
        m = v128.bitselect(v, m, take);
        mi = v128.bitselect(at, mi, take);
      }
    }
    v128.store(out + (<usize>ow << 2), m);
    v128.store(idx + (<usize>ow << 2), mi);
  }
  return ow;
}
