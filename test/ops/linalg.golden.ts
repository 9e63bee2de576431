// Runs a case of test/fixtures/ops_linalg.json (gen_ops_linalg.py): the inputs
// as leaves (transposed where the generator transposed them), the op's views,
// their values against torch's, then backward under torch's upstream gradients
// and every input's gradient against torch's.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { tensor, scope, type Tensor } from "../../src/index";
import { fromLib, mismatches } from "../helpers/bridge";
import * as R from "../reference";

export interface GoldenCase {
  op: string;
  name: string;
  options: Record<string, unknown>;
  inputs: { shape: number[]; data: number[]; T: boolean }[];
  outputs: Record<string, { shape: number[]; data: number[] }>;
  upstream?: Record<string, number[]>;
  grads?: (number[] | null)[];
}

export const linalgCases: GoldenCase[] = JSON.parse(
  readFileSync(new URL("../fixtures/ops_linalg.json", import.meta.url), "utf8"),
).cases;

export const casesOf = (...ops: string[]): GoldenCase[] => linalgCases.filter((c) => ops.includes(c.op));

const FWD = { atol: 1e-5, rtol: 1e-4 };
const GRAD = { atol: 1e-4, rtol: 1e-3 };

export function checkGolden(c: GoldenCase, views: (xs: Tensor[], o: any) => Record<string, Tensor>, fwd = FWD, grad = GRAD): void {
  scope(() => {
    const leaves = c.inputs.map((x) => tensor(Float32Array.from(x.data)).reshape(x.shape).requiresGrad_(c.grads !== undefined));
    const used = leaves.map((x, i) => (c.inputs[i].T ? x.transpose(-2, -1) : x));
    const outs = views(used, c.options);
    for (const [key, want] of Object.entries(c.outputs)) {
      const got = outs[key];
      expect(got, `${c.name}: output ${key}`).toBeDefined();
      expect(mismatches(fromLib(got), R.make(want.shape, want.data), fwd), `${c.name}: ${key}`).toEqual([]);
    }
    if (!c.grads) return;
    let total: Tensor | null = null;
    for (const [key, g] of Object.entries(c.upstream!)) {
      const term = outs[key].mul(tensor(Float32Array.from(g)).reshape([...outs[key].shape])).sum();
      total = total ? total.add(term) : term;
    }
    total!.backward();
    c.grads.forEach((want, i) => {
      const got = leaves[i].grad;
      const data = want ?? new Array(R.numel(c.inputs[i].shape)).fill(0);
      expect(got, `${c.name}: grad ${i}`).not.toBeNull();
      expect(mismatches(fromLib(got!), R.make(c.inputs[i].shape, data), grad), `${c.name}: grad of input ${i}`).toEqual([]);
    });
  });
}
