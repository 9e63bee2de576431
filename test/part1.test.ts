// Part 1 of the series ("playing with tensors"), step by step as the notebook
// does it, against the notebook's printed output and PyTorch's golden values.
import { describe, expect, it } from "vitest";
import { tensor, manualSeed, rand, linspace, onesLike, sin, cos, noGrad } from "../src/index";
import { golden, hexF32, ulps } from "./helpers/golden";

const autograd = golden("autograd.json");

describe("part 1: playing with tensors", () => {
  it("creates an integer tensor and multiplies it by a constant", () => {
    const _123 = tensor([1, 2, 3]);
    expect(_123.dtype).toBe("int32");
    expect(String(_123)).toBe("tensor([1, 2, 3])");
    expect(String(_123.mul(7))).toBe("tensor([ 7, 14, 21])");
  });

  it("computes the dot product two ways", () => {
    const _123 = tensor([1, 2, 3]);
    const _456 = tensor([4, 5, 6]);
    const basic = _123.mul(_456).sum();
    const elegant = _123.matmul(_456);
    expect(basic.item()).toBe(32);
    expect(elegant.item()).toBe(32);
    expect(String(elegant)).toBe("tensor(32)");
    expect(_123.dot(_456).eq(tensor(32)).item()).toBe(1);
  });

  it("reproduces the notebook's seeded random matrix", () => {
    manualSeed(314);
    const r = rand([2, 3]);
    expect(String(r)).toBe("tensor([[0.7196, 0.6295, 0.6667],\n        [0.3385, 0.8522, 0.3126]])");
    expect(hexF32(r.data())).toEqual(golden("seed_programs.json").cases["00_rand_seed314_2x3"].hex_f32);
    manualSeed(314);
    expect(hexF32(rand(2, 3).data())).toEqual(hexF32(r.data()));
  });

  it("differentiates z = x * y**5 exactly", () => {
    const x = tensor(3, { requiresGrad: true });
    const y = tensor(7, { requiresGrad: true });
    const z = x.mul(y.pow(5));
    expect(String(x)).toBe("tensor(3., requires_grad=True)");
    expect(String(z)).toBe("tensor(50421., grad_fn=<MulBackward0>)");
    z.backward();
    const g = autograd.z_equals_x_times_y_pow5;
    expect(x.grad!.item()).toBe(g.x_grad); // 7^5 = 16807
    expect(y.grad!.item()).toBe(g.y_grad); // 3·5·7^4 = 36015
    expect(z.item()).toBe(g.z);
    // the notebook's asserts
    expect(x.grad!.eq(y.detach().pow(5)).item()).toBe(1);
    expect(y.grad!.eq(y.detach().pow(4).mul(15)).item()).toBe(1);
  });

  const s = autograd.sin_linspace_100;

  it("builds linspace(0, 2π) with 100 steps bit for bit like torch", () => {
    const x = linspace(0, 2 * Math.PI);
    expect(x.shape).toEqual([100]);
    expect(hexF32(x.data())).toEqual(s.x.hex_f32);
  });

  /** sin and cos are musl's float32 algorithms, torch's are SLEEF's: both within 1 ulp of exact. */
  function expectWithinOneUlp(ours: ArrayLike<number>, theirs: string[]) {
    const ref = theirs.map(Number);
    for (let i = 0; i < ref.length; i++) expect(ulps(ours[i], ref[i])).toBeLessThanOrEqual(1);
  }

  it("version 1: y = sin(x); y.backward(onesLike(x)) gives cos(x)", () => {
    const x = linspace(0, 2 * Math.PI, 100, { requiresGrad: true });
    const y = sin(x);
    y.backward(onesLike(x));
    const grad = x.grad!.data();
    expectWithinOneUlp(y.data(), s.sin_x.values);
    expectWithinOneUlp(grad, s.grad_version1.values);
    // the gradient is exactly our cos of the same x
    expect(hexF32(grad)).toEqual(hexF32(noGrad(() => cos(x)).data()));
    let maxErr = 0;
    const xv = x.data();
    for (let i = 0; i < 100; i++) maxErr = Math.max(maxErr, Math.abs(grad[i] - Math.cos(xv[i])));
    expect(maxErr).toBeLessThan(1e-7);
  });

  it("version 2: the same derivative dressed as a loss, (y_hat - 0).sum()", () => {
    const myloss = (yHat: any, yTrue: any) => yHat.sub(yTrue).sum();
    const x = linspace(0, 2 * Math.PI, 100, { requiresGrad: true });
    const y = sin(x);
    const yHat = y;
    const yTrue = yHat.mul(0);
    const loss = myloss(yHat, yTrue);
    loss.backward();
    expectWithinOneUlp(x.grad!.data(), s.grad_version2_myloss.values);
    // torch: version 1 and version 2 agree bit for bit; so do we
    const x1 = linspace(0, 2 * Math.PI, 100, { requiresGrad: true });
    sin(x1).backward(onesLike(x1));
    expect(hexF32(x.grad!.data())).toEqual(hexF32(x1.grad!.data()));
    // .grad of the non-leaf y_hat is empty, as torch returns None
    expect(yHat.grad).toBeNull();
  });
});
