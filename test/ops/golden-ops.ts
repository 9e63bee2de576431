// Runs the torch 1.13 cases of test/fixtures/ops_<family>.json (written by
// gen_ops_<family>.py through golden_cases.py): the forward of each case and
// the gradient of each float input under the case's random upstream gradient.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tensor, scope, memoryStats, Tensor } from "../../src/index";
import { mismatches } from "../helpers/bridge";
import type { RTensor } from "../reference";

interface Enc { shape: number[]; dtype: "float32" | "int32" | "bool"; data: (number | string)[]; t?: boolean; name?: string; grad?: boolean }
export interface GoldenCase { name: string; op: string; kw: Record<string, unknown>; inputs: Enc[]; out: Enc[]; up: (Enc | null)[]; grads: Enc[] }

const num = (v: number | string) => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number));
export const decode = (e: Enc): RTensor => ({ shape: e.shape, dtype: e.dtype, data: Float64Array.from(e.data, num) });
const make = (e: Enc, grad = false): Tensor => {
  const t = tensor(e.dtype === "float32" ? Float32Array.from(e.data, num) : Int32Array.from(e.data, num), { dtype: e.dtype }).reshape(e.shape);
  return grad ? t.requiresGrad_(true) : t;
};
const lib = (t: Tensor): RTensor => ({ shape: [...t.shape], dtype: t.dtype, data: Float64Array.from(t.data()) });
/** "inf" in the options back to Infinity. */
const kwOf = (kw: Record<string, unknown>) => Object.fromEntries(Object.entries(kw).map(([k, v]) => [k, v === "inf" ? Infinity : v === "-inf" ? -Infinity : v]));

export type OpFn = (xs: Tensor[], kw: Record<string, any>) => Tensor | Tensor[] | { values: Tensor; indices: Tensor };

export function cases(file: string): GoldenCase[] {
  return JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), "utf8")).cases;
}

/** One describe block per op, one test per case. */
export function runGolden(file: string, ops: Record<string, OpFn>): void {
  const all = cases(file);
  const byOp = new Map<string, GoldenCase[]>();
  for (const c of all) if (ops[c.op]) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);
  for (const [op, cs] of byOp) {
    describe(op, () => {
      for (const c of cs) {
        it(c.name, () => {
          // run twice: the first run may allocate the library's lasting scratch blocks
          const run = () => scope(() => {
            const leaves = c.inputs.map((e) => make(e, !!e.grad));
            const used = leaves.map((l, i) => (c.inputs[i].t ? l.transpose(-1, -2) : l));
            const kw = kwOf(c.kw);
            const pos: Tensor[] = [];
            used.forEach((u, i) => (c.inputs[i].name ? (kw[c.inputs[i].name!] = u) : pos.push(u)));
            const res = ops[op](pos, kw);
            const outs = res instanceof Tensor ? [res] : Array.isArray(res) ? res : [res.values, res.indices];
            expect(outs.length, c.name).toBe(c.out.length);
            outs.forEach((o, i) => {
              const want = decode(c.out[i]);
              const tol = want.dtype === "float32" ? { atol: 1e-6, rtol: 1e-3 } : {};
              expect(mismatches(lib(o), want, tol), `${c.name} output ${i}`).toEqual([]);
            });
            if (c.grads.length === 0) return;
            let total: Tensor | null = null;
            outs.forEach((o, i) => {
              const u = c.up[i];
              if (!u) return;
              const term = o.mul(make(u)).sum();
              total = total ? total.add(term) : term;
            });
            if (total) (total as Tensor).backward();
            let gi = 0;
            leaves.forEach((l, i) => {
              if (!c.inputs[i].grad) return;
              const want = decode(c.grads[gi++]);
              const got = l.grad ? lib(l.grad) : { ...want, data: want.data.map(() => 0) };
              l.grad?.dispose(); // gradients belong to their leaf, not to the scope
              expect(mismatches(got, want, { atol: 1e-4, rtol: 1e-3 }), `${c.name} gradient of input ${i}`).toEqual([]);
            });
          });
          run();
          const before = memoryStats().bytesInUse;
          run();
          expect(memoryStats().bytesInUse, "no memory kept").toBeLessThanOrEqual(before);
        });
      }
    });
  }
}
