// Plain-JS mistakes a PyTorch user makes are loud (src/spelling.ts, Tensor's
// Symbol.toPrimitive): torch's snake_case names, indexing with x[0], a tensor
// used as a number, a class called without new, integer data too big for int32.
import { describe, expect, it } from "vitest";
import { tensor, zeros, optim, Generator, Tensor } from "../src/index";

describe("torch's spellings name wasmgrad's", () => {
  const x = tensor([1, 2, 3], { dtype: "float32", requiresGrad: true });
  it.each([
    ["requires_grad", "requiresGrad"],
    ["grad_fn", "gradFn"],
    ["is_leaf", "isLeaf"],
    ["retain_grad", "retainGrad"],
    ["requires_grad_", "requiresGrad_"],
    ["index_select", "indexSelect"],
    ["tolist", "toArray()"],
    ["numpy", "data()"],
    ["dim", "ndim"],
    ["cuda", "(nothing: wasmgrad runs on the CPU, in WebAssembly)"],
  ])("x.%s names .%s", (torchName, ours) => {
    const read = () => (x as unknown as Record<string, unknown>)[torchName];
    expect(read).toThrow(TypeError);
    expect(read).toThrow(`Tensor: .${torchName} is torch's spelling; wasmgrad spells it .${ours}`);
  });

  it("assigning x.requires_grad is an error too, and changes nothing", () => {
    const y = zeros(2);
    expect(() => { (y as unknown as Record<string, unknown>).requires_grad = true; }).toThrow(
      "Tensor: .requires_grad is torch's spelling; wasmgrad spells it .requiresGrad",
    );
    expect(y.requiresGrad).toBe(false);
    expect(Object.keys(y)).not.toContain("requires_grad");
  });

  it("x.numel() and x.size() are methods, as in torch; x.dim() names x.ndim", () => {
    const y = zeros(2, 3);
    expect(y.numel()).toBe(6);
    expect(y.size()).toEqual([2, 3]);
    expect(() => (y as unknown as { dim(): number }).dim()).toThrow("Tensor: .dim is torch's spelling; wasmgrad spells it .ndim");
    expect(() => (y as unknown as { nelement(): number }).nelement()).toThrow("Tensor: .nelement is torch's spelling; wasmgrad spells it .numel()");
  });

  it("x[0] says how to index", () => {
    expect(() => (x as unknown as Tensor[])[0]).toThrow(
      "Tensor: [0] is not indexing in JS (it would be undefined); use x.select(0, 0) for a sub-tensor, or x.item() / x.toArray() for values",
    );
  });

  it("optimizers and generators: zero_grad, manual_seed", () => {
    const opt = new optim.Adam([x], { lr: 0.1 });
    expect(() => (opt as unknown as { zero_grad(): void }).zero_grad()).toThrow(
      "Adam: .zero_grad is torch's spelling; wasmgrad spells it .zeroGrad",
    );
    const sgd = new optim.SGD([x], { lr: 0.1 });
    expect(() => (sgd as unknown as { zero_grad(): void }).zero_grad()).toThrow("SGD: .zero_grad is torch's spelling; wasmgrad spells it .zeroGrad");
    const g = new Generator();
    expect(() => (g as unknown as { manual_seed(s: number): void }).manual_seed(1)).toThrow(
      "Generator: .manual_seed is torch's spelling; wasmgrad spells it .manualSeed",
    );
  });

  it("other missing properties stay undefined, as tools that probe objects expect", async () => {
    const r = x as unknown as Record<string, unknown>;
    for (const k of ["then", "toJSON", "$$typeof", "asymmetricMatch", "nodeType", "_private", "__esModule", "no_such_member"]) {
      expect(r[k], k).toBeUndefined();
    }
    await expect(Promise.resolve(x).then((v) => v === x)).resolves.toBe(true);
    expect("shape" in x).toBe(true);
    expect(x instanceof Tensor).toBe(true);
  });
});

