// Direct linear algebra, the references the series' gradient-descent programs
// are compared with. Inputs and outputs are row-major float32; the work is
// done in float64 in a scratch block the caller provides (8-byte aligned), so
// the float32 results are accurate to about their last bit for
// well-conditioned matrices.

const EPS64: f64 = 2.220446049250313e-16;

@inline function ldf(p: usize, i: usize): f32 { return load<f32>(p + (i << 2)); }
@inline function stf(p: usize, i: usize, v: f32): void { store<f32>(p + (i << 2), v); }
@inline function ldd(p: usize, i: usize): f64 { return load<f64>(p + (i << 3)); }
@inline function std(p: usize, i: usize, v: f64): void { store<f64>(p + (i << 3), v); }

// ---- inverse: LU with partial pivoting ------------------------------------------

// out = inverse of the n×n matrix a. work: (n*n + n) f64 then n i32. Returns 0, or k + 1
// when the k-th pivot is zero to double precision (|u_kk| <= 16·n·eps·max|a|):
// the matrix is singular.
export function inv_f32(a: usize, out: usize, n: usize, work: usize): i32 {
  const lu = work, x = work + ((n * n) << 3), piv = x + (n << 3);
  let amax: f64 = 0;
  for (let i: usize = 0; i < n * n; i++) {
    const v = <f64>ldf(a, i);
    std(lu, i, v);
    amax = max(amax, Math.abs(v));
  }
  const tol = 16 * <f64>n * EPS64 * amax;
  // PA = LU in place (L unit lower, below the diagonal; piv[k] = the row swapped with k).
  for (let k: usize = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(ldd(lu, k * n + k));
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(ldd(lu, i * n + k));
      if (v > best) { best = v; p = i; }
    }
    store<i32>(piv + (k << 2), <i32>p);
    if (!(best > tol)) return <i32>k + 1; // also catches NaN
    if (p != k) {
      for (let j: usize = 0; j < n; j++) {
        const t = ldd(lu, k * n + j);
        std(lu, k * n + j, ldd(lu, p * n + j));
        std(lu, p * n + j, t);
      }
    }
    const ukk = ldd(lu, k * n + k);
    for (let i = k + 1; i < n; i++) {
      const l = ldd(lu, i * n + k) / ukk;
      std(lu, i * n + k, l);
      if (l == 0) continue;
      for (let j = k + 1; j < n; j++) std(lu, i * n + j, ldd(lu, i * n + j) - l * ldd(lu, k * n + j));
    }
  }
  // Column c of the inverse solves L·U·x = P·e_c (the swaps applied to e_c in order).
  for (let c: usize = 0; c < n; c++) {
    for (let i: usize = 0; i < n; i++) std(x, i, i == c ? 1 : 0);
    for (let k: usize = 0; k < n; k++) {
      const p = <usize>load<i32>(piv + (k << 2));
      if (p != k) { const t = ldd(x, k); std(x, k, ldd(x, p)); std(x, p, t); }
    }
    for (let i: usize = 1; i < n; i++) {
      let s = ldd(x, i);
      for (let j: usize = 0; j < i; j++) s -= ldd(lu, i * n + j) * ldd(x, j);
      std(x, i, s);
    }
    for (let i = <isize>n - 1; i >= 0; i--) {
      const ii = <usize>i;
      let s = ldd(x, ii);
      for (let j = ii + 1; j < n; j++) s -= ldd(lu, ii * n + j) * ldd(x, j);
      std(x, ii, s / ldd(lu, ii * n + ii));
    }
    for (let i: usize = 0; i < n; i++) stf(out, i * n + c, <f32>ldd(x, i));
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
export function svd_f32(a: usize, m: usize, n: usize, u: usize, s: usize, vh: usize, work: usize): i32 {
  const tr = m < n;
  const r = tr ? n : m, k = tr ? m : n;
  const w = work, v = w + ((r * k) << 3), tmp = v + ((k * k) << 3);
  // W column j (contiguous, length r) = column j of B; V = I (columns contiguous).
  for (let j: usize = 0; j < k; j++) {
    for (let i: usize = 0; i < r; i++) std(w, j * r + i, <f64>ldf(a, tr ? j * n + i : i * n + j));
    for (let i: usize = 0; i < k; i++) std(v, j * k + i, i == j ? 1 : 0);
  }
  let sweeps: i32 = -1;
  for (let sweep: i32 = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p: usize = 0; p + 1 < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const wp = w + ((p * r) << 3), wq = w + ((q * r) << 3);
        let alpha: f64 = 0, beta: f64 = 0, gamma: f64 = 0;
        for (let i: usize = 0; i < r; i++) {
          const x = ldd(wp, i), y = ldd(wq, i);
          alpha += x * x; beta += y * y; gamma += x * y;
        }
        if (gamma == 0 || Math.abs(gamma) <= EPS64 * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotated = true;
        // The rotation that zeroes the off-diagonal entry of [[alpha, gamma], [gamma, beta]].
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.abs(zeta) > 1e150
          ? 0.5 / zeta
          : (zeta >= 0 ? 1.0 : -1.0) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), sn = c * t;
        rotate(wp, wq, r, c, sn);
        rotate(v + ((p * k) << 3), v + ((q * k) << 3), k, c, sn);
      }
    }
    if (!rotated) { sweeps = sweep + 1; break; }
  }
  // Singular values, sorted descending by swapping whole columns (k is small).
  for (let j: usize = 0; j < k; j++) std(tmp, j, Math.sqrt(dot64(w + ((j * r) << 3), w + ((j * r) << 3), r)));
  for (let j: usize = 0; j < k; j++) {
    let best = j;
    for (let l = j + 1; l < k; l++) if (ldd(tmp, l) > ldd(tmp, best)) best = l;
    if (best != j) {
      const t = ldd(tmp, j); std(tmp, j, ldd(tmp, best)); std(tmp, best, t);
      swapColumns(w + ((j * r) << 3), w + ((best * r) << 3), r);
      swapColumns(v + ((j * k) << 3), v + ((best * k) << 3), k);
    }
  }
  // Left vectors: normalized columns; negligible ones are completed instead.
  const smax = k > 0 ? ldd(tmp, 0) : 0;
  const tol = <f64>r * EPS64 * smax;
  let rank: usize = 0;
  while (rank < k && ldd(tmp, rank) > tol && ldd(tmp, rank) > 0) rank++;
  for (let j: usize = 0; j < rank; j++) {
    const col = w + ((j * r) << 3), inv = 1 / ldd(tmp, j);
    for (let i: usize = 0; i < r; i++) std(col, i, ldd(col, i) * inv);
  }
  for (let j = rank; j < k; j++) {
    std(tmp, j, 0);
    completeColumn(w, r, j);
  }
  // Write u (m×k), s, vh (k×n). Untransposed: u = W, vh = Vᵀ. Transposed
  // (a = Bᵀ = V·S·Wᵀ): u = V, vh = Wᵀ.
  for (let j: usize = 0; j < k; j++) {
    stf(s, j, <f32>ldd(tmp, j));
    const wj = w + ((j * r) << 3), vj = v + ((j * k) << 3);
    if (!tr) {
      for (let i: usize = 0; i < m; i++) stf(u, i * k + j, <f32>ldd(wj, i));
      for (let i: usize = 0; i < n; i++) stf(vh, j * n + i, <f32>ldd(vj, i));
    } else {
      for (let i: usize = 0; i < m; i++) stf(u, i * k + j, <f32>ldd(vj, i));
      for (let i: usize = 0; i < n; i++) stf(vh, j * n + i, <f32>ldd(wj, i));
    }
  }
  return sweeps;
}

