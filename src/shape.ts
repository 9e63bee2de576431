// Shapes: validation, broadcasting and the stride bookkeeping the kernels take.

export type Shape = readonly number[];

/** WebAssembly (wasm32) addresses at most 4 GiB. */
const MAX_BYTES = 2 ** 32;

export function numel(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function fmt(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/**
 * Normalizes the size arguments of a factory: `rand(2, 3)`, `rand([2, 3])`
 * and `rand()` (a 0-d tensor). Every size must be a non-negative integer.
 */
export function parseSize(op: string, args: readonly unknown[]): number[] {
  const dims = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : (args as unknown[]);
  for (const d of dims) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new TypeError(
        `${op}: sizes must be non-negative integers, got [${dims.map((x) => (typeof x === "string" ? JSON.stringify(x) : String(x))).join(", ")}]`,
      );
    }
  }
  const n = numel(dims as number[]);
  if (n * 4 > MAX_BYTES) {
    throw new RangeError(
      `${op}: a tensor of shape ${fmt(dims as number[])} needs ${n * 4} bytes (${n} elements of 4 bytes), ` +
        "more than the 4 GiB WebAssembly memory can address",
    );
  }
  return dims as number[];
}

/** A dim index in [-ndim, ndim) made non-negative; `ndim` 0 accepts -1 and 0 like torch. */
export function normDim(op: string, dim: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`${op}: dim ${dim} is out of range for a tensor of ${ndim} dims (expected -${n} <= dim < ${n})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** torch broadcasting: align trailing dims; each pair equal or one of them 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): Shape {
  if (sameShape(a, b)) return a;
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1;
    const db = b[b.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (dim ${i - nd}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Row-major element strides of a contiguous tensor of `shape`. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** A view of one dim: [outer, len, inner] elements (the whole tensor as one row when d is null). */
export function rows(shape: Shape, d: number | null): [number, number, number] {
  if (d === null || shape.length === 0) return [1, shape.length === 0 ? 1 : numel(shape), 1];
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= shape[i];
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[d], inner];
}

/** Row-major element strides of `shape` seen from `outShape` (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const nd = outShape.length;
  const strides = new Array<number>(nd).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = nd - shape.length + i;
    strides[j] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Merges adjacent dims that every operand walks contiguously, and drops dims
 * of size 1, so a kernel's odometer runs over as few dims as possible.
 * Returns the collapsed shape and one stride list per operand (at least one dim).
 */
export function collapse(shape: Shape, strides: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => (outStrides[k][last] = s[d]));
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [1]) };
  return { shape: outShape, strides: outStrides };
}
