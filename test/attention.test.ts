// A tiny causal self-attention block (one transformer layer: token + learned position
// embedding, LayerNorm, two-head attention with a causal mask by maskedFill(-inf) and
// softmax, a residual, a GELU MLP 8 -> 16 -> 8, a final LayerNorm and a linear head),
// trained on next-token cross-entropy with Adam(lr=1e-2) for 20 steps, written as a
// PyTorch user writes it, against the same program run in PyTorch 1.13
// (test/fixtures/attention.json). Checked:
//   - manualSeed(0) + randn * 0.1 (and randint for the token ids) reproduce the
//     script's initial parameters and batch bit for bit;
//   - from the fixture's initial parameters (loaded, so the rest does not hang on the
//     generator): the step-0 loss within 1e-6 relative, and every parameter's step-0
//     gradient elementwise within 1e-5 absolute + 1e-4 relative of torch's;
//   - all 20 losses within 1e-5 relative, and every parameter after step 20 elementwise
//     within 1e-4 of torch's, but the key bias bk: a constant added to every key shifts each
//     query's scores by the same amount, which softmax cancels, so bk's gradient is exactly
//     zero and what both runs compute is float32 rounding noise (|g| < 1e-9). Adam divides
//     m by sqrt(v), so noise of any size moves bk by up to ~lr a step, differently in any two
//     float32 runs (torch float32 vs torch float64 end 8e-4 apart on bk, 3e-7 elsewhere).
//     bk's gradient is checked to be zero instead, in both runs;
//   - the same run with scope() around each step and without is the same, bit for bit.
// Regenerate the fixture with Debian's python3-torch (torch 1.13):
//     /usr/bin/python3 test/fixtures/gen_attention.py
import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { F, optim, manualSeed, randn, randint, ones, tensor, scope, Tensor } from "../src/index";

type Spec = [name: string, shape: number[], kind: "w" | "ln"];
const fixture = JSON.parse(readFileSync(new URL("./fixtures/attention.json", import.meta.url), "utf8")) as {
  torch: string;
  config: { B: number; T: number; C: number; H: number; V: number; hidden: number };
  params: Spec[];
  idx: number[][];
  init: Record<string, number[]>;
  losses: number[];
  grads: Record<string, number[]>;
  final: Record<string, number[]>;
};
const { B, T, C, H, V } = fixture.config;
const D = C / H;
const specs = fixture.params;
const names = specs.map(([n]) => n);

const bitsOf = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const load = (values: number[], shape: number[]) => tensor(Float32Array.from(values)).reshape(shape);
const fresh = (): Record<string, Tensor> =>
  Object.fromEntries(specs.map(([n, shape]) => [n, load(fixture.init[n], shape).requiresGrad_()]));

/**
 * Worst elementwise distance of `got` from torch's `want` (both float32 values): the largest
 * |got - want|, the largest |got - want| / |want|, that largest |got - want| over the largest
 * |want| (the tensor's error on its own scale), and whether all are within atol + rtol |want|.
 */
function compare(got: ArrayLike<number>, want: number[], atol: number, rtol: number) {
  expect(got.length).toBe(want.length);
  let abs = 0, rel = 0, scale = 0, excess = -Infinity;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    abs = Math.max(abs, d);
    scale = Math.max(scale, Math.abs(want[i]));
    if (want[i] !== 0) rel = Math.max(rel, d / Math.abs(want[i]));
    excess = Math.max(excess, d - (atol + rtol * Math.abs(want[i])));
  }
  return { abs, rel, onScale: abs / scale, ok: excess <= 0 };
}

// ---- the model, line by line as gen_attention.py ------------------------------------
const mask = ones(T, T, { dtype: "bool" }).triu(1); // torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)

const heads = (t: Tensor) => t.reshape(B, T, H, D).transpose(1, 2); // [B, T, C] -> [B, H, T, D]

function forward(p: Record<string, Tensor>, idx: Tensor): Tensor {
  let x = F.embedding(idx, p.wte).add(p.wpe.slice([null, T]));
  let h = F.layerNorm(x, [C], p.ln1_w, p.ln1_b);
  const q = heads(F.linear(h, p.wq, p.bq));
  const k = heads(F.linear(h, p.wk, p.bk));
  const v = heads(F.linear(h, p.wv, p.bv));
  let att = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(D));
  att = att.maskedFill(mask, -Infinity).softmax(-1);
  const y = att.matmul(v).transpose(1, 2).reshape(B, T, C);
  x = x.add(F.linear(y, p.wo, p.bo));
  h = F.layerNorm(x, [C], p.ln2_w, p.ln2_b);
  x = x.add(F.linear(F.gelu(F.linear(h, p.w1, p.b1)), p.w2, p.b2));
  x = F.layerNorm(x, [C], p.lnf_w, p.lnf_b);
  return F.linear(x, p.wh, p.bh);
}

