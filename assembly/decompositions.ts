// Cholesky, QR and the symmetric eigendecomposition, in float64 in a scratch
// block the caller provides (8-byte aligned), rounded once to float32 like
// linalg.ts's inverse and SVD. Matrices are row-major; a column is a vector of
// stride n·8 bytes in the f64 block. Cold code, written for size.

import { EPS64, ldf, stf, ldd, std, vec, DOT, SUBDOT, AXPY, ROT, SWAP, SCALE } from "./f64";

// ---- Cholesky: A = L·Lᵀ -------------------------------------------------------------

// out = L, lower triangular (zeros above), from the lower triangle of the n×n a.
// work: n*n f64. Returns 0, or k when the leading minor of order k is not
// positive-definite (out is then incomplete).
export function cholesky_f32(a: usize, n: usize, out: usize, work: usize): i32 {
  for (let i: usize = 0; i < n; i++) {
    const ri = work + ((i * n) << 3);
    for (let j: usize = 0; j <= i; j++) {
      const rj = work + ((j * n) << 3);
      const s = vec(SUBDOT, ri, rj, j, <f64>ldf(a, i * n + j));
      if (j < i) {
        std(ri, j, s / ldd(rj, j));
      } else {
        if (!(s > 0)) return <i32>i + 1; // also NaN
        std(ri, i, Math.sqrt(s));
      }
    }
  }
  for (let i: usize = 0; i < n; i++) {
    for (let j: usize = 0; j < n; j++) stf(out, i * n + j, j <= i ? <f32>ldd(work, i * n + j) : 0);
  }
  return 0;
}

// ---- QR: Householder reflections, LAPACK's sign convention ---------------------------

// A = Q·R for the m×n a, k = min(m, n). q (skipped when 0) is m×qc with qc = k
// ("reduced") or m ("complete"); r is qc×n, zero below the diagonal. Reflector
// j is H = I - tau·v·vᵀ with v[j] = 1 (as LAPACK's dgeqrf/dlarfg), so R's
// diagonal is -sign(a_jj)·|column| and Q is what LAPACK's dorgqr forms.
// work: (m*n + m*qc + 2m) f64.
export function qr_f32(a: usize, m: usize, n: usize, q: usize, r: usize, qc: usize, work: usize): void {
  const w = work, qw = w + ((m * n) << 3), taus = qw + ((m * qc) << 3), vt = taus + (m << 3), cs: usize = n << 3;
  const k = m < n ? m : n;
  for (let i: usize = 0; i < m * n; i++) std(w, i, <f64>ldf(a, i));
  for (let j: usize = 0; j < k; j++) {
    const col = w + ((j * n + j) << 3); // column j from row j, stride cs
    const alpha = ldd(col, 0);
    const xnorm = Math.sqrt(vec(DOT, col + cs, col + cs, m - j - 1, 0, 0, cs));
    let tau: f64 = 0;
    if (xnorm != 0) {
      const norm = Math.sqrt(alpha * alpha + xnorm * xnorm);
      const beta = alpha >= 0 ? -norm : norm;
      tau = (beta - alpha) / beta;
      vec(SCALE, col + cs, col + cs, m - j - 1, 1 / (alpha - beta), 0, cs);
      std(col, 0, 1);
      // columns j+1.. of the trailing block: c -= tau·(vᵀc)·v
      for (let c = j + 1; c < n; c++) {
        const cc = w + ((j * n + c) << 3);
        vec(AXPY, cc, col, m - j, tau * vec(DOT, col, cc, m - j, 0, 0, cs), 0, cs);
      }
      std(col, 0, beta);
    }
    std(taus, j, tau);
  }
  for (let i: usize = 0; i < qc; i++) {
    for (let j: usize = 0; j < n; j++) stf(r, i * n + j, j >= i ? <f32>ldd(w, i * n + j) : 0);
  }
  if (q == 0) return;
  // Q = H_0 ⋯ H_{k-1} · I[:, :qc], applied from the last reflector back, on Qᵀ
  // (qc×m: a column of Q is a row) with each v copied out contiguous.
  for (let i: usize = 0; i < m * qc; i++) std(qw, i, <f64>(i / m == i % m));
  for (let j = k; j-- > 0;) {
    const tau = ldd(taus, j);
    if (tau == 0) continue;
    std(vt, 0, 1);
    for (let i = j + 1; i < m; i++) std(vt, i - j, ldd(w, i * n + j));
    for (let c: usize = 0; c < qc; c++) {
      const qrow = qw + ((c * m + j) << 3);
      vec(AXPY, qrow, vt, m - j, tau * vec(DOT, vt, qrow, m - j));
    }
  }
  for (let i: usize = 0; i < m; i++) for (let c: usize = 0; c < qc; c++) stf(q, i * qc + c, <f32>ldd(qw, c * m + i));
}

