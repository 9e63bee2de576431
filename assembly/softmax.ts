// Softmax and log-softmax along a dim, and the class-index losses (cross-entropy
// of logits, nll of log-probabilities), each forward and backward in one pass
// per row. A tensor is seen as [outer, len, inner] (row-major); a "row" is the
// len elements at stride inner. Every row subtracts its max first, so logits
// near ±1e4 neither overflow nor vanish; a contiguous row (inner 1) goes 4 lanes
// at a time.

// exp of 4 lanes for x <= 0 (the shifted logits): Cephes' expf polynomial, as
// torch's vectorized exp, within 2 ulp; 0 below -87.3 (no denormals); NaN stays NaN.
@inline function expv(x: v128): v128 {
  const lo = f32x4.splat(-87.3365478515625);
  let t = f32x4.max(x, lo);
  const fx = f32x4.floor(f32x4.add(f32x4.mul(t, f32x4.splat(1.44269504088896341)), f32x4.splat(0.5)));
  t = f32x4.sub(f32x4.sub(t, f32x4.mul(fx, f32x4.splat(0.693359375))), f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, t), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, t), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, t), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, t), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, t), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, f32x4.mul(t, t)), t), f32x4.splat(1));
  y = f32x4.mul(y, i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23));
  return v128.bitselect(f32x4.splat(0), y, f32x4.lt(x, lo));
}
function exps(x: f32): f32 { return f32x4.extract_lane(expv(f32x4.splat(x)), 0); }
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// The shift of the row at p (stride s bytes, n > 0): its max; 0 for an all -inf row (NaN out, as torch).
function rowShift(p: usize, n: usize, s: usize): f32 {
  let m = load<f32>(p), k: usize = 1;
  if (s == 4 && n >= 4) {
    let mv = v128.load(p);
    for (k = 4; k + 4 <= n; k += 4) mv = f32x4.max(mv, v128.load(p + (k << 2))); // propagates NaN
    m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  }
  for (; k < n; k++) { const v = load<f32>(p + k * s); if (v > m || v != v) m = v; }
  return m == -Infinity ? 0 : m;
}
// log Σ exp(x - sh) over the row.
function rowLogSum(p: usize, n: usize, s: usize, sh: f32): f32 {
  let t: f32 = 0, k: usize = 0;
  if (s == 4) {
    let acc = f32x4.splat(0);
    const shv = f32x4.splat(sh);
    for (; k + 4 <= n; k += 4) acc = f32x4.add(acc, expv(f32x4.sub(v128.load(p + (k << 2)), shv)));
    t = hsum(acc);
  }
  for (; k < n; k++) t += exps(load<f32>(p + k * s) - sh);
  return Mathf.log(t);
}

// out = softmax(x) = exp(x - m) / Σ exp(x - m) (isLog: log_softmax = x - m - log Σ exp(x - m)) along the dim; len > 0.
export function softmax_f32(x: usize, out: usize, outer: usize, len: usize, inner: usize, isLog: bool): void {
  const s = inner << 2;
  for (let o: usize = 0; o < outer; o++) {
    let i: usize = 0;
    // rows at stride inner: 4 neighbouring rows at a time, one lane each
    for (; i + 4 <= inner && inner > 1; i += 4) {
      const off = ((o * len * inner + i) << 2);
      const p = x + off, q = out + off;
      let m = v128.load(p);
      for (let k: usize = 1; k < len; k++) m = f32x4.max(m, v128.load(p + k * s));
      m = v128.bitselect(f32x4.splat(0), m, f32x4.eq(m, f32x4.splat(-Infinity)));
      let t = f32x4.splat(0);
      for (let k: usize = 0; k < len; k++) t = f32x4.add(t, expv(f32x4.sub(v128.load(p + k * s), m)));
      const l = f32x4(Mathf.log(f32x4.extract_lane(t, 0)), Mathf.log(f32x4.extract_lane(t, 1)), Mathf.log(f32x4.extract_lane(t, 2)), Mathf.log(f32x4.extract_lane(t, 3)));
      for (let k: usize = 0; k < len; k++) {
        const v = f32x4.sub(v128.load(p + k * s), m);
        v128.store(q + k * s, isLog ? f32x4.sub(v, l) : f32x4.div(expv(v), t));
      }
    }
    for (; i < inner; i++) {
      const off = ((o * len * inner + i) << 2);
      const p = x + off, q = out + off;
      const m = rowShift(p, len, s), l = rowLogSum(p, len, s, m), t = Mathf.exp(l);
      let k: usize = 0;
      if (s == 4) {
        const mv = f32x4.splat(m), lv = f32x4.splat(l), tv = f32x4.splat(t);
        for (; k + 4 <= len; k += 4) {
          const v = f32x4.sub(v128.load(p + (k << 2)), mv);
          v128.store(q + (k << 2), isLog ? f32x4.sub(v, lv) : f32x4.div(expv(v), tv));
        }
      }
      for (; k < len; k++) {
        const v = load<f32>(p + k * s) - m;
        store<f32>(q + k * s, isLog ? v - l : exps(v) / t);
      }
    }
  }
}

