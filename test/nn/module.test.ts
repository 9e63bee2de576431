// nn.Module against torch 1.13 (test/fixtures/nn_init.json and nn_train.json from
// gen_nn.py): registration, traversal and names, repr, stateDict/loadStateDict
// (nothing half-loaded), train/eval, and an MLP trained 100 steps like torch's.
import { describe, expect, it } from "vitest";
import { nn, optim, F, tensor, zeros, ones, randn, manualSeed, scope, noGrad, Tensor } from "../../src/index";
import { fixture, MODELS, fromBits, floats, u32, expectEncoded } from "./helpers";

const init = fixture("nn_init.json");
const train = fixture("nn_train.json");

class Encoder extends nn.Module {
  fc1 = new nn.Linear(4, 3);
  bn = new nn.BatchNorm1d(3);
  fc2 = new nn.Linear(3, 2, { bias: false });
}

class Net extends nn.Module {
  scale: Tensor;
  encoder: Encoder;
  head: nn.Sequential;
  constructor() {
    super();
    this.scale = nn.Parameter(ones(2));
    this.encoder = new Encoder();
    this.registerBuffer("steps", zeros(1));
    this.head = new nn.Sequential(new nn.Linear(2, 2), new nn.Tanh());
  }
  forward(x: Tensor): Tensor {
    return this.head.call(this.encoder.fc2.call(this.encoder.fc1.call(x)).mul(this.scale));
  }
}

const misc = () => new nn.Sequential(
  new nn.Conv1d(2, 3, 3, { padding: 1, bias: false }), new nn.Conv2d(2, 4, 3, { stride: 2, padding: 1, dilation: 2 }),
  new nn.ConvTranspose2d(2, 3, 3, { stride: 2, outputPadding: 1 }), new nn.Conv2d(4, 4, 3, { padding: "same", groups: 2, paddingMode: "reflect" }),
  new nn.BatchNorm1d(3, { affine: false, momentum: null }), new nn.LayerNorm(4, { eps: 1e-6, elementwiseAffine: false }),
  new nn.GroupNorm(2, 4), new nn.Embedding(10, 3), new nn.Embedding(10, 3, { paddingIdx: -1 }), new nn.Dropout(0.25),
  new nn.AvgPool2d(3, { stride: 2, padding: 1 }), new nn.MaxPool2d([2, 3], { padding: 1, ceilMode: true }), new nn.AdaptiveAvgPool2d([2, 3]),
  new nn.Unflatten(1, [2, 3]), new nn.Flatten(0), new nn.Bilinear(2, 3, 4, { bias: false }), new nn.Identity(), new nn.Softmax(1), new nn.LogSoftmax(-1),
  new nn.Sigmoid(), new nn.CrossEntropyLoss(), new nn.BCEWithLogitsLoss(), new nn.ModuleList([new nn.Tanh(), new nn.ReLU()]),
  new nn.ModuleDict({ b: new nn.Linear(2, 2), a: new nn.ReLU() }));

const acts = () => new nn.Sequential(
  new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid(), new nn.SiLU(), new nn.Mish(), new nn.SELU(), new nn.ReLU6(), new nn.Hardsigmoid(), new nn.Hardswish(),
  new nn.Softsign(), new nn.LogSigmoid(), new nn.Tanhshrink(), new nn.GELU("tanh"), new nn.ELU(0.5), new nn.CELU(),
  new nn.LeakyReLU(0.2), new nn.Hardtanh(-2.0, 2.0), new nn.Softplus(2, 10), new nn.Softmax(0), new nn.LogSoftmax(1),
  new nn.L1Loss(), new nn.SmoothL1Loss(), new nn.HuberLoss(), new nn.BCELoss(), new nn.NLLLoss(), new nn.KLDivLoss(), new nn.MSELoss("sum"),
  new nn.CrossEntropyLoss({ weight: ones(3) }), new nn.MarginRankingLoss(), new nn.CosineEmbeddingLoss());