@inline function dot64(x: usize, y: usize, len: usize): f64 {
  let acc: f64 = 0;
  for (let i: usize = 0; i < len; i++) acc += ldd(x, i) * ldd(y, i);
  return acc;
}

// [x y] ← [x y] · [[c, s], [-s, c]]
function rotate(x: usize, y: usize, len: usize, c: f64, sn: f64): void {
  for (let i: usize = 0; i < len; i++) {
    const a = ldd(x, i), b = ldd(y, i);
    std(x, i, c * a - sn * b);
    std(y, i, sn * a + c * b);
  }
}

function swapColumns(x: usize, y: usize, len: usize): void {
  for (let i: usize = 0; i < len; i++) {
    const t = ldd(x, i); std(x, i, ldd(y, i)); std(y, i, t);
  }
}

// Column j of the r-row column block w becomes a unit vector orthogonal to
// columns 0..j-1: the standard basis vector with the largest component outside
// their span, orthogonalized twice (Gram–Schmidt, "twice is enough").
function completeColumn(w: usize, r: usize, j: usize): void {
  const col = w + ((j * r) << 3);
  let bestT: usize = 0, bestNorm: f64 = -1;
  for (let t: usize = 0; t < r; t++) {
    // |e_t - P e_t|² = 1 - Σ_l w_l[t]²
    let proj: f64 = 0;
    for (let l: usize = 0; l < j; l++) { const x = ldd(w + ((l * r) << 3), t); proj += x * x; }
    if (1 - proj > bestNorm) { bestNorm = 1 - proj; bestT = t; }
  }
  for (let i: usize = 0; i < r; i++) std(col, i, i == bestT ? 1 : 0);
  for (let pass = 0; pass < 2; pass++) {
    for (let l: usize = 0; l < j; l++) {
      const wl = w + ((l * r) << 3);
      const d = dot64(wl, col, r);
      for (let i: usize = 0; i < r; i++) std(col, i, ldd(col, i) - d * ldd(wl, i));
    }
  }
  const inv = 1 / Math.sqrt(dot64(col, col, r));
  for (let i: usize = 0; i < r; i++) std(col, i, ldd(col, i) * inv);
}
