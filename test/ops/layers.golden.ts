// The golden cases of test/fixtures/ops_layers.json (gen_ops_layers.py, torch
// 1.13): each op called as wasmgrad spells it, forward and gradients compared
// with torch's under the same random upstream gradient.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { F, tensor, manualSeed, scope, type Tensor } from "../../src/index";
import { mismatches } from "../helpers/bridge";

interface Data { shape: number[]; data: number[]; dtype?: "float32" | "int32" }
export interface LayerCase {
  name: string; op: string; kw: Record<string, unknown>; inputs: Record<string, Data>; out: Data;
  g?: number[]; grads?: Record<string, number[] | null>; indices?: number[];
  running?: { mean: number[]; var: number[] }; seed?: number;
}

export const layerCases: LayerCase[] = JSON.parse(readFileSync(new URL("../fixtures/ops_layers.json", import.meta.url), "utf8")).cases;

const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

/** The call of case c on tensors t, as a user of wasmgrad writes it. */
function call(c: LayerCase, t: Record<string, Tensor>): Tensor | [Tensor, Tensor] {
  const kw: Record<string, any> = {};
  for (const [key, v] of Object.entries(c.kw)) kw[camel(key)] = v;
  const b = t.bias ?? null;
  switch (c.op) {
    case "linear": return F.linear(t.input, t.weight, b);
    case "bilinear": return F.bilinear(t.input1, t.input2, t.weight, b);
    case "conv1d": return F.conv1d(t.input, t.weight, b, kw);
    case "conv2d": return F.conv2d(t.input, t.weight, b, kw);
    case "convTranspose1d": return F.convTranspose1d(t.input, t.weight, b, kw);
    case "convTranspose2d": return F.convTranspose2d(t.input, t.weight, { ...kw, bias: b });
    case "unfold": return F.unfold(t.input, kw.kernelSize, kw);
    case "fold": return F.fold(t.input, kw.outputSize, kw);
    case "maxPool2d": return F.maxPool2d(t.input, kw);
    case "avgPool2d": return F.avgPool2d(t.input, kw.kernelSize, kw);
    case "adaptiveAvgPool2d": return F.adaptiveAvgPool2d(t.input, kw.outputSize);
    case "pad": return kw.mode ? F.pad(t.input, kw.pad, kw.mode) : F.pad(t.input, kw.pad, { value: kw.value });
    case "interpolate": return F.interpolate(t.input, kw);
    case "layerNorm": return F.layerNorm(t.input, kw.normalizedShape, t.weight ?? null, b, kw.eps);
    case "groupNorm": return F.groupNorm(t.input, kw.numGroups, { weight: t.weight, bias: b, eps: kw.eps });
    case "batchNorm": return F.batchNorm(t.input, t.running_mean ?? null, t.running_var ?? null, { weight: t.weight, bias: b, ...kw });
    case "embedding": return F.embedding(t.input, t.weight, kw.paddingIdx ?? null);
    case "dropout":
      manualSeed(c.seed!);
      return F.dropout(t.input, kw.p);
  }
  throw new Error(`no call for ${c.op}`);
}

const close = (got: Tensor | null, want: number[], atol: number, rtol: number) =>
  got === null
    ? ["no gradient"]
    : mismatches({ shape: [want.length], data: Float64Array.from(got.data()), dtype: "float32" }, { shape: [want.length], data: Float64Array.from(want), dtype: "float32" }, { atol, rtol });

/** One it() per golden case of `op`. */
export function goldenCases(op: string): void {
  const cases = layerCases.filter((c) => c.op === op);
  it("has golden cases", () => expect(cases.length).toBeGreaterThan(0));
  for (const c of cases) {
    it(`matches torch: ${c.name}`, () => {
      scope(() => {
        const t: Record<string, Tensor> = {};
        for (const [key, d] of Object.entries(c.inputs)) {
          const x = tensor(d.data, { dtype: d.dtype ?? "float32" }).reshape(d.shape);
          t[key] = d.dtype === "float32" && !key.startsWith("running") ? x.requiresGrad_(true) : x;
        }
        const r = call(c, t);
        const out = Array.isArray(r) ? r[0] : r;
        expect(out.shape).toEqual(c.out.shape);
        expect(close(out, c.out.data, 1e-6, 1e-3), "forward").toEqual([]);
        if (c.indices) expect(Array.from((r as [Tensor, Tensor])[1].data())).toEqual(c.indices);
        if (c.running) {
          expect(close(t.running_mean, c.running.mean, 1e-6, 1e-4), "running mean").toEqual([]);
          expect(close(t.running_var, c.running.var, 1e-6, 1e-4), "running var").toEqual([]);
        }
        if (c.grads) {
          out.backward(tensor(c.g!).reshape(c.out.shape));
          for (const [key, want] of Object.entries(c.grads)) {
            if (want === null) expect(t[key].grad, key).toBeNull();
            else expect(close(t[key].grad, want, 1e-4, 1e-3), `d/d${key}`).toEqual([]);
          }
        }
      });
    });
  }
}