const models: Record<string, () => nn.Module> = { mlp: MODELS.mlp, convnet: MODELS.convnet, net: () => new Net(), misc, acts };

describe("Module: names and text as torch's", () => {
  for (const [name, make] of Object.entries(models)) {
    it(`${name}: repr, stateDict keys, namedParameters, namedBuffers, namedModules`, () => {
      manualSeed(0);
      const m = make();
      expect(String(m)).toBe(init.repr[name]);
      expect(Object.keys(m.stateDict())).toEqual(init.keys[name]);
      expect([...m.namedParameters()].map(([k]) => k)).toEqual(init.keys[`${name}:params`]);
      expect([...m.namedBuffers()].map(([k]) => k)).toEqual(init.keys[`${name}:buffers`]);
      expect([...m.namedModules()].map(([k]) => k)).toEqual(init.keys[`${name}:modules`]);
    });
  }

  it("the net's forward runs and its parameters are the same tensors as the state dict's", () => {
    const net = new Net();
    const y = net.call(randn(5, 4));
    expect(y.shape).toEqual([5, 2]);
    expect([...net.parameters()].length).toBe(8);
    const sd = net.stateDict();
    noGrad(() => sd["encoder.fc1.bias"].fill_(3));
    expect(Array.from(net.encoder.fc1.bias!.data())).toEqual([3, 3, 3]);
  });
});

describe("Module: registration and traversal", () => {
  it("a leaf that requires grad is a parameter; a plain tensor is not; a buffer stays one when reassigned", () => {
    class M extends nn.Module {
      a = randn(2, { requiresGrad: true });
      b = randn(2);
      constructor() {
        super();
        this.registerBuffer("c", zeros(2));
        this.registerBuffer("tmp", zeros(1), false);
      }
    }
    const m = new M();
    expect([...m.namedParameters()].map(([k]) => k)).toEqual(["a"]);
    expect([...m.namedBuffers()].map(([k]) => k)).toEqual(["c", "tmp"]);
    expect(Object.keys(m.stateDict())).toEqual(["a", "c"]);
    (m as unknown as { c: Tensor }).c = ones(2);
    expect(Array.from(m.stateDict().c.data())).toEqual([1, 1]);
    m.requiresGrad_(false);
    expect([...m.namedParameters()].map(([k]) => k)).toEqual(["a"]);
    expect(m.a.requiresGrad).toBe(false);
  });

  it("shared modules and parameters are listed once, as torch's", () => {
    const l = new nn.Linear(2, 2);
    const s = new nn.Sequential(l, new nn.ReLU(), l);
    expect([...s.namedParameters()].map(([k]) => k)).toEqual(["0.weight", "0.bias"]);
    expect(Object.keys(s.stateDict())).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(s.length).toBe(3);
    expect([...s.children()].length).toBe(2);
  });

  it("Sequential indexes, appends and runs; ModuleList and ModuleDict register", () => {
    const s = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    expect(s[0]).toBeInstanceOf(nn.Linear);
    expect(s.at(-1)).toBeInstanceOf(nn.ReLU);
    s.append(new nn.Linear(3, 1));
    expect(s.length).toBe(3);
    expect(s.call(randn(4, 2)).shape).toEqual([4, 1]);
    const named = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.Tanh() });
    expect(Object.keys(named.stateDict())).toEqual(["fc.weight", "fc.bias"]);
    const d = new nn.ModuleDict([["z", new nn.Linear(1, 1)], ["1", new nn.Linear(1, 1)]]);
    expect(Object.keys(d.stateDict())).toEqual(["z.weight", "z.bias", "1.weight", "1.bias"]);
    const list = new nn.ModuleList([new nn.Linear(1, 2)]).append(new nn.Linear(2, 2));
    expect([...list].length).toBe(2);
    expect([...list.parameters()].length).toBe(4);
  });

  it("train() and eval() set the whole tree; apply visits children first", () => {
    const m = new Net();
    m.eval();
    expect([...m.modules()].every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.encoder.bn.training).toBe(true);
    const seen: string[] = [];
    new nn.Sequential(new nn.ReLU(), new nn.Tanh()).apply((x) => seen.push(x.typeName));
    expect(seen).toEqual(["ReLU", "Tanh", "Sequential"]);
  });

  it("zeroGrad zeroes (or with setToNone removes) the gradients", () => {
    const m = new nn.Linear(3, 2);
    m.call(randn(4, 3)).sum().backward();
    expect(m.weight.grad).not.toBeNull();
    m.zeroGrad();
    expect(Array.from(m.weight.grad!.data()).every((v) => v === 0)).toBe(true);
    m.zeroGrad(true);
    expect(m.weight.grad).toBeNull();
  });

  it("parameters made inside a scope outlive it", () => {
    const m = scope(() => new nn.Linear(2, 2));
    expect(m.weight.isDisposed).toBe(false);
    expect(m.call(ones(1, 2)).shape).toEqual([1, 2]);
  });

  it("torch spellings and calls without new say what to write", () => {
    const m = new nn.Linear(2, 2);
    expect(() => (m as unknown as { state_dict(): void }).state_dict()).toThrow(/stateDict/);
    expect(() => (m as unknown as { zero_grad(): void }).zero_grad()).toThrow(/zeroGrad/);
    expect(() => (nn.Linear as unknown as (a: number, b: number) => void)(2, 2)).toThrow(/new nn.Linear/);
    expect(() => new nn.Module().forward()).toThrow(/missing the required "forward"/);
  });
});

