// Direct linear algebra, the references the series' gradient-descent programs
// are compared with. Inputs and outputs are row-major float32; the work is
// done in float64 in a scratch block the caller provides (8-byte aligned), so
// the float32 results are accurate to about their last bit for
// well-conditioned matrices. All are cold: written for size, not speed.

import { EPS64, ldf, stf, ldd, std, vec, DOT, SUBDOT, AXPY, ROT, SWAP, SCALE } from "./f64";

// ---- LU with partial pivoting: determinant, solve, inverse ----------------------

// Factorizes the n×n matrix a (PA = LU) in float64. When d != 0 writes
// det(a) = d[0]·d[1]·2^d[2] there as 3 f64: its sign (0 when singular), a
// mantissa in [1, 2) and an exponent (no overflow, no libm log in the module).
// When nrhs > 0 and a is not singular, solves a·x = b for nrhs columns
// (b n×nrhs row-major, or the identity when b is 0: the inverse) into out.
// work: (n*n + n) f64 then n i32. Returns 0, or k + 1 when the k-th pivot is
// zero to double precision (|u_kk| <= 16·n·eps·max|a|): the matrix is singular.
export function lu_f32(a: usize, n: usize, b: usize, nrhs: usize, out: usize, d: usize, work: usize): i32 {
  const lu = work, x = work + ((n * n) << 3), perm = x + (n << 3);
  let amax: f64 = 0;
  for (let i: usize = 0; i < n * n; i++) {
    const v = <f64>ldf(a, i);
    std(lu, i, v);
    amax = max(amax, Math.abs(v));
  }
  for (let i: usize = 0; i < n; i++) store<i32>(perm + (i << 2), <i32>i);
  const tol = 16 * <f64>n * EPS64 * amax;
  let bad: i32 = 0, sign: f64 = 1, mant: f64 = 1, expo: i64 = 0;
  // perm[i] = the row of A that is row i of PA; L unit lower, below the diagonal.
  for (let k: usize = 0; k < n; k++) {
    const rk = lu + ((k * n) << 3);
    let p = k;
    let best = Math.abs(ldd(rk, k));
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(ldd(lu, i * n + k));
      if (v > best) { best = v; p = i; }
    }
    if (!(best > tol)) { // also catches NaN
      if (bad == 0) bad = <i32>k + 1;
      continue;
    }
    if (p != k) {
      sign = -sign;
      vec(SWAP, rk, lu + ((p * n) << 3), n);
      const t = load<i32>(perm + (k << 2));
      store<i32>(perm + (k << 2), load<i32>(perm + (p << 2)));
      store<i32>(perm + (p << 2), t);
    }
    const ukk = ldd(rk, k);
    if (ukk < 0) sign = -sign;
    const bits = reinterpret<u64>(mant * Math.abs(ukk));
    expo += <i64>((bits >> 52) & 0x7ff) - 1023;
    mant = reinterpret<f64>((bits & 0xfffffffffffff) | 0x3ff0000000000000);
    for (let i = k + 1; i < n; i++) {
      const ri = lu + ((i * n) << 3);
      const l = ldd(ri, k) / ukk;
      std(ri, k, l);
      if (l == 0) continue;
      vec(AXPY, ri + ((k + 1) << 3), rk + ((k + 1) << 3), n - k - 1, l);
    }
  }
  if (d != 0) {
    std(d, 0, bad != 0 ? 0 : sign);
    std(d, 1, mant);
    std(d, 2, <f64>expo);
  }
  if (bad != 0) return bad;
  // Column c of x solves L·U·x = P·b_c.
  for (let c: usize = 0; c < nrhs; c++) {
    for (let i: usize = 0; i < n; i++) {
      const r = <usize>load<i32>(perm + (i << 2));
      std(x, i, b == 0 ? <f64>(r == c) : <f64>ldf(b, r * nrhs + c));
    }
    for (let i: usize = 0; i < n; i++) std(x, i, vec(SUBDOT, lu + ((i * n) << 3), x, i, ldd(x, i)));
    for (let i = n; i-- > 0;) {
      const ri = lu + ((i * n) << 3);
      std(x, i, vec(SUBDOT, ri + ((i + 1) << 3), x + ((i + 1) << 3), n - i - 1, ldd(x, i)) / ldd(ri, i));
    }
    for (let i: usize = 0; i < n; i++) stf(out, i * nrhs + c, <f32>ldd(x, i));
  }
  return 0;
}

// ---- SVD: one-sided Jacobi (Hestenes) ----------------------------------------------

