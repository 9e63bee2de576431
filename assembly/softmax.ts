// Softmax and log-softmax along a dim, and cross-entropy with class indices,
// each forward and backward in one pass per row. A tensor is seen as
// [outer, len, inner] (row-major); a "row" is the len elements at stride inner.
// Every row subtracts its max first, so logits near ±1e4 neither overflow nor vanish.

// The row at p (stride s bytes, n > 0) shifts by its max; an all -inf row by 0 (NaN out, as torch).
@inline function rowShift(p: usize, n: usize, s: usize): f32 {
  let m = load<f32>(p);
  for (let k: usize = 1; k < n; k++) { const v = load<f32>(p + k * s); if (v > m || v != v) m = v; }
  return m == -Infinity ? 0 : m;
}
// log Σ exp(x - sh) over the row.
@inline function rowLogSum(p: usize, n: usize, s: usize, sh: f32): f32 {
  let t: f32 = 0;
  for (let k: usize = 0; k < n; k++) t += Mathf.exp(load<f32>(p + k * s) - sh);
  return Mathf.log(t);
}

// out = softmax(x) = exp(x - m) / Σ exp(x - m) (isLog: log_softmax = x - m - log Σ exp(x - m)) along the dim; len > 0.
export function softmax_f32(x: usize, out: usize, outer: usize, len: usize, inner: usize, isLog: bool): void {
  const s = inner << 2;
  for (let o: usize = 0; o < outer; o++) {
    for (let i: usize = 0; i < inner; i++) {
      const off = ((o * len * inner + i) << 2);
      const p = x + off, q = out + off;
      const m = rowShift(p, len, s), l = rowLogSum(p, len, s, m), t = Mathf.exp(l);
      for (let k: usize = 0; k < len; k++) {
        const v = load<f32>(p + k * s) - m;
        store<f32>(q + k * s, isLog ? v - l : Mathf.exp(v) / t);
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
    for (let i: usize = 0; i < inner; i++) {
      const off = ((o * len * inner + i) << 2);
      let t: f32 = 0;
      for (let k: usize = 0; k < len; k++) {
        const gk = load<f32>(g + off + k * s);
        t += isLog ? gk : gk * load<f32>(y + off + k * s);
      }
      for (let k: usize = 0; k < len; k++) {
        const yk = load<f32>(y + off + k * s), gk = load<f32>(g + off + k * s);
        store<f32>(gx + off + k * s, isLog ? gk - Mathf.exp(yk) * t : yk * (gk - t));
      }
    }
  }
}

// Cross-entropy of logits x [outer, C, inner] against class indices t [outer, inner]
// (int32), with class weights w (hasW) and label smoothing eps. For each sample j:
//   loss[j] = (1 - eps)·w[t]·(l - y[t]) + eps/C·Σ_c w[c]·(l - y[c]),  den[j] = w[t]
// with y = x - max, l = log Σ exp y; 0, 0 where t == ignore. lse[j] keeps l for the backward.
export function cross_entropy_f32(
  x: usize, t: usize, w: usize, loss: usize, den: usize, lse: usize,
  outer: usize, c: usize, inner: usize, ignore: i32, hasW: bool, eps: f32,
): void {
  const s = inner << 2;
  for (let o: usize = 0; o < outer; o++) {
    for (let i: usize = 0; i < inner; i++) {
      const j = (o * inner + i) << 2;
      const p = x + ((o * c * inner + i) << 2);
      const m = rowShift(p, c, s), l = rowLogSum(p, c, s, m);
      store<f32>(lse + j, l);
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

// Its gradient: with p = softmax(x) and W = Σ w (C without weights),
//   gx[c] = g_j·((1 - eps)·w[t]·(p[c] - [c == t]) + eps/C·(W·p[c] - w[c]))
// g_j = g[j]·scale, or g[0]·scale for every sample when gScalar (the mean and sum).
export function cross_entropy_backward_f32(
  x: usize, t: usize, w: usize, lse: usize, g: usize, gx: usize,
  outer: usize, c: usize, inner: usize, ignore: i32, hasW: bool, eps: f32, gScalar: bool, scale: f32,
): void {
  const s = inner << 2;
  let total: f32 = <f32>c;
  if (hasW) { total = 0; for (let k: usize = 0; k < c; k++) total += load<f32>(w + (k << 2)); }
  for (let o: usize = 0; o < outer; o++) {
    for (let i: usize = 0; i < inner; i++) {
      const j = (o * inner + i) << 2;
      const off = (o * c * inner + i) << 2;
      const ti = load<i32>(t + j);
      if (ti == ignore) { for (let k: usize = 0; k < c; k++) store<f32>(gx + off + k * s, 0); continue; }
      const gj = load<f32>(g + (gScalar ? 0 : j)) * scale;
      const m = rowShift(x + off, c, s), l = load<f32>(lse + j);
      const wt: f32 = hasW ? load<f32>(w + (<usize>ti << 2)) : 1;
      const a: f32 = (<f32>1 - eps) * wt * gj, b: f32 = (eps / <f32>c) * gj;
      for (let k: usize = 0; k < c; k++) {
        const pk = Mathf.exp(load<f32>(x + off + k * s) - m - l);
        let v: f32 = a * (pk - <f32>(<i32>k == ti ? 1 : 0));
        if (eps != 0) v += b * (total * pk - (hasW ? load<f32>(w + (k << 2)) : 1));
        store<f32>(gx + off + k * s, v);
      }
    }
  }
}
