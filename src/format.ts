/**
 * Tensor pretty-printing that reproduces PyTorch 1.13's `repr(tensor)`
 * (torch/_tensor_str.py) character for character.
 *
 * Pure module: no imports from the rest of the project.
 *
 * Dtype mapping to torch:
 *   - 'float32' prints as torch.float32 (torch's default dtype: no suffix)
 *   - 'int32'   prints as torch.int64   (torch's default integer type: no suffix)
 *   - 'bool'    prints as torch.bool    (values are 0/1)
 *
 * Float formatting reproduces Python's `'{:.Nf}'` / `'{:.Ne}'` exactly
 * (correct rounding of the exact binary value, ties to even, exponent with
 * sign and at least two digits) using BigInt arithmetic.
 */

export type DType = 'float32' | 'int32' | 'bool';

export interface PrintOptions {
  precision: number;
  threshold: number;
  edgeitems: number;
  linewidth: number;
  sciMode: boolean | null;
}

export interface FormatInfo {
  requiresGrad?: boolean;
  /** Name of the grad_fn node, e.g. 'MulBackward0'. Takes precedence over requiresGrad. */
  gradFn?: string;
}

const PRINT_OPTS: PrintOptions = {
  precision: 4,
  threshold: 1000,
  edgeitems: 3,
  linewidth: 80,
  sciMode: null,
};

/** torch's print profiles: every option but sciMode. */
const PROFILES: Record<string, Omit<PrintOptions, 'sciMode'>> = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};

/**
 * Same semantics as torch.set_printoptions: the profile (if any) is applied
 * first, then every explicitly given option. Like torch, `sciMode` is always
 * reset — to null when it is not given.
 */
export function setPrintOptions(
  opts: Partial<PrintOptions> & { profile?: 'default' | 'short' | 'full' },
): void {
  if (opts.profile !== undefined) Object.assign(PRINT_OPTS, PROFILES[opts.profile]);
  for (const key of ['precision', 'threshold', 'edgeitems', 'linewidth'] as const) {
    const v = opts[key];
    if (v !== undefined && v !== null) PRINT_OPTS[key] = v;
  }
  PRINT_OPTS.sciMode = opts.sciMode === undefined ? null : opts.sciMode;
}

export function getPrintOptions(): PrintOptions {
  return { ...PRINT_OPTS };
}

// ---------------------------------------------------------------------------
// Python-compatible float formatting
// ---------------------------------------------------------------------------

const B0 = BigInt(0);
const B1 = BigInt(1);
const B2 = BigInt(2);
const B10 = BigInt(10);
const B32 = BigInt(32);
const B52 = BigInt(52);

const f64view = new DataView(new ArrayBuffer(8));

/** Exact decomposition of a finite double: |x| = mant * 2^exp. */
function decompose(x: number): { neg: boolean; mant: bigint; exp: number } {
  f64view.setFloat64(0, x);
  const hi = f64view.getUint32(0);
  const lo = f64view.getUint32(4);
  const neg = hi >>> 31 === 1;
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << B32) | BigInt(lo);
  let exp: number;
  if (bexp === 0) {
    exp = -1074;
  } else {
    mant |= B1 << B52;
    exp = bexp - 1075;
  }
  return { neg, mant, exp };
}

const pow10Cache: bigint[] = [B1];
function pow10(n: number): bigint {
  while (pow10Cache.length <= n) pow10Cache.push(pow10Cache[pow10Cache.length - 1] * B10);
  return pow10Cache[n];
}

/** num/den rounded to nearest, ties to even (num, den > 0). */
function roundDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = (num - q * den) * B2;
  if (r2 > den || (r2 === den && (q & B1) === B1)) return q + B1;
  return q;
}

function nonFinite(x: number): string | null {
  if (Number.isNaN(x)) return 'nan'; // Python prints 'nan' whatever the sign bit
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return null;
}

/** Python's `'{:.{p}f}'.format(x)` for a float (double) x. */
export function pyFormatFixed(x: number, p: number): string {
  const nf = nonFinite(x);
  if (nf !== null) return nf;
  const { neg, mant, exp } = decompose(x);
  let q: bigint;
  if (exp >= 0) q = (mant << BigInt(exp)) * pow10(p);
  else q = roundDiv(mant * pow10(p), B1 << BigInt(-exp));
  let s = q.toString();
  if (p > 0) {
    s = s.padStart(p + 1, '0');
    s = s.slice(0, s.length - p) + '.' + s.slice(s.length - p);
  }
  return (neg ? '-' : '') + s;
}

