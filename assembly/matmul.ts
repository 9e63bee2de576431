// Dense float32 matrix multiply, C = op(A) · op(B), batched.
// A is [m, k] row-major ([k, m] when transA), B is [k, n] ([n, k] when transB),
// C is [m, n]. Batch b reads A at a + b*strideA (bytes; 0 broadcasts one matrix
// over the batch), likewise B and C. Every transpose case reads its operands
// in the order they are laid out, so no copy is needed for the backward pass.

// C[i, :] = sum_p A(i, p) * B[p, :]  -- streams rows of B, SIMD across n.
@inline function rowsTimesB(a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, transA: bool): void {
  for (let i: usize = 0; i < m; i++) {
    const ci = c + i * n * 4;
    memory.fill(ci, 0, n << 2);
    for (let p: usize = 0; p < k; p++) {
      const aip = transA ? load<f32>(a + (p * m + i) * 4) : load<f32>(a + (i * k + p) * 4);
      const av = f32x4.splat(aip);
      const bp = b + p * n * 4;
      let j: usize = 0;
      for (; j + 4 <= n; j += 4) {
        v128.store(ci + (j << 2), f32x4.add(v128.load(ci + (j << 2)), f32x4.mul(av, v128.load(bp + (j << 2)))));
      }
      for (; j < n; j++) store<f32>(ci + (j << 2), load<f32>(ci + (j << 2)) + aip * load<f32>(bp + (j << 2)));
    }
  }
}

// C[i, j] = dot(A[i, :], B[j, :]) for transB with row-major A. Each dot runs
// over p in order, as BLAS's reference gemm (which torch calls) sums, so the
// bits match torch's; SIMD goes across four outputs j at a time instead.
@inline function rowDots(a: usize, b: usize, c: usize, m: usize, k: usize, n: usize): void {
  const rowBytes = k << 2;
  for (let i: usize = 0; i < m; i++) {
    const ai = a + i * rowBytes;
    let j: usize = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = b + j * rowBytes;
      let acc = f32x4.splat(0);
      for (let p: usize = 0; p < k; p++) {
        const q = b0 + (p << 2);
        let bv = f32x4.splat(load<f32>(q));
        bv = f32x4.replace_lane(bv, 1, load<f32>(q + rowBytes));
        bv = f32x4.replace_lane(bv, 2, load<f32>(q + 2 * rowBytes));
        bv = f32x4.replace_lane(bv, 3, load<f32>(q + 3 * rowBytes));
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(ai + (p << 2))), bv));
      }
      v128.store(c + (i * n + j) * 4, acc);
    }
    for (; j < n; j++) {
      const bj = b + j * rowBytes;
      let s: f32 = 0;
      for (let p: usize = 0; p < k; p++) s += load<f32>(ai + (p << 2)) * load<f32>(bj + (p << 2));
      store<f32>(c + (i * n + j) * 4, s);
    }
  }
}

// Aᵀ·Bᵀ: C[i, j] = sum_p A[p, i] * B[j, p].
@inline function bothTransposed(a: usize, b: usize, c: usize, m: usize, k: usize, n: usize): void {
  for (let i: usize = 0; i < m; i++) {
    for (let j: usize = 0; j < n; j++) {
      let s: f32 = 0;
      for (let p: usize = 0; p < k; p++) s += load<f32>(a + (p * m + i) * 4) * load<f32>(b + (j * k + p) * 4);
      store<f32>(c + (i * n + j) * 4, s);
    }
  }
}

export function matmul_f32(
  a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, transA: bool, transB: bool,
  batch: usize, strideA: usize, strideB: usize, strideC: usize,
): void {
  for (let t: usize = 0; t < batch; t++) {
    if (!transB) rowsTimesB(a, b, c, m, k, n, transA);
    else if (!transA) rowDots(a, b, c, m, k, n);
    else bothTransposed(a, b, c, m, k, n);
    a += strideA; b += strideB; c += strideC;
  }
}
