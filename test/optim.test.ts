// torch.optim's SGD, Adam and AdamW: every update against PyTorch 1.13 bit for
// bit (test/fixtures/optim_cases.json, from gen_optim_cases.py), the series'
// SVD loss against PyTorch's golden trajectories, and the API's contract.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { optim, tensor, zeros, rand, manualSeed, eye, diag, scope, memoryStats, Tensor } from "../src/index";
import { golden } from "./helpers/golden";
import { fma32 } from "./helpers/fma32";
import { powInt } from "../src/optim/adam";

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

// ---- the multiply-adds against an exact reference ---------------------------------------

const f = Math.fround;
/** The float32 spacing at x. */
function ulp32(x: number): number {
  const bits = new Uint32Array(Float32Array.of(Math.abs(x)).buffer)[0];
  return 2 ** Math.max((bits >>> 23) - 127 - 23, -149);
}
const odd = (x: number) => (Math.abs(x) / ulp32(x)) % 2 === 1;

describe("the fused multiply-add is round32 of the exact a·b + c, ties included", () => {
  // SGD without momentum: p = fma(g, -lr, p). g·(-lr) is made to be h·(1 ± u³) or h
  // exactly, h half a float32 spacing of p, so that a·b + c rounded to float64 lands
  // on the halfway point between two floats while the exact sum lies just off it
  // ((1 - u)(1 + u + u²) = 1 - u³, (1 + u)(1 - u + u²) = 1 + u³, all floats for u = 2^-11).
  const u = 2 ** -11;
  const max = f(3.4028234663852886e38);
  const ps = [1.5 + 2 ** -23, 1.5, -(1 + 3 * 2 ** -23), 3e-5, -7e20, max,
    (2 ** 23 - 1) * 2 ** -149 /* largest subnormal */, -(2 ** 23 - 3) * 2 ** -149, 5 * 2 ** -149].map(f);
  const cases: [string, number, number, number][] = []; // [what, g, lr, p]
  for (const p of ps) {
    const e = Math.log2(ulp32(p) / 2), k = Math.floor(e / 2);
    for (const sgn of [1, -1]) {
      cases.push(["h(1 - u³)", -sgn * (1 + u + u * u) * 2 ** (e - k), (1 - u) * 2 ** k, p]);
      cases.push(["h(1 + u³)", -sgn * (1 - u + u * u) * 2 ** (e - k), (1 + u) * 2 ** k, p]);
      cases.push(["h, a tie", -sgn * 2 ** (e - k), 2 ** k, p]);
    }
  }
  const step = (g: number, lr: number, p0: number): number => {
    const p = tensor([p0], { dtype: "float32", requiresGrad: true });
    p.grad = tensor([g], { dtype: "float32" });
    new optim.SGD([p], { lr }).step();
    return p.item();
  };
  it.each(cases)("%s: grad %s, lr %s, param %s", (_, g, lr, p) => {
    expect(f(g) === g && f(lr) === lr).toBe(true);
    expect(step(g, lr, p)).toBe(fma32(g, f(-lr), p));
  });
  it("the cases are ones the float64 shortcut gets wrong: for every param, and just below the overflow threshold", () => {
    // (but 5·2^-149: too small for a 48-bit product to reach below its float64 spacing)
    for (const p of ps.slice(0, -1)) {
      const wrong = cases.filter(([, g, lr, q]) => q === p && Math.fround(g * f(-lr) + p) !== fma32(g, f(-lr), p));
      expect(wrong.length, `param ${p}`).toBeGreaterThanOrEqual(1);
    }
    const below = cases.find(([what, g, , p]) => p === max && what === "h(1 - u³)" && g < 0)!;
    expect(step(below[1], below[2], max)).toBe(max); // max + h(1 - u³) rounds to max, not to infinity
  });
});

