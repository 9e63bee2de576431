// Matrix transposes of 32-bit elements: the 4x4 register transpose that GEMM's
// packing also uses, and the copy behind t(), .T and transpose(-2, -1).

// Rows r0..r3 (ld bytes apart) of 4 consecutive 32-bit values, written transposed:
// column q goes to dst + q*ds. (Shuffles move bits, so any 32-bit data will do.)
@inline export function transpose4(src: usize, ld: usize, dst: usize, ds: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + ld), r2 = v128.load(src + 2 * ld), r3 = v128.load(src + 3 * ld);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + ds, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * ds, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * ds, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

const BLOCK: usize = 16;

// dst[t, j, i] = src[t, i, j] for t < batch, i < r, j < c (both contiguous).
// Blocks of 16 x 16 keep the lines being read and written in L1 while their 4x4
// tiles are transposed in registers; a strided copy element by element is ~3x slower.
export function transpose32(src: usize, dst: usize, batch: usize, r: usize, c: usize): void {
  const ls = c << 2, ld = r << 2; // bytes per row of src, of dst
  for (let t: usize = 0; t < batch; t++) {
    for (let i0: usize = 0; i0 < r; i0 += BLOCK) {
      const i1 = min(r, i0 + BLOCK);
      for (let j0: usize = 0; j0 < c; j0 += BLOCK) {
        const j1 = min(c, j0 + BLOCK);
        let i = i0;
        for (; i + 4 <= i1; i += 4) {
          let j = j0;
          for (; j + 4 <= j1; j += 4) transpose4(src + i * ls + (j << 2), ls, dst + j * ld + (i << 2), ld);
          for (; j < j1; j++) {
            for (let q = i; q < i + 4; q++) store<u32>(dst + j * ld + (q << 2), load<u32>(src + q * ls + (j << 2)));
          }
        }
        for (; i < i1; i++) {
          for (let j = j0; j < j1; j++) store<u32>(dst + j * ld + (i << 2), load<u32>(src + i * ls + (j << 2)));
        }
      }
    }
    src += r * ls;
    dst += c * ld;
  }
}
