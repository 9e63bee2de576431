// utils.data against torch 1.13 (test/fixtures/nn_lr.json's loaders, from gen_nn.py):
// DataLoader batch orders under manualSeed (shuffled, dropLast, a generator), two
// epochs each, and the default generator's state after them: exact.
import { describe, expect, it } from "vitest";
import { utils, arange, manualSeed, rand, Generator, zeros } from "../../src/index";
import { fixture } from "./helpers";

const loaders = fixture("nn_lr.json").loaders;

describe("utils.data.DataLoader", () => {
  for (const c of loaders) {
    it(`${JSON.stringify(c.options)}${c.generator === null ? "" : ` generator ${c.generator}`} under manualSeed(${c.seed}): torch's batches`, () => {
      manualSeed(c.seed);
      const ds = new utils.data.TensorDataset(arange(11), arange(11).mul(10));
      const dl = new utils.data.DataLoader(ds, { ...c.options, generator: c.generator === null ? undefined : new Generator(c.generator) });
      const epochs = [0, 1].map(() => [...dl].map(([a, b]) => [a.toArray(), b.toArray()]));
      expect(epochs).toEqual(c.epochs);
      expect(dl.length).toBe(c.epochs[0].length);
      expect(Math.fround(rand(1).item())).toBe(Math.fround(c.randAfter));
    });
  }

  it("TensorDataset checks its tensors and indexes samples", () => {
    expect(() => new utils.data.TensorDataset(zeros(3), zeros(4))).toThrow(/Size mismatch/);
    const ds = new utils.data.TensorDataset(arange(3), arange(3).mul(2));
    expect(ds.length).toBe(3);
    expect(ds.get(2).map((t) => t.item())).toEqual([2, 4]);
    expect(() => new utils.data.DataLoader(ds, { batchSize: 0 })).toThrow(/positive integer/);
  });
});