/** Values of all sizes and signs, with zeros, float32 subnormals and numbers near 2^-126. */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: n }, () => {
    const r = next(), sign = next() < 0.5 ? -1 : 1;
    if (r < 0.05) return 0;
    if (r < 0.1) return sign * next() * 2 ** -126;
    if (r < 0.15) return sign * (1 + next()) * 2 ** -63; // squares near 2^-126
    return sign * next() * 2 ** Math.floor(next() * 40 - 30);
  });
}

interface AdamRefOptions { lr: number; betas: [number, number]; eps: number; weightDecay: number; amsgrad: boolean; maximize: boolean; decoupled: boolean }

/** torch 1.13's Adam step t on plain arrays: each float32 op rounded, the multiply-adds fused (exactly). */
function adamRef(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array, t: number, o: AdamRefOptions): void {
  const [beta1, beta2] = o.betas;
  const stepSize = o.lr / (1 - powInt(beta1, t));
  const bc2 = f(Math.sqrt(1 - powInt(beta2, t)));
  const b1 = f(beta1), omb1 = f(1 - beta1), b2 = f(beta2), omb2 = f(1 - beta2), eps = f(o.eps), step = f(-stepSize);
  const l2 = o.decoupled ? 0 : f(o.weightDecay), decay = o.decoupled ? f(1 - o.lr * o.weightDecay) : 1;
  for (let i = 0; i < p.length; i++) {
    let pi = p[i], gi = o.maximize ? -g[i] : g[i];
    if (l2 !== 0) gi = fma32(pi, l2, gi);
    if (decay !== 1) pi = f(pi * decay);
    const mi = fma32(gi, omb1, f(m[i] * b1));
    let vi = fma32(f(omb2 * gi), gi, f(v[i] * b2));
    m[i] = mi;
    v[i] = vi;
    if (o.amsgrad) vi = vmax[i] = Math.max(vmax[i], vi);
    p[i] = f(pi + f(f(step * mi) / f(f(f(Math.sqrt(vi)) / bc2) + eps)));
  }
}

/** Runs optim.Adam/AdamW and adamRef side by side on the gradients given, comparing all state bits after each step. */
function checkAdam(p0: Float32Array, grads: Float32Array[], options: Partial<AdamRefOptions>): void {
  const o: AdamRefOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, decoupled: false, ...options };
  const { decoupled, ...userOptions } = o;
  const p = tensor(p0.slice()).requiresGrad_();
  const opt = decoupled ? new optim.AdamW([p], userOptions) : new optim.Adam([p], userOptions);
  const ref = { p: p0.slice(), m: new Float32Array(p0.length), v: new Float32Array(p0.length), vmax: new Float32Array(p0.length) };
  const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));
  grads.forEach((g, t) => {
    p.grad?.dispose();
    p.grad = tensor(g);
    opt.step();
    adamRef(ref.p, g, ref.m, ref.v, ref.vmax, t + 1, o);
    const s = opt.stateOf(p)!;
    expect(firstDiff(bits(s.expAvg.data() as Float32Array), bits(ref.m)), `exp_avg after step ${t + 1}`).toBeNull();
    expect(firstDiff(bits(s.expAvgSq.data() as Float32Array), bits(ref.v)), `exp_avg_sq after step ${t + 1}`).toBeNull();
    if (o.amsgrad) expect(firstDiff(bits(s.maxExpAvgSq!.data() as Float32Array), bits(ref.vmax)), `max_exp_avg_sq after step ${t + 1}`).toBeNull();
    expect(firstDiff(bits(p.data() as Float32Array), bits(ref.p)), `param after step ${t + 1}`).toBeNull();
  });
  opt.dispose();
}