describe("Module: loadStateDict", () => {
  it("loads a state dict and reports missing and unexpected keys with strict: false", () => {
    manualSeed(1);
    const a = MODELS.mlp();
    manualSeed(2);
    const b = MODELS.mlp();
    expect(b.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(u32(((b as nn.Sequential)[4] as nn.Linear).weight)).toEqual(u32(((a as nn.Sequential)[4] as nn.Linear).weight));
    const sd = a.stateDict();
    delete sd["4.bias"];
    sd.extra = zeros(1);
    expect(b.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ["4.bias"], unexpectedKeys: ["extra"] });
  });

  it("a wrong key or shape is an error listing every problem, and nothing is loaded", () => {
    manualSeed(1);
    const a = MODELS.mlp();
    const before = Object.values(a.stateDict()).map(u32);
    const sd = MODELS.mlp().stateDict();
    delete sd["0.bias"];
    sd["2.weight"] = zeros(16, 3);
    sd["5.weight"] = zeros(1);
    expect(() => a.loadStateDict(sd)).toThrow(
      'Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: "0.bias". \n\tUnexpected key(s) in state_dict: "5.weight". ' +
        "\n\tsize mismatch for 2.weight: copying a param with shape [16, 3] from checkpoint, the shape in current model is [16, 16].",
    );
    expect(Object.values(a.stateDict()).map(u32)).toEqual(before);
    const bad = MODELS.mlp().stateDict();
    bad["4.bias"] = zeros(2, { dtype: "int32" });
    expect(() => a.loadStateDict(bad)).toThrow(/dtype mismatch for 4.bias: copying a param of dtype int32 from checkpoint, the dtype in current model is float32/);
    expect(Object.values(a.stateDict()).map(u32)).toEqual(before);
    expect(() => a.loadStateDict({ ...bad, "4.bias": 5 as unknown as Tensor })).toThrow(/expected a Tensor from checkpoint but received number/);
  });
});