// Reduced SVD of the m×n matrix a: u is m×k, s is k, vh is k×n, k = min(m, n),
// singular values descending. work: (k*r + k*k + r) f64 with r = max(m, n).
//
// With B = a (or aᵀ when m < n, so that B is r×k with r >= k), rotations from
// the right make B's columns mutually orthogonal: B·V = W. Then the column
// norms of W are the singular values, W's normalized columns are the left
// singular vectors and V holds the right ones. Columns whose singular value is
// zero to double precision get an orthonormal completion, so u always has
// orthonormal columns. Returns the number of sweeps, or -1 without convergence.
//
// Column j of the work block holds W's column j (r values) then V's (k values),
// so that one rotation or swap moves both.
export function svd_f32(a: usize, m: usize, n: usize, u: usize, s: usize, vh: usize, work: usize): i32 {
  const tr = m < n;
  const r = tr ? n : m, k = tr ? m : n, len = r + k, cb = len << 3;
  const sv = work + k * cb;
  // B(i, j) = a(i, j), or a(j, i) when transposed; V = I.
  const bi = tr ? <usize>1 : n, bj = tr ? n : 1;
  for (let j: usize = 0; j < k; j++) {
    const col = work + j * cb;
    for (let i: usize = 0; i < len; i++) std(col, i, i < r ? <f64>ldf(a, i * bi + j * bj) : <f64>(i - r == j));
  }
  let sweeps: i32 = -1;
  for (let sweep: i32 = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p: usize = 0; p + 1 < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const cp = work + p * cb, cq = work + q * cb;
        const alpha = vec(DOT, cp, cp, r), beta = vec(DOT, cq, cq, r), gamma = vec(DOT, cp, cq, r);
        if (gamma == 0 || Math.abs(gamma) <= EPS64 * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotated = true;
        // The rotation that zeroes the off-diagonal entry of [[alpha, gamma], [gamma, beta]].
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.abs(zeta) > 1e150
          ? 0.5 / zeta
          : (zeta >= 0 ? 1.0 : -1.0) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), sn = c * t;
        vec(ROT, cp, cq, len, c, sn);
      }
    }
    if (!rotated) { sweeps = sweep + 1; break; }
  }
  // Singular values, sorted descending by swapping whole columns (k is small).
  for (let j: usize = 0; j < k; j++) { const col = work + j * cb; std(sv, j, Math.sqrt(vec(DOT, col, col, r))); }
  for (let j: usize = 0; j < k; j++) {
    let best = j;
    for (let l = j + 1; l < k; l++) if (ldd(sv, l) > ldd(sv, best)) best = l;
    vec(SWAP, sv + (j << 3), sv + (best << 3), 1);
    vec(SWAP, work + j * cb, work + best * cb, len);
  }
  // Left vectors: normalized columns; negligible ones are completed instead.
  const smax = k > 0 ? ldd(sv, 0) : 0;
  const tol = <f64>r * EPS64 * smax;
  let rank: usize = 0;
  while (rank < k && ldd(sv, rank) > tol && ldd(sv, rank) > 0) rank++;
  // Untransposed: u = W, vh = Vᵀ. Transposed (a = Bᵀ = V·S·Wᵀ): u = V, vh = Wᵀ.
  for (let j: usize = 0; j < k; j++) {
    const col = work + j * cb;
    if (j >= rank) {
      std(sv, j, 0);
      completeColumn(work, cb, r, j);
    }
    const inv = 1 / (j < rank ? ldd(sv, j) : Math.sqrt(vec(DOT, col, col, r)));
    vec(SCALE, col, col, r, inv);
    stf(s, j, <f32>ldd(sv, j));
    const w = col, v = col + (r << 3);
    const uj = tr ? v : w, vj = tr ? w : v;
    for (let i: usize = 0; i < m; i++) stf(u, i * k + j, <f32>ldd(uj, i));
    for (let i: usize = 0; i < n; i++) stf(vh, j * n + i, <f32>ldd(vj, i));
  }
  return sweeps;
}

// Column j (its first r values) of the block w, columns cb bytes apart, becomes
// a vector orthogonal to columns 0..j-1 (orthonormal): the standard basis vector
// with the largest component outside their span, orthogonalized twice
// (Gram–Schmidt, "twice is enough"). The caller normalizes it.
function completeColumn(w: usize, cb: usize, r: usize, j: usize): void {
  const col = w + j * cb;
  let bestT: usize = 0, bestNorm: f64 = -1;
  for (let t: usize = 0; t < r; t++) {
    // |e_t - P e_t|² = 1 - Σ_l w_l[t]²
    const norm = 1 - vec(DOT, w + (t << 3), w + (t << 3), j, 0, 0, cb);
    if (norm > bestNorm) { bestNorm = norm; bestT = t; }
  }
  for (let i: usize = 0; i < r; i++) std(col, i, <f64>(i == bestT));
  for (let pass = 0; pass < 2; pass++) {
    for (let l: usize = 0; l < j; l++) {
      const wl = w + l * cb;
      vec(AXPY, col, wl, r, vec(DOT, wl, col, r));
    }
  }
}
