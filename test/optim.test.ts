// torch.optim's SGD, Adam and AdamW: every update against PyTorch 1.13 bit for
// bit (test/fixtures/optim_cases.json, from gen_optim_cases.py), the series'
// SVD loss against PyTorch's golden trajectories, and the API's contract.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { optim, tensor, zeros, rand, manualSeed, eye, diag, scope, memoryStats, Tensor } from "../src/index";
import { golden } from "./helpers/golden";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/optim_cases.json", import.meta.url), "utf8"));
const seedPrograms = golden("seed_programs.json").cases;

const u32 = (t: Tensor) => Array.from(new Uint32Array((t.data() as Float32Array).slice().buffer));
const fromBits = (shape: number[], bits: number[]) => tensor(new Float32Array(new Uint32Array(bits).buffer)).reshape(shape);

function make(name: string, params: Tensor[], options: object): optim.Optimizer {
  if (name === "SGD") return new optim.SGD(params, options as optim.SGDOptions);
  if (name === "Adam") return new optim.Adam(params, options);
  if (name === "AdamW") return new optim.AdamW(params, options);
  throw new Error(`unknown optimizer ${name}`);
}

/** The first element whose bits differ, for a readable failure. */
function firstDiff(got: number[], want: number[]): string | null {
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      const f = (b: number) => new Float32Array(new Uint32Array([b]).buffer)[0];
      return `element ${i}: got ${f(got[i])} (0x${got[i].toString(16)}), torch ${f(want[i])} (0x${want[i].toString(16)})`;
    }
  }
  return got.length === want.length ? null : `length ${got.length} != ${want.length}`;
}

describe("optimizer updates match torch.optim bit for bit", () => {
  for (const c of fixture.cases) {
    it(`${c.optimizer}(${JSON.stringify(c.options)})`, () => {
      const params = c.params.map(([shape, bits]: [number[], number[]]) => fromBits(shape, bits).requiresGrad_());
      const opt = make(c.optimizer, params, c.options);
      for (let step = 0; step < fixture.steps; step++) {
        params.forEach((p: Tensor, i: number) => {
          p.grad?.dispose();
          const g = c.grads[step][i];
          p.grad = g === null ? null : fromBits([...p.shape], g);
        });
        opt.step();
        params.forEach((p: Tensor, i: number) => {
          expect(firstDiff(u32(p), c.after[step][i]), `step ${step}, param ${i}`).toBeNull();
        });
      }
      opt.dispose();
    });
  }
});

describe("the fused multiply-add rounds once, as torch's vec::fmadd", () => {
  // p.add_(g, alpha=-lr) where a*b + c in float64 lands exactly halfway between two
  // floats while the exact value does not: rounding the float64 sum to float32 would
  // be off by one ulp. Found by search; the expected values are torch's (hardware fma).
  const cases: [number, number, number, number][] = [
    // [grad, -lr (a float32), param, torch's result]
    [1.9941285848617554, -2.9890070862848006e-08, 1.5705355405807495, 1.5705355405807495],
    [1.8531676530838013, -3.216365485059214e-08, 1.3687032461166382, 1.3687032461166382],
    [1.306555151939392, -4.561969291216883e-08, 1.4712653160095215, 1.471265196800232],
  ];
  it.each(cases)("grad %s, alpha %s, param %s", (g, alpha, p0, want) => {
    const p = tensor([p0], { requiresGrad: true });
    p.grad = tensor([g]);
    new optim.SGD([p], { lr: -alpha }).step();
    expect(p.item()).toBe(want);
    expect(want).not.toBe(Math.fround(p0 + alpha * g)); // the float64 shortcut would be wrong here
  });
});

// ---- the series' SVD loss, with the optimizers driven as a user writes it ------------------

const mse = (a: Tensor, b: Tensor) => a.sub(b).pow(2).mean();

