// Joining, splitting and indexing: copies between strided views of contiguous
// blocks (slices, flips, diagonals, concatenation, repeats), the index walks of
// gather/scatter/indexAdd, and masks. Every element is 4 bytes, so the copies
// serve every dtype.
//
// `meta` is the block src/ops/dispatch.ts writeMeta() fills: shape[nd], then
// one stride list (in elements, possibly negative or 0) per operand, then nd
// counters for the odometer. The last dim is walked by an inner loop.

// The odometer over dims 0 .. nd-2 (the last dim is each kernel's inner loop):
// nd counters, then each operand's offset at the current row, kept up to date
// step by step so that a row costs O(1) however many dims there are.
@inline function counters(meta: usize, nd: i32, ops: i32): usize {
  return meta + ((<usize>nd * <usize>(ops + 1)) << 2);
}

// Number of rows the odometer visits (the product of all dims but the last); zeroes the counters and offsets.
function rows(meta: usize, nd: i32, ops: i32): usize {
  const ctr = counters(meta, nd, ops);
  let n: usize = 1;
  for (let d = 0; d < nd - 1; d++) { n *= <usize>load<i32>(meta + (<usize>d << 2)); store<i32>(ctr + (<usize>d << 2), 0); }
  for (let k = 0; k < ops; k++) store<i32>(ctr + (<usize>(nd + k) << 2), 0);
  return n;
}

// Moves the odometer to the next row: each operand's offset steps along the dim that
// advances, and back to the start of the dims that wrap.
@inline function advance(meta: usize, nd: i32, ops: i32): void {
  const ctr = counters(meta, nd, ops);
  for (let d = nd - 2; d >= 0; d--) {
    const p = ctr + (<usize>d << 2);
    const c = load<i32>(p) + 1;
    const more = c < load<i32>(meta + (<usize>d << 2));
    for (let k = 0; k < ops; k++) {
      const s = load<i32>(meta + (<usize>(nd * (k + 1) + d) << 2)), q = ctr + (<usize>(nd + k) << 2);
      store<i32>(q, load<i32>(q) + (more ? s : s * (1 - c)));
    }
    if (more) { store<i32>(p, c); return; }
    store<i32>(p, 0);
  }
}

// Operand k's offset (elements) at the odometer's row.
@inline function offset(meta: usize, nd: i32, ops: i32, k: i32): i32 {
  return load<i32>(counters(meta, nd, ops) + (<usize>(nd + k) << 2));
}

// Operand k's stride along the last dim.
function inner(meta: usize, nd: i32, k: i32): i32 {
  return load<i32>(meta + ((<usize>(nd * (k + 1) + nd - 1)) << 2));
}

// dst view = src view (shape[nd] | srcStride | dstStride | ctr). Either may be strided, flipped (negative
// strides) or broadcast (src stride 0); pointers are those of each view's first element.
export function copy_view32(src: usize, dst: usize, nd: i32, meta: usize): void {
  const n = <usize>load<i32>(meta + (<usize>(nd - 1) << 2));
  const si = inner(meta, nd, 0), di = inner(meta, nd, 1);
  for (let r = rows(meta, nd, 2); r > 0; r--) {
    const s = src + (<usize>offset(meta, nd, 2, 0) << 2), d = dst + (<usize>offset(meta, nd, 2, 1) << 2);
    if (si == 1 && di == 1) memory.copy(d, s, n << 2);
    else for (let i: usize = 0; i < n; i++) store<i32>(d + ((i * di) << 2), load<i32>(s + ((i * si) << 2)));
    advance(meta, nd, 2);
  }
}

// Walks shape (shape | aStride | bStride | idxStride | ctr) with i = idx[.], checked 0 <= i < len, and
//   mode 0 (gather):   b[.] = a[. + i*ds]
//   mode 1 (scatter):  a[. + i*ds] = b[.]
//   mode 2, 3, 4 (scatter add): a[. + i*ds] += b[.] as f32, i32, bool (or).
// An index out of range is skipped; returns the position (elements from idx) of the first, or -1.
export function index_walk32(mode: i32, a: usize, b: usize, idx: usize, nd: i32, meta: usize, ds: i32, len: i32): i32 {
  const n = <usize>load<i32>(meta + (<usize>(nd - 1) << 2));
  const as = inner(meta, nd, 0), bs = inner(meta, nd, 1), xs = inner(meta, nd, 2);
  let bad: i32 = -1;
  for (let r = rows(meta, nd, 3); r > 0; r--) {
    const ao = offset(meta, nd, 3, 0), bo = offset(meta, nd, 3, 1), xo = offset(meta, nd, 3, 2);
    for (let j: i32 = 0; j < <i32>n; j++) {
      const ip = xo + j * xs;
      const i = load<i32>(idx + (<usize>ip << 2));
      if (<u32>i >= <u32>len) { if (bad < 0) bad = ip; continue; }
      const pa = a + (<usize>(ao + j * as + i * ds) << 2), pb = b + (<usize>(bo + j * bs) << 2);
      if (mode == 0) store<i32>(pb, load<i32>(pa));
      else if (mode == 1) store<i32>(pa, load<i32>(pb));
      else if (mode == 2) store<f32>(pa, load<f32>(pa) + load<f32>(pb));
      else if (mode == 3) store<i32>(pa, load<i32>(pa) + load<i32>(pb));
      else store<i32>(pa, load<i32>(pa) | load<i32>(pb));
    }
    advance(meta, nd, 3);
  }
  return bad;
}

// tril (upper false) or triu of each r x c matrix: keeps j <= i + k (tril) or j >= i + k (triu), zeroes the rest.
export function tri32(src: usize, dst: usize, batch: usize, r: i32, c: i32, k: i32, upper: bool): void {
  const rowBytes = <usize>c << 2;
  for (let t: usize = 0; t < batch; t++) {
    for (let i: i32 = 0; i < r; i++) {
      // columns [0, e) go one way, [e, c) the other
      const e = <usize>min(max(upper ? i + k : i + k + 1, 0), c);
      const keep0 = upper ? e : 0, keep1 = upper ? <usize>c : e;
      memory.fill(dst, 0, rowBytes);
      memory.copy(dst + (keep0 << 2), src + (keep0 << 2), (keep1 - keep0) << 2);
      src += rowBytes;
      dst += rowBytes;
    }
  }
}