describe("a tensor is not a JS number", () => {
  const s = tensor([1.5, 2], { dtype: "float32" }).sum();
  it("x + 1, x * 2 and x < 1 throw, naming what to write", () => {
    const msg = /^Tensor: a tensor of shape \[\] was used as a JS (number|primitive \(in \+, == or a comparison\)); use x\.add\(y\), x\.mul\(y\), x\.lt\(y\), \.\.\. for tensor arithmetic, x\.item\(\) for a one-element tensor's value, or String\(x\) for its text$/;
    expect(() => (s as unknown as number) + 1).toThrow(msg);
    expect(() => (s as unknown as number) * 2).toThrow(msg);
    expect(() => (s as unknown as number) < 1).toThrow(msg);
    expect(() => Number(s)).toThrow(TypeError);
  });
  it("as text it is its printed form", () => {
    expect(`${s}`).toBe("tensor(3.5000)");
    expect(String(s)).toBe("tensor(3.5000)");
    expect(s.item() + 1).toBe(4.5);
  });
});

describe("classes called without new, and messages that name them, in the minified bundle too", () => {
  it("optim.Adam(params) without new says what to write", async () => {
    const dist = await import("../dist/wasmgrad.js");
    for (const lib of [{ optim, zeros }, dist]) {
      const x = lib.zeros(2, { requiresGrad: true });
      expect(() => (lib.optim.Adam as unknown as (p: unknown[]) => unknown)([x])).toThrow("optim.Adam is a class: create one with new optim.Adam(...)");
      expect(() => (lib.optim.SGD as unknown as (p: unknown[]) => unknown)([x])).toThrow("optim.SGD is a class: create one with new optim.SGD(...)");
      const opt = new lib.optim.Adam([x], { lr: 0.1 });
      expect(opt instanceof lib.optim.Adam).toBe(true);
      expect(() => (opt as unknown as { zero_grad(): void }).zero_grad()).toThrow("Adam: .zero_grad is torch's spelling; wasmgrad spells it .zeroGrad");
    }
    expect(() => (dist.Generator as unknown as () => unknown)()).toThrow("Generator is a class: create one with new Generator(...)");
  });
});

describe("keyword arguments are an options object, positional ones work too", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float32" });
  it("sum, mean: { dim, keepdim }", () => {
    expect(x.sum({ dim: 1, keepdim: true }).toArray()).toEqual([[6], [15]]);
    expect(x.sum(1, true).toArray()).toEqual([[6], [15]]);
    expect(x.sum({ dim: [0, 1] }).item()).toBe(21);
    expect(x.mean({ dim: 0 }).toArray()).toEqual([2.5, 3.5, 4.5]);
    expect(x.mean({}).item()).toBe(3.5);
  });
  it("max, min: { dim, keepdim } give values and indices", () => {
    const { values, indices } = x.max({ dim: 1, keepdim: true });
    expect(values.toArray()).toEqual([[3], [6]]);
    expect(indices.toArray()).toEqual([[2], [2]]);
    expect(x.min({ dim: 0 }).values.toArray()).toEqual([1, 2, 3]);
  });
  it("transpose, squeeze, unsqueeze: torch's dim keywords", () => {
    expect(x.transpose({ dim0: 0, dim1: 1 }).shape).toEqual([3, 2]);
    expect(x.unsqueeze({ dim: 0 }).shape).toEqual([1, 2, 3]);
    expect(x.unsqueeze(0).squeeze({ dim: 0 }).shape).toEqual([2, 3]);
  });
  it("a wrong dim in an options object names the dim", () => {
    expect(() => x.sum({ dim: 2 })).toThrow(/dim 2 is out of range|Dimension out of range/);
  });
});

describe("torch's names of functions", () => {
  it("importing no_grad from the bundle fails when the app loads, naming the import (ES modules check named imports)", async () => {
    const { execFileSync } = await import("node:child_process");
    const { pathToFileURL } = await import("node:url");
    const { join } = await import("node:path");
    const bundle = pathToFileURL(join(__dirname, "../dist/wasmgrad.js")).href;
    let stderr = "";
    try {
      execFileSync(process.execPath, ["--input-type=module", "-e", `import { no_grad } from ${JSON.stringify(bundle)}; no_grad(() => 0);`], { stdio: "pipe" });
    } catch (e) {
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(stderr).toMatch(/SyntaxError: The requested module '.*wasmgrad\.js' does not provide an export named 'no_grad'/);
  });
});
