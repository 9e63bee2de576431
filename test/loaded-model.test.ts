// A model trained and initialized in PyTorch, run here: the state dict of a small
// torch.nn CNN (test/fixtures/loaded_model.json, from gen_loaded_model.py) becomes
// leaf tensors, and the network is written with nn.functional as a user would port
// it. Its logits, loss and every parameter's gradient match torch's, and three
// Adam steps from those weights follow torch's. (The state dict travels as float32
// bits here; nn.Module and safetensors loading are deferred for the bundle budget.)
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { F, optim, tensor, scope, Tensor } from "../src/index";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/loaded_model.json", import.meta.url), "utf8"));

type Entry = { shape: number[]; bits: number[] };
const floats = (bits: number[]) => new Float32Array(new Uint32Array(bits).buffer);
const load = (e: Entry) => tensor(floats(e.bits)).reshape(e.shape);

/** max |got - want| over max |want|: a whole tensor's error on its own scale. */
function relErr(got: Tensor, want: Entry): number {
  expect(got.shape).toEqual(want.shape);
  const g = got.data() as Float32Array, w = floats(want.bits);
  let d = 0, m = 0;
  for (let i = 0; i < w.length; i++) {
    d = Math.max(d, Math.abs(g[i] - w[i]));
    m = Math.max(m, Math.abs(w[i]));
  }
  return d / m;
}

/** nn.Sequential(Conv2d(1, 4, 3, padding=1), ReLU, MaxPool2d(2), Conv2d(4, 8, 3), ReLU, Flatten, Linear(200, 10)) */
function model(p: Record<string, Tensor>, x: Tensor): Tensor {
  const h = F.maxPool2d(F.relu(F.conv2d(x, p["0.weight"], p["0.bias"], { padding: 1 })), 2) as Tensor;
  const h2 = F.relu(F.conv2d(h, p["3.weight"], p["3.bias"]));
  return F.linear(h2.flatten(1), p["6.weight"], p["6.bias"]);
}

describe("a torch.nn CNN's state dict runs here as in PyTorch", () => {
  const names = Object.keys(fixture.state);
  const fresh = () => Object.fromEntries(names.map((n) => [n, load(fixture.state[n]).requiresGrad_()]));

  it("logits, cross-entropy and the gradient of every parameter", () => {
    const p = fresh();
    const x = load(fixture.x), y = tensor(fixture.y, { dtype: "int32" });
    const logits = model(p, x);
    expect(relErr(logits, fixture.logits)).toBeLessThan(1e-6);
    const loss = F.crossEntropy(logits, y);
    expect(Math.abs(loss.item() - floats([fixture.loss])[0])).toBeLessThan(1e-6);
    loss.backward();
    for (const n of names) expect(relErr(p[n].grad!, fixture.grads[n]), `${n}.grad`).toBeLessThan(1e-5);
    for (const t of [...Object.values(p), x, y, logits, loss]) t.dispose();
  });

  it("three Adam steps from torch's weights follow torch's", () => {
    const p = fresh();
    const x = load(fixture.x), y = tensor(fixture.y, { dtype: "int32" });
    const opt = new optim.Adam(names.map((n) => p[n]), { lr: 0.01 });
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      scope(() => {
        const loss = F.crossEntropy(model(p, x), y);
        losses.push(loss.item());
        loss.backward();
        opt.step();
        opt.zeroGrad();
      });
    }
    const want = Array.from(floats(fixture.adamLosses));
    for (let i = 0; i < 3; i++) expect(Math.abs(losses[i] - want[i]) / want[i], `loss ${i}`).toBeLessThan(1e-5);
    for (const n of names) expect(relErr(p[n], fixture.after[n]), n).toBeLessThan(1e-5);
    opt.dispose();
    for (const t of [...Object.values(p), x, y]) t.dispose();
  });
});