// The gradient from y = softmax(x) (isLog: log_softmax) and g:
//   softmax      gx = y·(g - Σ g·y)
//   log_softmax  gx = g - exp(y)·Σ g
export function softmax_backward_f32(y: usize, g: usize, gx: usize, outer: usize, len: usize, inner: usize, isLog: bool): void {
  const s = inner << 2;
  for (let o: usize = 0; o < outer; o++) {
    let i: usize = 0;
    for (; i + 4 <= inner && inner > 1; i += 4) {
      const off = ((o * len * inner + i) << 2);
      let t = f32x4.splat(0);
      for (let k: usize = 0; k < len; k++) {
        const gk = v128.load(g + off + k * s);
        t = f32x4.add(t, isLog ? gk : f32x4.mul(gk, v128.load(y + off + k * s)));
      }
      for (let k: usize = 0; k < len; k++) {
        const yk = v128.load(y + off + k * s), gk = v128.load(g + off + k * s);
        v128.store(gx + off + k * s, isLog ? f32x4.sub(gk, f32x4.mul(expv(yk), t)) : f32x4.mul(yk, f32x4.sub(gk, t)));
      }
    }
    for (; i < inner; i++) {
      const off = ((o * len * inner + i) << 2);
      const yp = y + off, gp = g + off, xp = gx + off;
      let t: f32 = 0, k: usize = 0;
      if (s == 4) {
        let acc = f32x4.splat(0);
        for (; k + 4 <= len; k += 4) {
          const gk = v128.load(gp + (k << 2));
          acc = f32x4.add(acc, isLog ? gk : f32x4.mul(gk, v128.load(yp + (k << 2))));
        }
        t = hsum(acc);
      }
      for (; k < len; k++) {
        const gk = load<f32>(gp + k * s);
        t += isLog ? gk : gk * load<f32>(yp + k * s);
      }
      k = 0;
      if (s == 4) {
        const tv = f32x4.splat(t);
        for (; k + 4 <= len; k += 4) {
          const yk = v128.load(yp + (k << 2)), gk = v128.load(gp + (k << 2));
          v128.store(xp + (k << 2), isLog ? f32x4.sub(gk, f32x4.mul(expv(yk), tv)) : f32x4.mul(yk, f32x4.sub(gk, tv)));
        }
      }
      for (; k < len; k++) {
        const yk = load<f32>(yp + k * s), gk = load<f32>(gp + k * s);
        store<f32>(xp + k * s, isLog ? gk - exps(yk) * t : yk * (gk - t));
      }
    }
  }
}

// Σ exp(x - sh) over the row at p, each exp(x - sh) stored at q (the same layout).
function rowExpStore(p: usize, q: usize, n: usize, s: usize, sh: f32): f32 {
  let t: f32 = 0, k: usize = 0;
  if (s == 4) {
    let acc = f32x4.splat(0);
    const shv = f32x4.splat(sh);
    for (; k + 4 <= n; k += 4) {
      const e = expv(f32x4.sub(v128.load(p + (k << 2)), shv));
      v128.store(q + (k << 2), e);
      acc = f32x4.add(acc, e);
    }
    t = hsum(acc);
  }
  for (; k < n; k++) { const e = exps(load<f32>(p + k * s) - sh); store<f32>(q + k * s, e); t += e; }
  return t;
}