/** Part 3's program with a torch.optim-style optimizer: the losses before each step. */
function svdLosses(M: Tensor, makeOpt: (params: Tensor[]) => optim.Optimizer, steps: number): number[] {
  const [m, n] = M.shape;
  manualSeed(314);
  const U = rand([m, n], { requiresGrad: true });
  const d = rand([n], { requiresGrad: true });
  const V = rand([n, n], { requiresGrad: true });
  const I = eye(n);
  const opt = makeOpt([U, d, V]);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    scope(() => {
      opt.zeroGrad();
      const S = diag(d.mul(d));
      const loss = mse(U.matmul(S).matmul(V.T), M).add(mse(U.T.matmul(U), I).div(100)).add(mse(V.matmul(V.T), I).div(100));
      losses.push(loss.item());
      loss.backward();
      opt.step();
    });
  }
  opt.dispose();
  for (const t of [U, d, V, I]) t.dispose();
  return losses;
}

describe("on the series' SVD loss, 100 steps follow PyTorch's loss trajectory", () => {
  const inputs: [string, () => Tensor][] = [
    ["M1", () => (manualSeed(314), rand(5, 4))],
    ["M3", () => (manualSeed(316), rand(7, 4))],
    ["M5", () => (manualSeed(317), rand(4, 3))],
  ];
  const optimizers: [string, string, (p: Tensor[]) => optim.Optimizer][] = [
    ["02a", "SGD(lr=0.9, momentum=0.9)", (p) => new optim.SGD(p, { lr: 0.9, momentum: 0.9 })],
    ["02b", "Adam(weightDecay=1e-5)", (p) => new optim.Adam(p, { weightDecay: 1e-5 })],
  ];
  for (const [prefix, label, makeOpt] of optimizers) {
    for (const [mName, makeM] of inputs) {
      it(`${label} on ${mName}`, () => {
        const g = seedPrograms[`${prefix}_svd_${mName}`].losses;
        const losses = svdLosses(makeM(), makeOpt, 101);
        for (const i of [0, 1, 2, 10, 100]) {
          expect(Math.abs(losses[i] - g[i]) / g[i], `loss ${i}: ${losses[i]} vs torch ${g[i]}`).toBeLessThan(1e-6);
        }
        // stronger than the contract: the same float32 bits as torch
        const hex = (x: number) => "0x" + (new Uint32Array(Float32Array.of(x).buffer)[0]).toString(16).padStart(8, "0");
        expect([0, 1, 2, 10, 100].map((i) => hex(losses[i]))).toEqual([0, 1, 2, 10, 100].map((i) => g.hex_f32[String(i)]));
      });
    }
  }

  it("AdamW with weightDecay 0 is Adam without weight decay", () => {
    manualSeed(314);
    const M = rand(5, 4);
    const a = svdLosses(M, (p) => new optim.Adam(p, { lr: 0.01 }), 30);
    const w = svdLosses(M, (p) => new optim.AdamW(p, { lr: 0.01, weightDecay: 0 }), 30);
    expect(w).toEqual(a);
  });
});

// ---- the API's contract ----------------------------------------------------------------

