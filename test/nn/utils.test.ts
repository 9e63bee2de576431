// nn.utils against torch 1.13 (test/fixtures/nn_train.json from gen_nn.py):
// clipGradNorm_ (norms summed in double: within float32 rounding of torch's),
// clipGradValue_ (exact), parametersToVector / vectorToParameters.
import { describe, expect, it } from "vitest";
import { nn, zeros, tensor, type Tensor } from "../../src/index";
import { fixture, fromBits, floats, u32 } from "./helpers";

const clip = fixture("nn_train.json").clip;

describe("nn.utils", () => {
  for (const c of clip.norm) {
    it(`clipGradNorm_(maxNorm ${c.maxNorm}, normType ${c.normType}) as torch's`, () => {
      const ps = [zeros(3, 4).requiresGrad_(), zeros(5).requiresGrad_()];
      ps.forEach((p, i) => (p.grad = fromBits([...p.shape], c.grads[i])));
      const total = nn.utils.clipGradNorm_(ps, c.maxNorm, c.normType === "inf" ? Infinity : c.normType);
      expect(Math.abs(total.item() - c.total)).toBeLessThanOrEqual(2e-7 * c.total);
      ps.forEach((p, i) => {
        const want = floats(c.after[i]);
        Array.from(p.grad!.data()).forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThanOrEqual(1e-6 * Math.abs(want[j]) + 1e-7));
      });
    });
  }

  it("clipGradValue_ as torch's, bit for bit", () => {
    const p = zeros(3, 4).requiresGrad_();
    p.grad = fromBits([3, 4], clip.value.grad);
    nn.utils.clipGradValue_([p], clip.value.clip);
    expect(u32(p.grad)).toEqual(clip.value.after);
  });

  it("clipGradNorm_ with errorIfNonfinite refuses an infinite norm; no gradients give a zero norm", () => {
    const p = zeros(2).requiresGrad_();
    expect(nn.utils.clipGradNorm_([p], 1).item()).toBe(0);
    p.grad = tensor([Infinity, 1], { dtype: "float32" });
    expect(() => nn.utils.clipGradNorm_([p], 1, { errorIfNonfinite: true })).toThrow(/non-finite/);
  });

  it("parametersToVector and vectorToParameters round-trip", () => {
    const m = new nn.Linear(3, 2);
    const v = nn.utils.parametersToVector(m.parameters());
    expect(v.shape).toEqual([8]);
    expect(Array.from(v.data())).toEqual([...Array.from(m.weight.data()), ...Array.from(m.bias!.data())]);
    nn.utils.vectorToParameters(v.mul(2), m.parameters());
    expect(Array.from(m.bias!.data())).toEqual(Array.from(v.data()).slice(6).map((x) => x * 2));
    expect(() => nn.utils.vectorToParameters(zeros(7), m.parameters())).toThrow(/expected a float32 vector of 8 elements/);
    void (null as unknown as Tensor);
  });
});
