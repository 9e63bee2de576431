// round32(a·b + c) for float32 a, b, c, computed exactly with BigInt: the
// reference for the kernels' fused multiply-add (torch's vec::fmadd on the CPU).
// Nothing here relies on float64 rounding, so it checks the kernels' shortcuts
// (assembly/optim.ts) rather than repeating them.

const view = new DataView(new ArrayBuffer(8));

/** x (a finite double) as an integer count of 2^-1074. */
function scaled(x: number): bigint {
  view.setFloat64(0, x);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp > 0) mant = (mant | (1n << 52n)) << BigInt(exp - 1);
  return hi >>> 31 ? -mant : mant;
}

/** N·2^-1074 rounded to the nearest float32, ties to even. */
function roundScaled(n: bigint): number {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const e = a.toString(2).length - 1 - 1074; // a·2^-1074 lies in [2^e, 2^(e+1))
  const q = Math.max(e - 23, -149); // the float32 spacing there is 2^q
  const shift = BigInt(q + 1074);
  let m = a >> shift;
  const rest = a - (m << shift), half = 1n << (shift - 1n);
  if (rest > half || (rest === half && (m & 1n) === 1n)) m += 1n;
  const r = Number(m) * 2 ** q;
  const v = r >= 2 ** 128 ? Infinity : r;
  return neg ? -v : v;
}

/** round32(a·b + c) with one rounding. a, b, c are float32 values. */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b; // exact: two 24-bit significands
  if (!Number.isFinite(p) || !Number.isFinite(c)) return Math.fround(p + c);
  const n = scaled(p) + scaled(c);
  if (n === 0n) return p + c; // the sign of an exact zero sum, as IEEE adds
  return roundScaled(n);
}