describe("optimizer API", () => {
  const param = () => rand([4, 3], { requiresGrad: true });
  const withGrad = (p: Tensor) => {
    p.grad = rand([...p.shape]);
    return p;
  };

  it("a step allocates nothing once the state exists: one fused kernel per parameter", () => {
    for (const make of [
      (p: Tensor[]) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 }),
      (p: Tensor[]) => new optim.Adam(p, { amsgrad: true, weightDecay: 0.1 }),
      (p: Tensor[]) => new optim.AdamW(p),
    ]) {
      const ps = [withGrad(param()), withGrad(rand([7], { requiresGrad: true }))];
      const opt = make(ps);
      opt.step();
      const before = memoryStats().bytesInUse;
      for (let i = 0; i < 10; i++) opt.step();
      expect(memoryStats().bytesInUse).toBe(before);
      opt.dispose();
      expect(memoryStats().bytesInUse).toBeLessThan(before);
    }
  });

  it("keeps its state alive across scopes and frees it on dispose()", () => {
    const p = withGrad(param());
    const opt = new optim.Adam([p], { amsgrad: true });
    scope(() => opt.step());
    const s = opt.stateOf(p)!;
    expect(s.step).toBe(1);
    expect(s.expAvg.isDisposed || s.expAvgSq.isDisposed || s.maxExpAvgSq!.isDisposed).toBe(false);
    scope(() => opt.step());
    expect(opt.stateOf(p)!.step).toBe(2);
    opt.dispose();
    expect(s.expAvg.isDisposed).toBe(true);
    expect(opt.stateOf(p)).toBeNull();

    const q = withGrad(param());
    const sgd = new optim.SGD([q], { lr: 0.1, momentum: 0.9 });
    expect(sgd.momentumBuffer(q)).toBeNull();
    scope(() => sgd.step());
    expect(sgd.momentumBuffer(q)!.isDisposed).toBe(false);
    // the first step's buffer is the gradient itself (torch clones it)
    expect(Array.from(sgd.momentumBuffer(q)!.data())).toEqual(Array.from(q.grad!.data()));
  });

  it("zeroGrad zeroes the gradients in place, or drops them with setToNone", () => {
    const p = withGrad(param());
    const opt = new optim.SGD([p], { lr: 0.1 });
    const g = p.grad!;
    const version = g.version;
    opt.zeroGrad();
    expect(p.grad).toBe(g);
    expect(Array.from(g.data()).every((x) => x === 0)).toBe(true);
    expect(g.version).toBeGreaterThan(version);
    opt.zeroGrad(true);
    expect(p.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
    opt.zeroGrad(); // no gradient: nothing to do
    opt.step(); // parameters without a gradient are skipped
  });

  it("bumps the parameter's version, so a graph that saved it notices the update", () => {
    const p = withGrad(param());
    const y = p.mul(p).sum();
    new optim.SGD([p], { lr: 0.1 }).step();
    expect(() => y.backward()).toThrow(/modified by an in-place operation/);
  });

  it("rejects invalid options and parameters with clear errors", () => {
    const p = param();
    expect(() => new optim.SGD([p], { lr: -1 })).toThrow("SGD: invalid learning rate (lr): -1");
    expect(() => new optim.SGD([p], {} as optim.SGDOptions)).toThrow(/SGD: invalid learning rate \(lr\): undefined/);
    expect(() => new optim.SGD([p], { lr: 0.1, momentum: -0.5 })).toThrow("SGD: invalid momentum: -0.5");
    expect(() => new optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow("Nesterov momentum requires a momentum and zero dampening");
    expect(() => new optim.SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/zero dampening/);
    expect(() => new optim.Adam([p], { betas: [1, 0.999] })).toThrow("Adam: invalid beta parameter at index 0: 1 (expected a number in [0, 1))");
    expect(() => new optim.Adam([p], { betas: [0.9, -0.1] })).toThrow(/beta parameter at index 1/);
    expect(() => new optim.Adam([p], { eps: -1 })).toThrow(/invalid epsilon value/);
    expect(() => new optim.AdamW([p], { weightDecay: -1 })).toThrow("AdamW: invalid weightDecay: -1");
    expect(() => new optim.Adam([])).toThrow("Adam: optimizer got an empty parameter list");
    expect(() => new optim.Adam([p, p])).toThrow(/appears more than once/);
    expect(() => new optim.Adam([p.mul(2)])).toThrow(/params\[0\] is not a leaf tensor \(produced by MulBackward0\)/);
    expect(() => new optim.Adam([tensor([1, 2])])).toThrow(/dtype int32/);
    expect(() => new optim.Adam(null as unknown as Tensor[])).toThrow(/params must be an array/);
    const q = param();
    q.grad = zeros(3, 4);
    expect(() => new optim.Adam([q]).step()).toThrow("Adam.step: params[0] has shape [4, 3] but its grad has shape [3, 4]");
  });
});