describe("Adam's kernel against an exact reference", () => {
  const variants: Partial<AdamRefOptions>[] = [
    {}, { amsgrad: true }, { maximize: true }, { weightDecay: 0.1 }, { decoupled: true, weightDecay: 0.1 },
    { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1, amsgrad: true, maximize: true },
  ];
  for (const n of [1, 3, 4, 7, 64, 1001]) {
    it.each(variants)(`${n} elements, %o`, (o) => {
      checkAdam(values(n, n), [1, 2, 3].map((t) => values(n, 1000 * t + n)), o);
    });
  }

  // Gradients made so that a moment's update is a float64 tie, in every lane of a
  // group of four and in the tail: step 1 sets the moment to an odd float c, step 2
  // adds h·(1 - 2^-46) to c·β (h half a float spacing), which rounds to c·β, not up.
  const lanes = [0, 5, 10, 15, 18, 33], n = 35;
  const g1 = values(n, 7), g2 = values(n, 8);
  it("the first moment: betas [2^-23, 0.999]", () => {
    const omb1 = 1 - 2 ** -23;
    lanes.forEach((i, k) => {
      let g = (k % 2 ? -1 : 1) * (1 + k / 8) * 2 ** (k - 2);
      for (let q = 1; !odd(f(g * omb1)); q++) g = f(g * (1 + q * 2 ** -10));
      const c = f(g * omb1) * 2 ** -23, h = ulp32(c) / 2;
      g1[i] = g;
      g2[i] = Math.sign(g) * (1 + 2 ** -23) * h;
      expect(Math.fround(g2[i] * omb1 + c)).not.toBe(fma32(g2[i], omb1, c)); // a tie for the float64 shortcut
    });
    checkAdam(values(n, 9), [g1, g2], { betas: [2 ** -23, 0.999] });
  });
  it("the second moment: betas [0.9, 2^-22]", () => {
    const omb2 = 1 - 2 ** -22;
    lanes.forEach((i, k) => {
      let g = (k % 2 ? -1 : 1) * (1 + k / 8) * 2 ** (k - 2);
      const v1 = (x: number) => f(f(omb2 * x) * x);
      // v1·2^-22 must be odd, and half its spacing an even power of 2
      for (let q = 1; !odd(v1(g)) || Math.log2(ulp32(v1(g) * 2 ** -22) / 2) % 2 !== 0; q++) g = f(g * (1 + q * 2 ** -10));
      const c = v1(g) * 2 ** -22, j = Math.log2(ulp32(c) / 2) / 2;
      g1[i] = g;
      g2[i] = (k % 3 ? 1 : -1) * (1 + 2 ** -23) * 2 ** j;
      expect(Math.fround(f(omb2 * g2[i]) * g2[i] + c)).not.toBe(fma32(f(omb2 * g2[i]), g2[i], c));
    });
    checkAdam(values(n, 9), [g1, g2], { betas: [0.9, 2 ** -22] });
  });
  it("the L2 term: weightDecay 2^-12·(1 - 2^-11)", () => {
    // g + p·wd with g an odd float in [1, 2) and p·wd = ±h(1 - u³), h half g's spacing:
    // in float64 the sum lands on the halfway point next to g, the exact sum just inside it
    const u = 2 ** -11, wd = (1 - u) * 2 ** -12;
    const p0 = values(n, 10), grads = values(n, 11);
    lanes.forEach((i, k) => {
      grads[i] = f(1 + (2 * k + 1) * 2 ** -23);
      p0[i] = (k % 2 ? -1 : 1) * (1 + u + u * u) * 2 ** -12;
      expect(Math.fround(p0[i] * wd + grads[i])).not.toBe(fma32(p0[i], f(wd), grads[i]));
    });
    checkAdam(p0, [grads], { weightDecay: wd });
  });
});

interface SGDRefOptions { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean; maximize?: boolean }

/** torch 1.13's SGD step on plain arrays: each float32 op rounded, the multiply-adds fused (exactly). */
function sgdRef(p: Float32Array, g: Float32Array, buf: Float32Array, first: boolean, o: SGDRefOptions): void {
  const lr = f(-o.lr), mom = f(o.momentum ?? 0), omd = f(1 - (o.dampening ?? 0)), wd = f(o.weightDecay ?? 0);
  for (let i = 0; i < p.length; i++) {
    let d = o.maximize ? -g[i] : g[i];
    if (wd !== 0) d = fma32(p[i], wd, d);
    if (mom !== 0) {
      const b = first ? d : fma32(d, omd, f(buf[i] * mom));
      buf[i] = b;
      d = o.nesterov ? fma32(b, mom, d) : b;
    }
    p[i] = fma32(d, lr, p[i]);
  }
}