describe("activation and loss modules call the function of the same name", () => {
  it("each activation module's forward is its F function's result", () => {
    const x = randn(3, 4);
    const same = (a: Tensor, b: Tensor) => expect(Array.from(a.data())).toEqual(Array.from(b.data()));
    same(new nn.GELU("tanh").call(x), F.gelu(x, "tanh"));
    same(new nn.SiLU().call(x), F.silu(x));
    same(new nn.LeakyReLU(0.2).call(x), F.leakyRelu(x, 0.2));
    same(new nn.ELU(0.5).call(x), F.elu(x, 0.5));
    same(new nn.Softplus(2, 10).call(x), F.softplus(x, 2, 10));
    same(new nn.Hardtanh(-0.5, 0.5).call(x), F.hardtanh(x, -0.5, 0.5));
    same(new nn.LogSoftmax(1).call(x), F.logSoftmax(x, 1));
    same(new nn.ReLU6().call(x.mul(10)), F.relu6(x.mul(10)));
  });

  it("loss modules pass their options: reduction, class weight (a buffer), posWeight, beta", () => {
    const logits = randn(5, 3), y = tensor([0, 2, 1, 1, 0]), w = tensor([1, 2, 3], { dtype: "float32" });
    const same = (a: Tensor, b: Tensor) => expect(Array.from(a.data())).toEqual(Array.from(b.data()));
    same(new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }).call(logits, y), F.crossEntropy(logits, y, { weight: w, labelSmoothing: 0.1 }));
    same(new nn.NLLLoss("sum").call(logits, y), F.nllLoss(logits, y, "sum"));
    const t = randn(5, 3).sigmoid(), pw = tensor([1, 2, 0.5], { dtype: "float32" });
    same(new nn.BCEWithLogitsLoss({ posWeight: pw }).call(logits, t), F.binaryCrossEntropyWithLogits(logits, t, { posWeight: pw }));
    same(new nn.SmoothL1Loss({ beta: 0.5 }).call(logits, t), F.smoothL1Loss(logits, t, { beta: 0.5 }));
    same(new nn.MSELoss("none").call(logits, t), F.mseLoss(logits, t, "none"));
    expect(Object.keys(new nn.BCEWithLogitsLoss({ posWeight: pw }).stateDict())).toEqual(["pos_weight"]);
  });
});

describe("layers: wrong input shapes name the layer and the expected shape", () => {
  it("Linear, Conv2d, BatchNorm2d, LayerNorm", () => {
    expect(() => new nn.Linear(2, 16).call(zeros(3, 5))).toThrow("Linear(in_features=2, out_features=16, bias=True): expected input of shape [*, 2], got [3, 5]");
    expect(() => new nn.Conv2d(3, 8, 3).call(zeros(1, 4, 8, 8))).toThrow("Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1)): expected input of shape [N, 3, H, W] or [3, H, W], got [1, 4, 8, 8]");
    expect(() => new nn.BatchNorm2d(4).call(zeros(2, 4, 3))).toThrow(/BatchNorm2d\(4, .*\): expected input of shape \[N, 4, \*, \*\], got \[2, 4, 3\]/);
    expect(() => new nn.LayerNorm([3, 4]).call(zeros(2, 4, 3))).toThrow(/expected input of shape \[\*, 3, 4\], got \[2, 4, 3\]/);
  });
});