// ---- symmetric eigendecomposition: cyclic Jacobi ----------------------------------------

// A = V·diag(w)·Vᵀ for the symmetric n×n matrix given by a's lower triangle
// (upper when `upper`). w ascending; v (skipped when 0) holds the eigenvectors
// as columns, each with its largest-magnitude entry positive (the first such
// on a tie). work: 2*n*n f64. Returns the sweeps, or -1 without convergence.
export function eigh_f32(a: usize, n: usize, w: usize, v: usize, upper: bool, work: usize): i32 {
  const s = work, vw = work + ((n * n) << 3), rs: usize = n << 3;
  let frob: f64 = 0;
  for (let i: usize = 0; i < n; i++) {
    for (let j: usize = 0; j < n; j++) {
      const x = <f64>ldf(a, (i >= j) != upper ? i * n + j : j * n + i);
      std(s, i * n + j, x);
      std(vw, i * n + j, <f64>(i == j));
      frob += x * x;
    }
  }
  const tiny = EPS64 * EPS64 * frob;
  let sweeps: i32 = -1;
  for (let sweep: i32 = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p: usize = 0; p + 1 < n; p++) {
      for (let qq = p + 1; qq < n; qq++) {
        const app = ldd(s, p * n + p), aqq = ldd(s, qq * n + qq), apq = ldd(s, p * n + qq);
        if (apq == 0 || Math.abs(apq) <= EPS64 * Math.sqrt(Math.abs(app * aqq)) || apq * apq <= tiny) continue;
        rotated = true;
        // J with J_pp = J_qq = c, J_pq = s, J_qp = -s zeroes entry (p, q) of Jᵀ·S·J.
        const zeta = (aqq - app) / (2 * apq);
        const t = Math.abs(zeta) > 1e150
          ? 0.5 / zeta
          : (zeta >= 0 ? 1.0 : -1.0) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), sn = c * t;
        vec(ROT, s + (p << 3), s + (qq << 3), n, c, sn, rs); // columns
        vec(ROT, s + p * rs, s + qq * rs, n, c, sn); // rows
        vec(ROT, vw + (p << 3), vw + (qq << 3), n, c, sn, rs);
      }
    }
    if (!rotated) { sweeps = sweep + 1; break; }
  }
  // Ascending by selection, swapping V's columns along.
  for (let j: usize = 0; j < n; j++) {
    let best = j;
    for (let l = j + 1; l < n; l++) if (ldd(s, l * n + l) < ldd(s, best * n + best)) best = l;
    vec(SWAP, s + ((j * n + j) << 3), s + ((best * n + best) << 3), 1);
    vec(SWAP, vw + (j << 3), vw + (best << 3), n, 0, 0, rs);
    stf(w, j, <f32>ldd(s, j * n + j));
    let big: f64 = 0;
    for (let i: usize = 0; i < n; i++) { const x = ldd(vw, i * n + j); if (Math.abs(x) > Math.abs(big)) big = x; }
    if (big < 0) vec(SCALE, vw + (j << 3), vw + (j << 3), n, -1, 0, rs);
  }
  if (v != 0) for (let i: usize = 0; i < n * n; i++) stf(v, i, <f32>ldd(vw, i));
  return sweeps;
}
