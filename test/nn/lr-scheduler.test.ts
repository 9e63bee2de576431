// optim.lrScheduler against torch 1.13 (test/fixtures/nn_lr.json from gen_nn.py):
// every scheduler's learning rates step by step on an SGD with two parameter
// groups (lr 0.1 and 0.01, momentum 0.9): exact, or within 1e-15 relative where
// a cosine is involved (Math.cos and libm's may differ in the last bit).
import { describe, expect, it } from "vitest";
import { optim, zeros, Tensor } from "../../src/index";
import { fixture } from "./helpers";

const data = fixture("nn_lr.json");
const S = optim.lrScheduler;

function sgd(): optim.SGD {
  const w = [zeros(1).requiresGrad_(), zeros(1).requiresGrad_()];
  return new optim.SGD([{ params: [w[0]], lr: 0.1 }, { params: [w[1]], lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
}

type Sched = { step(m?: number): void; getLastLr(): number[] };

function make(name: string, o: Record<string, any>, opt: optim.SGD): Sched {
  switch (name) {
    case "StepLR": return new S.StepLR(opt, o.stepSize, o.gamma);
    case "MultiStepLR": return new S.MultiStepLR(opt, o.milestones, o.gamma);
    case "ExponentialLR": return new S.ExponentialLR(opt, o.gamma);
    case "CosineAnnealingLR": return new S.CosineAnnealingLR(opt, o.tMax, o.etaMin);
    case "LinearLR": return new S.LinearLR(opt, o);
    case "ConstantLR": return new S.ConstantLR(opt, o.factor, o.totalIters);
    case "LambdaLR": return new S.LambdaLR(opt, (e) => 1 / (e + 1));
    case "MultiplicativeLR": return new S.MultiplicativeLR(opt, () => 0.9);
    case "PolynomialLR": return new S.PolynomialLR(opt, o.totalIters, o.power);
    case "CosineAnnealingWarmRestarts": return new S.CosineAnnealingWarmRestarts(opt, o.t0, o.tMult, o.etaMin);
    case "OneCycleLR": return new S.OneCycleLR(opt, o.maxLr, o);
    case "SequentialLR": return new S.SequentialLR(opt, [new S.LinearLR(opt, { startFactor: 0.1, totalIters: 5 }), new S.ExponentialLR(opt, 0.9)], o.milestones);
    case "ReduceLROnPlateau": return new S.ReduceLROnPlateau(opt, o);
    default: throw new Error(name);
  }
}

const cosine = /Cosine|OneCycle/;

describe("optim.lrScheduler: torch's learning rates", () => {
  for (const run of data.runs) {
    it(`${run.name} ${JSON.stringify(run.options)}`, () => {
      const opt = sgd();
      const s = make(run.name, run.options, opt);
      const seq: number[][] = [s.getLastLr()];
      for (let i = 0; i < run.lrs.length - 1; i++) {
        if (run.metrics) s.step(run.metrics[i]);
        else s.step();
        seq.push(s.getLastLr());
      }
      expect(opt.paramGroups.map((g) => g.lr)).toEqual(seq[seq.length - 1]);
      if (!cosine.test(run.name)) expect(seq).toEqual(run.lrs);
      else seq.forEach((lrs, i) => lrs.forEach((lr, j) => expect(Math.abs(lr - run.lrs[i][j]), `step ${i} group ${j}`).toBeLessThanOrEqual(1e-15 * Math.abs(run.lrs[i][j]))));
    });
  }

  it("OneCycleLR cycles SGD's momentum and Adam's beta1", () => {
    const opt = sgd();
    const s = new S.OneCycleLR(opt, 0.1, { totalSteps: 10 });
    expect(opt.paramGroups[0].momentum).toBe(0.95);
    for (let i = 0; i < 3; i++) s.step();
    expect(opt.paramGroups[0].momentum as number).toBeLessThan(0.95);
    const adam = new optim.Adam([zeros(1).requiresGrad_()]);
    new S.OneCycleLR(adam, 0.1, { totalSteps: 10 });
    expect(adam.paramGroups[0].betas).toEqual([0.95, 0.999]);
  });

  it("torch spellings and calls without new say what to write", () => {
    const s = new S.StepLR(sgd(), 2);
    expect(() => (s as unknown as { get_last_lr(): void }).get_last_lr()).toThrow(/getLastLr/);
    expect(() => (S.StepLR as unknown as (o: unknown, n: number) => void)(sgd(), 2)).toThrow(/new optim.lrScheduler.StepLR/);
  });
});

describe("optim parameter groups", () => {
  const grad = (p: Tensor, v: number) => ((p.grad = zeros(p.shape).add(v)), p);

  it("each group steps with its own options, the same bits as a separate optimizer", () => {
    const a = zeros(3).add(1).requiresGrad_(), b = zeros(3).add(1).requiresGrad_();
    const a2 = zeros(3).add(1).requiresGrad_(), b2 = zeros(3).add(1).requiresGrad_();
    const both = new optim.Adam([{ params: [a], lr: 0.1, betas: [0.8, 0.99] }, { params: b }], { lr: 0.01 });
    const oa = new optim.Adam([a2], { lr: 0.1, betas: [0.8, 0.99] }), ob = new optim.Adam([b2], { lr: 0.01 });
    for (let i = 0; i < 3; i++) {
      for (const [p, v] of [[a, 0.5], [b, -2], [a2, 0.5], [b2, -2]] as const) grad(p, v * (i + 1));
      both.step();
      oa.step();
      ob.step();
    }
    expect(Array.from(a.data())).toEqual(Array.from(a2.data()));
    expect(Array.from(b.data())).toEqual(Array.from(b2.data()));
    expect(both.paramGroups[1].lr).toBe(0.01);
    expect(both.paramGroups[1].betas).toEqual([0.9, 0.999]);
  });

  it("addParamGroup adds parameters with the defaults; duplicates and bad options are refused", () => {
    const p = zeros(2).requiresGrad_(), q = zeros(2).requiresGrad_();
    const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.5 });
    opt.addParamGroup({ params: [q], lr: 0.2 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.2, momentum: 0.5 });
    expect(opt.params).toEqual([p, q]);
    expect(() => opt.addParamGroup({ params: [p] })).toThrow(/params\[2\] appears more than once/);
    expect(() => opt.addParamGroup({ params: [zeros(1).requiresGrad_()], momentum: -1 })).toThrow(/invalid momentum: -1/);
    expect(() => new optim.SGD([{ params: [p] }])).toThrow(/lr/);
    opt.lr = 0.05;
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.05]);
  });

  it("stateDict and loadStateDict continue a run with the same bits", () => {
    const run = (steps: number, from?: optim.OptimizerStateDict) => {
      const p = zeros(4).add(0.5).requiresGrad_();
      const opt = new optim.Adam([{ params: [p], lr: 0.05 }], { amsgrad: true });
      if (from) opt.loadStateDict(from);
      for (let i = 0; i < steps; i++) grad(p, i % 2 ? 1 : -0.25), opt.step();
      return { p, opt };
    };
    const whole = run(4);
    const half = run(2);
    const sd = half.opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(["0"]);
    expect(sd.paramGroups[0]).toMatchObject({ lr: 0.05, amsgrad: true, params: [0] });
    const p = zeros(4).add(0.5).requiresGrad_();
    noGradCopy(p, half.p);
    const opt = new optim.Adam([{ params: [p], lr: 0.05 }], { amsgrad: true });
    opt.loadStateDict(sd);
    expect(opt.stateOf(p)!.step).toBe(2);
    for (let i = 2; i < 4; i++) grad(p, i % 2 ? 1 : -0.25), opt.step();
    expect(Array.from(p.data())).toEqual(Array.from(whole.p.data()));
    expect(() => opt.loadStateDict({ ...sd, paramGroups: [] })).toThrow(/different number of parameter groups/);
    expect(() => opt.loadStateDict({ ...sd, state: { 0: { ...sd.state[0], expAvg: zeros(3) } } })).toThrow(/expected float32 \[4\]/);
    expect(opt.stateOf(p)!.step).toBe(4);
  });
});

function noGradCopy(dst: Tensor, src: Tensor): void {
  dst.requiresGrad_(false).copy_(src);
  dst.requiresGrad_(true);
}