/** Python's `'{:.{p}e}'.format(x)` for a float (double) x. */
export function pyFormatExp(x: number, p: number): string {
  const nf = nonFinite(x);
  if (nf !== null) return nf;
  const { neg, mant, exp } = decompose(x);
  let digits: string;
  let e10: number;
  if (mant === B0) {
    digits = '0'.repeat(p + 1);
    e10 = 0;
  } else {
    const N = exp >= 0 ? mant << BigInt(exp) : mant;
    const D = exp >= 0 ? B1 : B1 << BigInt(-exp);
    e10 = Math.floor(Math.log10(Math.abs(x)));
    const lo = pow10(p);
    const hi = pow10(p + 1);
    let q = B0;
    for (let iter = 0; iter < 8; iter++) {
      const shift = e10 - p;
      q = shift >= 0 ? roundDiv(N, D * pow10(shift)) : roundDiv(N * pow10(-shift), D);
      if (q >= hi) e10 += 1;
      else if (q < lo) e10 -= 1;
      else break;
    }
    digits = q.toString();
  }
  const m = p > 0 ? digits[0] + '.' + digits.slice(1) : digits;
  const ae = Math.abs(e10);
  const es = (e10 < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
  return (neg ? '-' : '') + m + 'e' + es;
}

// ---------------------------------------------------------------------------
// _Formatter
// ---------------------------------------------------------------------------

function plainStr(v: number, dtype: DType): string {
  // Python's "{}".format(int | bool)
  if (dtype === 'bool') return v ? 'True' : 'False';
  return String(Math.trunc(v));
}

class Formatter {
  readonly #floating: boolean;
  #intMode = true;
  #sciMode = false;
  #maxWidth = 1;
  readonly #dtype: DType;

  constructor(values: readonly number[], dtype: DType) {
    this.#dtype = dtype;
    this.#floating = dtype === 'float32';
    let measured = values;
    if (this.#floating) {
      const nz = values.filter((v) => Number.isFinite(v) && v !== 0);
      if (nz.length === 0) return; // no valid number; note: sci_mode option NOT applied (as in torch)

      let mn = Infinity;
      let mx = 0;
      for (const v of nz) {
        const a = Math.abs(v);
        if (a < mn) mn = a;
        if (a > mx) mx = a;
      }
      this.#intMode = nz.every((v) => v === Math.ceil(v));
      this.#sciMode = mx / mn > 1000.0 || mx > 1.0e8 || (!this.#intMode && mn < 1.0e-4);
      measured = nz;
    }
    for (const v of measured) this.#maxWidth = Math.max(this.#maxWidth, this.#text(v).length);

    if (PRINT_OPTS.sciMode !== null) this.#sciMode = PRINT_OPTS.sciMode;
  }

  width(): number {
    return this.#maxWidth;
  }

  /** v as the mode prints it, unpadded. */
  #text(v: number): string {
    if (!this.#floating) return plainStr(v, this.#dtype);
    if (this.#sciMode) return pyFormatExp(v, PRINT_OPTS.precision);
    if (this.#intMode) return pyFormatFixed(v, 0) + (Number.isFinite(v) ? '.' : '');
    return pyFormatFixed(v, PRINT_OPTS.precision);
  }

  format(v: number): string {
    return this.#text(v).padStart(this.#maxWidth);
  }
}

// ---------------------------------------------------------------------------
// Python slicing helpers (to reproduce self[:e] / self[-e:] exactly)
// ---------------------------------------------------------------------------

function normIndex(i: number, n: number): number {
  if (i < 0) {
    i += n;
    if (i < 0) i = 0;
  } else if (i > n) {
    i = n;
  }
  return i;
}

/** Indices of python `seq[start:stop]` for a sequence of length n. */
function pySlice(start: number, stop: number, n: number): number[] {
  return pyRange(normIndex(start, n), normIndex(stop, n));
}

/** Indices of python `range(a, b)`. */
function pyRange(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

/**
 * The indices of a dim of `size` that are printed: all of them, or when summarized the
 * first and last edgeitems with a null for the gap between, as torch takes them:
 * self[:e] and self[-e:] (Python slices) on the last dim, range() on the others.
 */
function shownIndices(size: number, summarize: boolean, last: boolean): (number | null)[] {
  const e = PRINT_OPTS.edgeitems;
  if (!summarize || size <= 2 * e) return pyRange(0, size);
  return last ? [...pySlice(0, e, size), null, ...pySlice(-e, size, size)] : [...pyRange(0, e), null, ...pyRange(size - e, size)];
}

// ---------------------------------------------------------------------------
// Tensor walk
// ---------------------------------------------------------------------------

class View {
  readonly strides: number[];
  constructor(
    readonly data: ArrayLike<number>,
    readonly shape: readonly number[],
    readonly conv: (v: number) => number,
  ) {
    this.strides = new Array(shape.length);
    let s = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      this.strides[d] = s;
      s *= shape[d];
    }
  }
  at(offset: number): number {
    return this.conv(this.data[offset]);
  }
}

/** The values printed: all of them, or when summarized those of get_summarized_data(self) (order irrelevant for the formatter). */
function shownValues(v: View, offset: number, d: number, summarize: boolean, out: number[]): void {
  const nd = v.shape.length - d;
  if (nd === 0) {
    out.push(v.at(offset));
    return;
  }
  const stride = v.strides[d];
  const idx = shownIndices(v.shape[d], summarize, nd === 1).filter((i) => i !== null);
  if (nd > 1 && idx.length === 0) throw new Error('stack expects a non-empty TensorList');
  for (const i of idx) shownValues(v, offset + i * stride, d + 1, summarize, out);
}

function vectorStr(v: View, offset: number, indent: number, summarize: boolean, fmt: Formatter): string {
  const d = v.shape.length - 1;
  const size = v.shape[d];
  const stride = v.strides[d];
  const elementLength = fmt.width() + 2;
  const elementsPerLine = Math.max(1, Math.floor((PRINT_OPTS.linewidth - indent) / elementLength));

  const data = shownIndices(size, summarize, true).map((i) => (i === null ? ' ...' : fmt.format(v.at(offset + i * stride))));
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += elementsPerLine) {
    lines.push(data.slice(i, i + elementsPerLine).join(', '));
  }
  return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
}

function tensorStrWithFormatter(
  v: View,
  offset: number,
  d: number,
  indent: number,
  summarize: boolean,
  fmt: Formatter,
): string {
  const nd = v.shape.length - d;
  if (nd === 0) return fmt.format(v.at(offset));
  if (nd === 1) return vectorStr(v, offset, indent, summarize, fmt);

  const stride = v.strides[d];
  const slices = shownIndices(v.shape[d], summarize, false).map((i) =>
    i === null ? '...' : tensorStrWithFormatter(v, offset + i * stride, d + 1, indent + 1, summarize, fmt),
  );
  return '[' + slices.join(',' + '\n'.repeat(nd - 1) + ' '.repeat(indent + 1)) + ']';
}

function addSuffixes(tensorStr: string, suffixes: string[], indent: number): string {
  const parts = [tensorStr];
  let lastLineLen = tensorStr.length - tensorStr.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    const suffixLen = suffix.length;
    if (lastLineLen + suffixLen + 2 > PRINT_OPTS.linewidth) {
      parts.push(',\n' + ' '.repeat(indent) + suffix);
      lastLineLen = indent + suffixLen;
    } else {
      parts.push(', ' + suffix);
      lastLineLen += suffixLen + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

function pyTupleStr(shape: readonly number[]): string {
  if (shape.length === 1) return '(' + shape[0] + ',)';
  return '(' + shape.join(', ') + ')';
}

const TORCH_DTYPE_NAME: Record<DType, string> = {
  float32: 'torch.float32',
  int32: 'torch.int64',
  bool: 'torch.bool',
};

/**
 * Render a tensor exactly as PyTorch 1.13's repr() would.
 *
 * @param data  row-major contiguous elements (float32 values are rounded with
 *              Math.fround; bool values are 0/1)
 * @param shape tensor shape ([] for a 0-d tensor)
 */
export function formatTensor(
  data: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
  info: FormatInfo = {},
): string {
  let numel = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new Error(`formatTensor: invalid shape ${pyTupleStr(shape)}`);
    numel *= s;
  }
  if (data.length < numel) {
    throw new Error(`formatTensor: data has ${data.length} elements, shape ${pyTupleStr(shape)} needs ${numel}`);
  }

  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  let tensorStr: string;

  if (numel === 0) {
    if (shape.length !== 1) suffixes.push('size=' + pyTupleStr(shape));
    if (dtype !== 'float32') suffixes.push('dtype=' + TORCH_DTYPE_NAME[dtype]);
    tensorStr = '[]';
  } else {
    // (a bool's value needs no conversion: plainStr prints any nonzero as True)
    const conv = dtype === 'float32' ? Math.fround : (x: number) => x;
    const view = new View(data, shape, conv);
    const summarize = numel > PRINT_OPTS.threshold;
    const values: number[] = [];
    shownValues(view, 0, 0, summarize, values);
    const fmt = new Formatter(values, dtype);
    tensorStr = tensorStrWithFormatter(view, 0, 0, indent, summarize, fmt);
  }

  if (info.gradFn !== undefined && info.gradFn !== null) suffixes.push('grad_fn=<' + info.gradFn + '>');
  else if (info.requiresGrad) suffixes.push('requires_grad=True');

  return addSuffixes(prefix + tensorStr, suffixes, indent);
}
