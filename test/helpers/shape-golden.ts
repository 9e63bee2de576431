// The golden cases of the joining, splitting and indexing ops
// (test/fixtures/ops_shape.json, from gen_ops_shape.py): builds each case's
// inputs, runs the op, and compares the outputs and the gradients of the loss
// Σ (out_i * up_i).sum() with PyTorch's.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import fc from "fast-check";
import * as wg from "../../src/index";
import type { Tensor } from "../../src/index";
import { fromLib, mismatches } from "./bridge";
import type { RDType, RTensor } from "../reference";

type Num = number | "nan";
export interface GoldenInput { shape: number[]; dtype: RDType; grad: boolean; t: [number, number] | null; data: Num[] }
export interface GoldenCase {
  op: string;
  args: Record<string, any>;
  inputs: GoldenInput[];
  out: { shape: number[]; dtype: RDType; data: Num[] }[];
  list: boolean;
  up?: (Num[] | null)[];
  grads?: (Num[] | null)[];
}
export type OpFn = (xs: Tensor[], args: Record<string, any>) => Tensor | Tensor[];

const cases: GoldenCase[] = JSON.parse(readFileSync(new URL("../fixtures/ops_shape.json", import.meta.url), "utf8")).cases;

export function goldenCases(op: string): GoldenCase[] {
  return cases.filter((c) => c.op === op);
}

const nums = (d: Num[]) => Float64Array.from(d, (v) => (v === "nan" ? NaN : v));
const r = (shape: number[], d: Num[], dtype: RDType): RTensor => ({ shape, data: nums(d), dtype });

/** Runs one golden case through `fn` (in a scope) and asserts its outputs and gradients. */
export function checkGolden(c: GoldenCase, fn: OpFn): void {
  const what = `${c.op} ${JSON.stringify(c.args)} on ${c.inputs.map((i) => `[${i.shape}]${i.t ? "ᵀ" : ""}`).join(", ")}`;
  wg.scope(() => {
    const leaves = c.inputs.map((i) => {
      const t = wg.tensor(nums(i.data), { dtype: i.dtype }).reshape(i.shape);
      return i.grad ? t.requiresGrad_(true) : t;
    });
    const xs = leaves.map((l, k) => (c.inputs[k].t ? l.transpose(...c.inputs[k].t!) : l));
    const y = fn(xs, c.args);
    const ys = Array.isArray(y) ? y : [y];
    expect(ys.length, what).toBe(c.out.length);
    ys.forEach((t, k) => {
      const want = c.out[k];
      const got: RTensor = { shape: [...t.shape], data: Float64Array.from(t.data()), dtype: t.dtype as RDType };
      expect(mismatches(got, r(want.shape, want.data, want.dtype), { atol: 1e-6, rtol: 1e-3 }), `${what} output ${k}`).toEqual([]);
    });
    if (!c.grads) return;
    let loss: Tensor | null = null;
    ys.forEach((t, k) => {
      if (!t.requiresGrad) return;
      const term = t.mul(wg.tensor(nums(c.up![k]!)).reshape([...t.shape])).sum();
      loss = loss ? loss.add(term) : term;
    });
    loss!.backward();
    leaves.forEach((l, k) => {
      const want = c.grads![k];
      if (!want) {
        expect(l.grad, `${what}: input ${k} should get no gradient`).toBeNull();
        return;
      }
      const g = l.grad ?? wg.zeros(l.shape);
      const got: RTensor = { shape: [...g.shape], data: Float64Array.from(g.data()), dtype: "float32" };
      expect(mismatches(got, r(c.inputs[k].shape, want, "float32"), { atol: 1e-4, rtol: 1e-3 }), `${what} grad ${k}`).toEqual([]);
      l.grad?.dispose();
    });
  });
}

/** One it() over the golden cases of `op`, which must exist. */
export function golden(op: string, fn: OpFn): void {
  const cs = goldenCases(op);
  it(`matches torch on ${cs.length} golden cases`, () => {
    expect(cs.length).toBeGreaterThan(0);
    for (const c of cs) checkGolden(c, fn);
  });
}

/** The library op on random inputs against the reference, exactly (these ops move values), in a scope. */
export function prop<T>(arb: fc.Arbitrary<T>, body: (v: T) => [Tensor, RTensor], seed: number, runs = 40): void {
  fc.assert(
    fc.property(arb, (v) => {
      wg.scope(() => {
        const [got, want] = body(v);
        expect(mismatches(fromLib(got), want)).toEqual([]);
      });
    }),
    { seed, numRuns: runs },
  );
}

export const shapeArb = (min = 0, max = 4) => fc.array(fc.integer({ min: 0, max: 4 }), { minLength: min, maxLength: max });
export const seedArb = fc.integer({ min: 0, max: 0x7fffffff });