/** Runs optim.SGD and sgdRef side by side on the gradients given, comparing the parameter's and the buffer's bits after each step. */
function checkSGD(p0: Float32Array, grads: Float32Array[], o: SGDRefOptions): void {
  const p = tensor(p0.slice()).requiresGrad_();
  const opt = new optim.SGD([p], o);
  const ref = { p: p0.slice(), buf: new Float32Array(p0.length) };
  const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));
  grads.forEach((g, t) => {
    p.grad?.dispose();
    p.grad = tensor(g);
    opt.step();
    sgdRef(ref.p, g, ref.buf, t === 0, o);
    if (o.momentum) expect(firstDiff(bits(opt.momentumBuffer(p)!.data() as Float32Array), bits(ref.buf)), `momentum buffer after step ${t + 1}`).toBeNull();
    expect(firstDiff(bits(p.data() as Float32Array), bits(ref.p)), `param after step ${t + 1}`).toBeNull();
  });
  opt.dispose();
}

describe("SGD's kernel against an exact reference", () => {
  // Without Nesterov or dampening the kernel updates four elements at a time, with them
  // one at a time: both paths, and the scalar tail, are here.
  const variants: SGDRefOptions[] = [
    { lr: 0.1 }, { lr: 0.1, momentum: 0.9 }, { lr: 2 ** -10, momentum: 0.5, maximize: true }, { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
    { lr: 0.1, momentum: 0.9, dampening: 0.1 }, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 }, { lr: 0.01, weightDecay: 0.1 },
  ];
  for (const n of [1, 3, 4, 7, 64, 1001]) {
    it.each(variants)(`${n} elements, %o`, (o) => {
      checkSGD(values(n, n), [1, 2, 3].map((t) => values(n, 1000 * t + n)), o);
    });
  }

  // The update p + g·(-lr) made a float64 tie, in lanes of a group of four and in the
  // tail: p an odd float in [1, 2), g·(-lr) = ±h·(1 - u³) with h half p's spacing, so
  // that the float64 sum lands on the halfway point next to p, the exact sum just inside it.
  it.each([{ lr: (1 - 2 ** -11) * 2 ** -12 }, { lr: (1 - 2 ** -11) * 2 ** -12, momentum: 0.9 }])("the update, %o", (o) => {
    const u = 2 ** -11, lanes = [0, 5, 10, 15, 18, 33], n = 35;
    const p0 = values(n, 12), g = values(n, 13);
    lanes.forEach((i, k) => {
      p0[i] = f(1 + (2 * k + 1) * 2 ** -23);
      g[i] = (k % 2 ? -1 : 1) * (1 + u + u * u) * 2 ** -12;
      expect(Math.fround(g[i] * f(-o.lr) + p0[i])).not.toBe(fma32(g[i], f(-o.lr), p0[i])); // a tie for the float64 shortcut
    });
    checkSGD(p0, [g, values(n, 14)], o);
  });
  it.each([{ lr: 0.1 }, { lr: 0.1, momentum: 0.9 }])("the weight decay term, %o", (o) => {
    // g + p·wd with g an odd float in [1, 2) and p·wd = ±h(1 - u³), h half g's spacing, as in Adam's L2 test
    const u = 2 ** -11, wd = (1 - u) * 2 ** -12, lanes = [0, 5, 10, 15, 18, 33], n = 35;
    const p0 = values(n, 15), g = values(n, 16);
    lanes.forEach((i, k) => {
      g[i] = f(1 + (2 * k + 1) * 2 ** -23);
      p0[i] = (k % 2 ? -1 : 1) * (1 + u + u * u) * 2 ** -12;
      expect(Math.fround(p0[i] * f(wd) + g[i])).not.toBe(fma32(p0[i], f(wd), g[i]));
    });
    checkSGD(p0, [g, values(n, 17)], { ...o, weightDecay: wd });
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