describe("training as torch's", () => {
  const batches = train.batches.map((b: { x: number[]; y: number[] }) => [fromBits([64, 2], b.x), tensor(b.y)] as const);
  for (const run of train.runs) {
    it(`a Sequential MLP, 100 steps of ${run.optimizer} ${JSON.stringify(run.options)}: torch's losses within 1e-5 relative, parameters within 1e-4`, () => {
      manualSeed(0);
      const model = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Linear(16, 16), new nn.ReLU(), new nn.Linear(16, 2));
      const opt = run.optimizer === "Adam" ? new optim.Adam(model.parameters(), run.options) : new optim.SGD(model.parameters(), run.options);
      const lossFn = new nn.CrossEntropyLoss();
      const losses: number[] = [];
      for (let step = 0; step < 100; step++) {
        const [x, y] = batches[step % 4];
        losses.push(scope(() => {
          opt.zeroGrad();
          const loss = lossFn.call(model.call(x), y);
          loss.backward();
          opt.step();
          return loss.item();
        }));
      }
      losses.forEach((l, i) => expect(Math.abs(l - run.losses[i]), `step ${i}`).toBeLessThanOrEqual(1e-5 * Math.abs(run.losses[i]) + 1e-7));
      const sd = model.stateDict();
      for (const [k, e] of run.final) {
        const want = floats(e.bits), got = Array.from(sd[k].data());
        got.forEach((v, i) => expect(Math.abs(v - want[i]), k).toBeLessThanOrEqual(1e-4));
      }
    });
  }

  it("BatchNorm2d's running statistics, batch count and eval output", () => {
    const bn = new nn.BatchNorm2d(3, { momentum: 0.2 });
    const xs = train.batchnorm.inputs.map((b: number[]) => fromBits([4, 3, 5, 5], b));
    for (const x of xs) bn.call(x);
    bn.eval();
    const ev = bn.call(xs[0]);
    const sd = bn.stateDict();
    for (const [k, e] of train.batchnorm.state) {
      if (e.values) expectEncoded(sd[k], e, k, expect);
      else Array.from(sd[k].data()).forEach((v, i) => expect(Math.abs(v - floats(e.bits)[i])).toBeLessThanOrEqual(1e-5 * Math.abs(v) + 1e-6));
    }
    const want = floats(train.batchnorm.eval);
    Array.from(ev.data()).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-4));
    const bn2 = new nn.BatchNorm1d(3, { momentum: null });
    for (const x of xs) bn2.call(x.reshape(4, 3, 25).indexSelect(2, [0, 1, 2, 3, 4]));
    for (const [k, e] of train.batchnormCumulative.state) {
      if (e.values) expectEncoded(bn2.stateDict()[k], e, k, expect);
      else Array.from(bn2.stateDict()[k].data()).forEach((v, i) => expect(Math.abs(v - floats(e.bits)[i])).toBeLessThanOrEqual(1e-5 * Math.abs(v) + 1e-6));
    }
  });

  for (const c of train.convModes) {
    it(`Conv2d with paddingMode ${c.mode} and padding ${c.padding}: torch's weights exactly, its output within 1e-5`, () => {
      manualSeed(5);
      const conv = new nn.Conv2d(2, 3, c.padding === "same" ? [3, 2] : 3, { padding: c.padding, paddingMode: c.mode });
      for (const [k, e] of c.state) expectEncoded(conv.stateDict()[k], e, k, expect);
      const y = conv.call(fromBits([1, 2, 5, 6], c.x));
      expect(y.shape).toEqual(c.y.shape);
      const want = floats(c.y.bits);
      Array.from(y.data()).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(want[i])));
    });
  }

  it("Flatten, Unflatten and Embedding.fromPretrained", () => {
    const x = randn(2, 3, 4);
    expect(new nn.Flatten().call(x).shape).toEqual([2, 12]);
    expect(new nn.Flatten(0, 1).call(x).shape).toEqual([6, 4]);
    expect(new nn.Unflatten(1, [3, 4]).call(new nn.Flatten().call(x)).shape).toEqual([2, 3, 4]);
    const e = nn.Embedding.fromPretrained(tensor([[1, 2], [3, 4]], { dtype: "float32" }));
    expect(e.call(tensor([1, 0, 1])).toArray()).toEqual([[3, 4], [1, 2], [3, 4]]);
    expect(e.weight.requiresGrad).toBe(false);
    expect([...e.parameters()].length).toBe(1);
  });

  it("Dropout is the identity in eval mode", () => {
    const d = new nn.Dropout(0.5);
    const x = randn(10);
    expect(d.eval().call(x)).toBe(x);
    expect(d.train().call(x)).not.toBe(x);
  });
});

void F;
