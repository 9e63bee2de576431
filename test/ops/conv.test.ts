// Products and convolutions of nn.functional: linear, bilinear, conv1d, conv2d,
// convTranspose1d, convTranspose2d, unfold, fold. Golden data from torch 1.13
// (test/fixtures/ops_layers.json), finite-difference gradchecks against the
// float64 loops of layers.reference.ts, and what the ops promise beyond values.
import { describe, expect, it } from "vitest";
import { F, randn, zeros, scope, memoryStats, noGrad, capture, manualSeed, mseLoss, optim, type Tensor } from "../../src/index";
import { make, numel, type RTensor } from "../reference";
import { gradcheck } from "../gradcheck";
import { mulberry32, gaussian } from "../helpers/bridge";
import { goldenCases } from "./layers.golden";
import * as L from "./layers.reference";

export function rnd(seed: number, shape: number[]): RTensor {
  const r = mulberry32(seed);
  return make(shape, Array.from({ length: numel(shape) }, () => gaussian(r)));
}

const o2 = (stride = [1, 1], padding = [0, 0], dilation = [1, 1], groups = 1) => ({ stride, padding, dilation, groups });

describe("linear", () => {
  goldenCases("linear");
  it("gradchecks with and without bias", () => {
    gradcheck(([x, w, b]) => F.linear(x, w, b), ([x, w, b]) => L.linear(x, w, b), [rnd(1, [2, 3, 4]), rnd(2, [5, 4]), rnd(3, [5])]);
    gradcheck(([x, w]) => F.linear(x, w), ([x, w]) => L.linear(x, w, null), [rnd(4, [3]), rnd(5, [2, 3])]);
  });
  it("reads a transposed weight in place and gives the product's values", () => {
    scope(() => {
      const w = randn([40, 48]), x = randn([3, 40]);
      const y1 = F.linear(x, w.T), y2 = x.matmul(w);
      expect(Array.from(y1.data())).toEqual(Array.from(y2.data()));
    });
  });
  it("takes a batched input produced by a transpose (deferred: its rows are copied, not read as one matrix)", () => {
    scope(() => {
      const x = randn([3, 64, 40]).requiresGrad_(true), w = randn([5, 64]).requiresGrad_(true);
      const y = F.linear(x.transpose(1, 2), w), z = x.detach().transpose(1, 2).clone().matmul(w.detach().t());
      expect(y.sub(z).abs().max().item()).toBeLessThan(1e-4);
      y.sum().backward();
      expect(x.grad!.shape).toEqual([3, 64, 40]);
      expect(w.grad!.sub(x.detach().sum([0, 2]).reshape([1, 64]).expand([5, 64])).abs().max().item()).toBeLessThan(1e-3);
    });
  });
  it("frees what it allocates without a graph", () => {
    scope(() => {
      const x = randn([4, 6]), w = randn([3, 6]), b = randn([3]);
      F.linear(x, w, b).dispose();
      const before = memoryStats().bytesInUse;
      F.linear(x, w, b).dispose();
      expect(memoryStats().bytesInUse).toBe(before);
    });
  });
});

describe("bilinear", () => {
  goldenCases("bilinear");
  it("gradchecks", () => {
    gradcheck(([a, b, w, c]) => F.bilinear(a, b, w, c), ([a, b, w, c]) => L.bilinearForm(a, b, w, c),
      [rnd(6, [3, 2]), rnd(7, [3, 3]), rnd(8, [2, 2, 3]), rnd(9, [2])]);
  });
});

describe("conv1d", () => {
  goldenCases("conv1d");
  it("gradchecks with stride, padding, dilation and groups", () => {
    const to2 = (x: RTensor) => make([x.shape[0], x.shape[1], 1, x.shape[2]], x.data);
    gradcheck(([x, w, b]) => F.conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2, groups: 2 }),
      ([x, w, b]) => { const y = L.conv2d(to2(x), to2(w), b, o2([1, 2], [0, 1], [1, 2], 2)); return make([y.shape[0], y.shape[1], y.shape[3]], y.data); },
      [rnd(10, [2, 4, 9]), rnd(11, [4, 2, 3]), rnd(12, [4])]);
  });
});

describe("conv2d", () => {
  goldenCases("conv2d");
  it("gradchecks with stride, padding, dilation and groups", () => {
    gradcheck(([x, w, b]) => F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }),
      ([x, w, b]) => L.conv2d(x, w, b, o2([2, 1], [1, 2], [1, 2], 2)), [rnd(13, [2, 4, 5, 6]), rnd(14, [6, 2, 3, 2]), rnd(15, [6])]);
  });
  it("gradchecks padding 'same' with an even kernel (more padding after than before)", () => {
    // torch pads 1 before and 2 after a kernel of 4: the reference sees the input padded so
    const padded = (x: RTensor) => L.pad(x, [1, 2, 1, 2], "constant");
    gradcheck(([x, w]) => F.conv2d(x, w, { padding: "same" }), ([x, w]) => L.conv2d(padded(x), w, null, o2()), [rnd(16, [1, 2, 5, 4]), rnd(17, [3, 2, 4, 4])]);
  });
  it("takes the bias in the options too, and an unbatched input", () => {
    scope(() => {
      const x = randn([2, 5, 5]), w = randn([3, 2, 3, 3]), b = randn([3]);
      const y = F.conv2d(x, w, { bias: b, padding: 1 });
      const z = F.conv2d(x.reshape([1, 2, 5, 5]), w, b, { padding: 1 });
      expect(y.shape).toEqual([3, 5, 5]);
      expect(Array.from(y.data())).toEqual(Array.from(z.data()));
    });
  });
  it("frees its columns and products without a graph", () => {
    scope(() => {
      const x = randn([2, 3, 8, 8]), w = randn([4, 3, 3, 3]), b = randn([4]);
      F.conv2d(x, w, b, { groups: 1, padding: 1 }).dispose(); // the product's scratch block is allocated once
      const before = memoryStats().bytesInUse;
      F.conv2d(x, w, b, { groups: 1, padding: 1 }).dispose();
      noGrad(() => F.conv2d(x.requiresGrad_(true), w, b)).dispose();
      expect(memoryStats().bytesInUse).toBe(before);
    });
  });
});

