// Plain-TS references of the joining, splitting and indexing ops, in float64:
// each output element computed from its multi-index by the definition, no
// strides shared with the library. For the kernel tests and the finite-
// difference gradchecks of test/ops/join.test.ts and test/ops/indexing.test.ts.
import * as R from "../reference";
import type { RTensor } from "../reference";

const nd = (d: number, n: number) => (d < 0 ? d + Math.max(n, 1) : d);

/** A tensor of `shape` whose element at each multi-index is f(index). */
export function build(shape: readonly number[], f: (idx: number[]) => number, dtype: RTensor["dtype"] = "float32"): RTensor {
  const n = R.numel(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = f(R.unravel(i, shape));
  return { shape: [...shape], data, dtype };
}

export function at(x: RTensor, idx: readonly number[]): number {
  const s = R.stridesOf(x.shape);
  let o = 0;
  idx.forEach((v, d) => (o += v * s[d]));
  return x.data[o];
}

export function cat(xs: RTensor[], dim: number): RTensor {
  const parts = xs.filter((x) => !(x.shape.length === 1 && x.shape[0] === 0));
  if (parts.length === 0) return R.make([0], []);
  const d = nd(dim, parts[0].shape.length);
  const shape = [...parts[0].shape];
  shape[d] = parts.reduce((a, x) => a + x.shape[d], 0);
  return build(shape, (idx) => {
    let i = idx[d];
    for (const x of parts) {
      if (i < x.shape[d]) return at(x, idx.map((v, k) => (k === d ? i : v)));
      i -= x.shape[d];
    }
    throw new Error("unreachable");
  });
}

export function narrow(x: RTensor, dim: number, start: number, len: number): RTensor {
  const d = nd(dim, x.shape.length);
  const shape = [...x.shape];
  shape[d] = len;
  return build(shape, (idx) => at(x, idx.map((v, k) => (k === d ? v + start : v))));
}

export function flip(x: RTensor, dims: number[]): RTensor {
  const ds = dims.map((d) => nd(d, x.shape.length));
  return build(x.shape, (idx) => at(x, idx.map((v, k) => (ds.includes(k) ? x.shape[k] - 1 - v : v))));
}

export function repeat(x: RTensor, reps: number[]): RTensor {
  const lead = reps.length - x.shape.length;
  const xs = [...new Array(lead).fill(1), ...x.shape];
  const y = R.reshape(x, xs);
  return build(xs.map((s, i) => s * reps[i]), (idx) => at(y, idx.map((v, k) => v % xs[k])));
}

export function tri(x: RTensor, k: number, upper: boolean): RTensor {
  const n = x.shape.length;
  return build(x.shape, (idx) => {
    const keep = upper ? idx[n - 1] - idx[n - 2] >= k : idx[n - 1] - idx[n - 2] <= k;
    return keep ? at(x, idx) : 0;
  });
}

export function glu(x: RTensor, dim: number): RTensor {
  const d = nd(dim, x.shape.length);
  const h = x.shape[d] / 2;
  const shape = [...x.shape];
  shape[d] = h;
  return build(shape, (idx) => {
    const a = at(x, idx), b = at(x, idx.map((v, k) => (k === d ? v + h : v)));
    return a / (1 + Math.exp(-b));
  });
}

/** torch's basic indexing, entry by entry (numbers, null, [start, stop, step], "...", "newaxis"). */
export function slice(x: RTensor, entries: unknown[]): RTensor {
  const named = entries.filter((e) => e !== "..." && e !== "newaxis").length;
  const plan: ({ kind: "int"; d: number; i: number } | { kind: "range"; d: number; a: number; n: number; s: number } | { kind: "new" })[] = [];
  let d = 0;
  const range = (dd: number, e: (number | null)[] | null) => {
    const n = x.shape[dd];
    const [a0, b0, s0] = e ?? [];
    const c = (p: number | null | undefined, df: number) => (p == null ? df : Math.min(Math.max(p < 0 ? p + n : p, 0), n));
    const a = c(a0, 0), b = c(b0, n), s = s0 ?? 1;
    plan.push({ kind: "range", d: dd, a, n: b > a ? Math.ceil((b - a) / s) : 0, s });
  };
  for (const e of entries) {
    if (e === "newaxis") plan.push({ kind: "new" });
    else if (e === "...") for (const end = d + x.shape.length - named; d < end; d++) range(d, null);
    else if (typeof e === "number") plan.push({ kind: "int", d, i: e < 0 ? e + x.shape[d++] : (d++, e) });
    else range(d++, e as (number | null)[] | null);
  }
  for (; d < x.shape.length; d++) range(d, null);
  const shape = plan.filter((p) => p.kind !== "int").map((p) => (p.kind === "new" ? 1 : (p as { n: number }).n));
  return build(shape, (idx) => {
    const src = new Array<number>(x.shape.length);
    let j = 0;
    for (const p of plan) {
      if (p.kind === "int") src[p.d] = p.i;
      else if (p.kind === "new") j++;
      else src[p.d] = p.a + p.s * idx[j++];
    }
    return at(x, src);
  });
}

export function gather(x: RTensor, dim: number, index: RTensor): RTensor {
  const d = nd(dim, x.shape.length);
  return build(index.shape, (idx) => at(x, idx.map((v, k) => (k === d ? at(index, idx) : v))));
}

/** scatter (add false) or scatterAdd of src (a tensor or a number) into a copy of x, in index order. */
export function scatter(x: RTensor, dim: number, index: RTensor, src: RTensor | number, add = false): RTensor {
  const d = nd(dim, x.shape.length);
  const out = { ...x, data: x.data.slice() };
  const s = R.stridesOf(x.shape);
  for (let i = 0; i < index.data.length; i++) {
    const idx = R.unravel(i, index.shape);
    let o = 0;
    idx.forEach((v, k) => (o += (k === d ? index.data[i] : v) * s[k]));
    const v = typeof src === "number" ? src : at(src, idx);
    out.data[o] = add ? out.data[o] + v : v;
  }
  return out;
}

export function indexAdd(x: RTensor, dim: number, index: number[], source: RTensor, alpha: number): RTensor {
  const d = nd(dim, x.shape.length);
  const out = { ...x, data: x.data.slice() };
  const s = R.stridesOf(x.shape);
  for (let i = 0; i < source.data.length; i++) {
    const idx = R.unravel(i, source.shape);
    let o = 0;
    idx.forEach((v, k) => (o += (k === d ? index[v] : v) * s[k]));
    out.data[o] += alpha * source.data[i];
  }
  return out;
}

export function maskedFill(x: RTensor, mask: RTensor, value: number): RTensor {
  const shape = R.broadcastShapes(x.shape, mask.shape);
  const bx = R.expand(x, shape), bm = R.expand(mask, shape);
  return { shape, data: bx.data.map((v, i) => (bm.data[i] ? value : v)), dtype: x.dtype };
}