// The class-index losses of x [outer, C, inner] against t [outer, inner] (int32),
// with class weights w (hasW) and label smoothing eps. For each sample j:
//   loss[j] = (1 - eps)·w[t]·(l - y[t]) + eps/C·Σ_c w[c]·(l - y[c]),  den[j] = w[t]
// with y = x - max, l = log Σ exp y; 0, 0 where t == ignore. prob (x's layout; 0: none)
// keeps softmax(x) for the backward, as torch keeps log_softmax(x).
// Not logits: x holds log-probabilities (nll_loss), y = x and l = 0.
export function cross_entropy_f32(
  x: usize, t: usize, w: usize, loss: usize, den: usize, prob: usize,
  outer: usize, c: usize, inner: usize, ignore: i32, hasW: bool, eps: f32, logits: bool,
): void {
  const s = inner << 2;
  for (let o: usize = 0; o < outer; o++) {
    for (let i: usize = 0; i < inner; i++) {
      const j = (o * inner + i) << 2;
      const off = (o * c * inner + i) << 2;
      const p = x + off;
      let m: f32 = 0, l: f32 = 0;
      if (logits) {
        m = rowShift(p, c, s);
        if (prob == 0) l = rowLogSum(p, c, s, m);
        else {
          const q = prob + off, tot = rowExpStore(p, q, c, s, m);
          l = Mathf.log(tot);
          let k: usize = 0;
          if (s == 4) { const tv = f32x4.splat(tot); for (; k + 4 <= c; k += 4) v128.store(q + (k << 2), f32x4.div(v128.load(q + (k << 2)), tv)); }
          for (; k < c; k++) store<f32>(q + k * s, load<f32>(q + k * s) / tot);
        }
      }
      const ti = load<i32>(t + j);
      if (ti == ignore) { store<f32>(loss + j, 0); store<f32>(den + j, 0); continue; }
      const wt: f32 = hasW ? load<f32>(w + (<usize>ti << 2)) : 1;
      let r = wt * (l - (load<f32>(p + <usize>ti * s) - m));
      if (eps != 0) {
        let sm: f32 = 0;
        for (let k: usize = 0; k < c; k++) sm += (hasW ? load<f32>(w + (k << 2)) : 1) * (l - (load<f32>(p + k * s) - m));
        r = (<f32>1 - eps) * r + (eps / <f32>c) * sm;
      }
      store<f32>(loss + j, r);
      store<f32>(den + j, wt);
    }
  }
}

// Its gradient: with p = softmax(x) from the forward (0 when not logits) and W = Σ w (C without weights),
//   gx[c] = g_j·((1 - eps)·w[t]·(p[c] - [c == t]) + eps/C·(W·p[c] - w[c]))
// g_j = g[j], or g[0] for every sample when gScalar (the mean and sum).
export function cross_entropy_backward_f32(
  t: usize, w: usize, prob: usize, g: usize, gx: usize,
  outer: usize, c: usize, inner: usize, ignore: i32, hasW: bool, eps: f32, logits: bool, gScalar: bool,
): void {
  const s = inner << 2;
  let total: f32 = <f32>c;
  if (hasW) { total = 0; for (let k: usize = 0; k < c; k++) total += load<f32>(w + (k << 2)); }
  for (let o: usize = 0; o < outer; o++) {
    for (let i: usize = 0; i < inner; i++) {
      const j = (o * inner + i) << 2;
      const off = (o * c * inner + i) << 2;
      const p = prob + off, q = gx + off;
      const ti = load<i32>(t + j);
      if (ti == ignore) { for (let k: usize = 0; k < c; k++) store<f32>(q + k * s, 0); continue; }
      const gj = load<f32>(g + (gScalar ? 0 : j));
      const wt: f32 = hasW ? load<f32>(w + (<usize>ti << 2)) : 1;
      const a: f32 = (<f32>1 - eps) * wt * gj, b: f32 = (eps / <f32>c) * gj;
      let k: usize = 0;
      if (s == 4) {
        const av = f32x4.splat(a), bv = f32x4.splat(b), wv = f32x4.splat(total);
        for (; k + 4 <= c; k += 4) {
          const pk = logits ? v128.load(p + (k << 2)) : f32x4.splat(0);
          let v = f32x4.mul(av, pk);
          if (eps != 0) v = f32x4.add(v, f32x4.mul(bv, f32x4.sub(f32x4.mul(wv, pk), hasW ? v128.load(w + (k << 2)) : f32x4.splat(1))));
          v128.store(q + (k << 2), v);
        }
      }
      for (; k < c; k++) {
        const pk: f32 = logits ? load<f32>(p + k * s) : 0;
        let v: f32 = a * pk;
        if (eps != 0) v += b * (total * pk - (hasW ? load<f32>(w + (k << 2)) : 1));
        store<f32>(q + k * s, v);
      }
      store<f32>(q + <usize>ti * s, load<f32>(q + <usize>ti * s) - a); // the target's -[c == t]
    }
  }
}