describe("convTranspose2d", () => {
  goldenCases("convTranspose2d");
  it("gradchecks with stride, padding, outputPadding, dilation and groups", () => {
    const o = { ...o2([2, 3], [1, 0], [1, 2], 2), outputPadding: [1, 2] };
    gradcheck(([x, w, b]) => F.convTranspose2d(x, w, b, o), ([x, w, b]) => L.convTranspose2d(x, w, b, o),
      [rnd(18, [2, 4, 3, 3]), rnd(19, [4, 2, 3, 2]), rnd(20, [4])]);
  });
  it("is the adjoint of conv2d: <conv2d(x, w), y> = <x, convTranspose2d(y, w)>", () => {
    scope(() => {
      const x = randn([2, 3, 7, 6]), w = randn([4, 3, 3, 2]), o = { stride: 2, padding: 1, dilation: [1, 2] };
      const y = randn(F.conv2d(x, w, o).shape);
      const xt = F.convTranspose2d(y, w, { ...o, outputPadding: [0, 1] });
      expect(xt.shape).toEqual(x.shape);
      expect(F.conv2d(x, w, o).mul(y).sum().item()).toBeCloseTo(x.mul(xt).sum().item(), 3);
    });
  });
});

describe("convTranspose1d", () => {
  goldenCases("convTranspose1d");
});

describe("unfold", () => {
  goldenCases("unfold");
  it("gradchecks", () => {
    const o = { stride: [2, 1], padding: [1, 0], dilation: [1, 2] };
    gradcheck(([x]) => F.unfold(x, [2, 2], o), ([x]) => L.unfold(x, [2, 2], o), [rnd(21, [2, 2, 4, 5])]);
  });
});

describe("fold", () => {
  goldenCases("fold");
  it("gradchecks, and is unfold's adjoint", () => {
    const o = { stride: 1, padding: 1, kernelSize: 2 };
    const cols = (t: Tensor) => t;
    gradcheck(([c]) => F.fold(cols(c), [3, 3], o), ([c]) => {
      // fold(c) = the adjoint of unfold: y[i] = Σ over the columns reading i
      const y = make([1, 2, 3, 3], new Float64Array(18));
      for (let i = 0; i < 18; i++) {
        const e = make([1, 2, 3, 3], new Float64Array(18));
        e.data[i] = 1;
        const u = L.unfold(e, [2, 2], { stride: [1, 1], padding: [1, 1], dilation: [1, 1] });
        y.data[i] = u.data.reduce((s, v, j) => s + v * c.data[j], 0);
      }
      return y;
    }, [rnd(22, [1, 8, 16])]);
  });
});

describe("layers in a captured step", () => {
  it("replay bit for bit what the eager steps compute", () => {
    const run = (captured: boolean) => {
      manualSeed(11);
      const x = randn([2, 3, 8, 8]), target = randn([2, 4]);
      const w = randn([4, 3, 3, 3]).mul(0.2).requiresGrad_(true), b = zeros([4]).requiresGrad_(true), lw = randn([4, 16]).mul(0.2).requiresGrad_(true);
      const opt = new optim.SGD([w, b, lw], { lr: 0.05, momentum: 0.9 });
      const step = () => {
        opt.zeroGrad();
        let h = F.conv2d(F.pad(x, [1, 1, 1, 1], "reflect"), w, b, { stride: 1 });
        h = F.maxPool2d(F.groupNorm(h, 2).relu(), 2);
        h = F.interpolate(F.avgPool2d(h, 2, { stride: 1, padding: 1, countIncludePad: false }), { size: [2, 2], mode: "bilinear" });
        const loss = mseLoss(F.linear(h.reshape([2, 16]), lw), target);
        loss.backward();
        opt.step();
        return loss;
      };
      const f = captured ? capture(step) : step;
      const losses: number[] = [];
      for (let i = 0; i < 6; i++) {
        if (captured) {
          // a captured step owns its tensors: no scope around it (as linalg's descent loops)
          const l = f();
          losses.push(l.item());
          l.dispose();
        } else scope(() => void losses.push(f().item()));
      }
      if (captured) {
        expect((f as ReturnType<typeof capture>).recorded).toBe(true);
        (f as ReturnType<typeof capture>).dispose();
      }
      return [...losses, ...w.data()];
    };
    expect(run(true)).toEqual(run(false));
  });
});