const lossOf = (p: Record<string, Tensor>, idx: Tensor) =>
  F.crossEntropy(forward(p, idx).slice(null, [null, -1]).reshape(-1, V), idx.slice(null, [1]).reshape(-1));

/** 20 steps of Adam(lr=1e-2) from the fixture's initial parameters, as the script's loop. */
function train(useScope: boolean) {
  const p = fresh();
  const params = names.map((n) => p[n]);
  const idx = tensor(fixture.idx, { dtype: "int32" });
  const opt = new optim.Adam(params, { lr: 1e-2 });
  const losses: number[] = [];
  let grads: Record<string, Float32Array> = {};
  for (let i = 0; i < fixture.losses.length; i++) {
    const step = () => {
      const loss = lossOf(p, idx);
      losses.push(loss.item());
      opt.zeroGrad();
      loss.backward();
      if (i === 0) grads = Object.fromEntries(names.map((n) => [n, (p[n].grad!.data() as Float32Array).slice()]));
      opt.step();
    };
    useScope ? scope(step) : step();
  }
  const final = Object.fromEntries(names.map((n) => [n, (p[n].data() as Float32Array).slice()]));
  opt.dispose();
  for (const t of [...params, idx]) t.dispose();
  return { losses, grads, final };
}

describe(`a causal self-attention block trained with Adam follows PyTorch ${fixture.torch}`, () => {
  let run: ReturnType<typeof train>;
  beforeAll(() => { run = train(true); });

  it("manualSeed(0), randn * 0.1 and randint draw the script's initial parameters and token ids, bit for bit", () => {
    manualSeed(0);
    scope(() => {
      for (const [n, shape, kind] of specs) {
        const r = randn(...shape).mul(0.1);
        const t = kind === "ln" ? r.add(1) : r;
        expect(t.shape, n).toEqual(shape);
        expect(bitsOf(t.data() as Float32Array), n).toEqual(bitsOf(fixture.init[n]));
      }
      const idx = randint(0, V, [B, T]);
      expect(Array.from(idx.data())).toEqual(fixture.idx.flat());
    });
  });

  it("step 0: the loss, and the gradient of every parameter (within 1e-5 + 1e-4 |torch|)", () => {
    const l0 = run.losses[0], t0 = fixture.losses[0];
    expect(Math.abs(l0 - t0) / t0, `loss 0: ${l0} vs torch ${t0}`).toBeLessThan(1e-6);
    let worstAbs = 0, worstRel = 0, worstOnScale = 0;
    for (const n of names) {
      const c = compare(run.grads[n], fixture.grads[n], 1e-5, 1e-4);
      expect(c.ok, `${n}.grad: max abs ${c.abs}, max rel ${c.rel}`).toBe(true);
      if (n === "bk") continue; // zero but for rounding noise, in both: below
      worstAbs = Math.max(worstAbs, c.abs);
      worstRel = Math.max(worstRel, c.rel);
      worstOnScale = Math.max(worstOnScale, c.onScale);
    }
    // the key bias's gradient is exactly zero (softmax cancels it): both runs give rounding noise
    for (const g of [run.grads.bk, fixture.grads.bk]) for (const v of g) expect(Math.abs(v)).toBeLessThan(1e-8);
    console.log(`step-0 loss rel err ${Math.abs(l0 - t0) / t0}; gradients but bk: worst abs ${worstAbs}, ` +
      `worst elementwise rel ${worstRel}, worst on the tensor's scale ${worstOnScale}`);
  });

  it("20 Adam steps: every loss within 1e-5 relative, every final parameter but bk within 1e-4", () => {
    expect(run.losses.length).toBe(fixture.losses.length);
    let worstLoss = 0;
    fixture.losses.forEach((want, i) => {
      const r = Math.abs(run.losses[i] - want) / want;
      worstLoss = Math.max(worstLoss, r);
      expect(r, `loss ${i}: ${run.losses[i]} vs torch ${want}`).toBeLessThan(1e-5);
    });
    let worstParam = 0;
    for (const n of names) {
      if (n === "bk") continue; // Adam's steps on a zero gradient's rounding noise (header)
      const c = compare(run.final[n], fixture.final[n], 1e-4, 0);
      worstParam = Math.max(worstParam, c.abs);
      expect(c.ok, `${n}: max abs ${c.abs}`).toBe(true);
    }
    console.log(`losses: worst rel ${worstLoss}; final parameters: worst abs ${worstParam}`);
  });

  it("the same training without scope() gives the same bits", () => {
    const bare = train(false);
    expect(bitsOf(bare.losses)).toEqual(bitsOf(run.losses));
    for (const n of names) {
      expect(bitsOf(bare.grads[n]), `${n}.grad`).toEqual(bitsOf(run.grads[n]));
      expect(bitsOf(bare.final[n]), n).toEqual(bitsOf(run.final[n]));
    }
  });
});
