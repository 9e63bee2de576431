// Deferred transposes (src/storage.ts): t(), .T and transpose(-2, -1) of 1024
// elements or more put their copy off, and a matmul reads the source with its
// transpose flag flipped. What users must see is a plain copy made at the
// transpose: the same values after any later write to the source (in-place ops,
// optimizers, zeroGrad, captured replays), after the source is disposed or
// spilled, through reshapes, in gradients; and the memory given back.

import { describe, expect, it } from "vitest";
import { garbage } from "./helpers/garbage";
import * as wg from "../src/index";

const { tensor, scope, memoryStats, optim } = wg;

/** torch.rand(shape) after manual_seed(seed). */
function random(shape: number[], seed: number): wg.Tensor {
  wg.manualSeed(seed);
  return wg.rand(...shape);
}


/** The transpose of each [r, c] matrix in `x`, in plain JS. */
function jsTranspose(x: Float32Array, r: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < x.length; b += r * c) for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[b + j * r + i] = x[b + i * c + j];
  return out;
}

const bits = (x: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(x).buffer));
const deferred = (t: wg.Tensor) => t.storageRef().pending !== null;

describe("deferred transposes", () => {
  it("are deferred from 1024 elements on, copied at once below", () => {
    const big = random([32, 32], 1), small = random([31, 33], 2);
    const bt = big.T, st = small.T;
    expect(deferred(bt)).toBe(true);
    expect(deferred(st)).toBe(false);
    expect(bits(bt.data())).toEqual(bits(jsTranspose(big.data(), 32, 32)));
    expect(deferred(bt)).toBe(false); // read, so copied
    wg.dispose(big, small, bt, st);
  });

  it("give a matmul the bits of the copied operand, for every layout and in batches, without copying", () => {
    const a = random([48, 40], 3), b = random([48, 56], 4), c = random([40, 56], 5), e = random([56, 48], 6);
    const copyOf = (x: wg.Tensor) => tensor(jsTranspose(x.data(), x.shape[0], x.shape[1])).reshape([x.shape[1], x.shape[0]]);
    const [aT, cT, eT] = [a, c, e].map(copyOf);
    const at = a.T, ct = c.T, et = e.T;
    const cases = [
      [at.matmul(b), aT.matmul(b)], // Aᵀ·B
      [b.matmul(ct), b.matmul(cT)], // A·Bᵀ
      [at.matmul(et), aT.matmul(eT)], // Aᵀ·Bᵀ
    ];
    for (const [got, want] of cases) expect(bits(got.data())).toEqual(bits(want.data()));
    expect([at, ct, et].every(deferred)).toBe(true); // the products read the sources
    // batched: transpose(-2, -1) of [3, 40, 48]
    const x = random([3, 40, 48], 7), y = random([3, 40, 24], 8);
    const xt = x.transpose(-2, -1);
    expect(deferred(xt)).toBe(true);
    const xT = tensor(jsTranspose(x.data(), 40, 48)).reshape([3, 48, 40]);
    expect(bits(xt.matmul(y).data())).toEqual(bits(xT.matmul(y).data()));
    expect(deferred(xt)).toBe(true);
    wg.dispose(a, b, c, e, aT, cT, eT, at, ct, et, x, y, xt, xT, ...cases.flat());
  });

  it("give gradients with the bits of copied operands", () => {
    const run = (copy: boolean) => {
      const x = random([40, 48], 8).requiresGrad_(), w = random([40, 32], 9).requiresGrad_();
      const xt = x.T;
      if (copy) xt.data(); // reading it makes the copy
      expect(deferred(xt)).toBe(!copy);
      const y = xt.matmul(w).matmul(w.T);
      y.mul(y).sum().backward();
      return [y.data(), x.grad!.data(), w.grad!.data()].map(bits);
    };
    expect(run(false)).toEqual(run(true));
  });

  it("keep the values of the transpose through every kind of write to the source", () => {
    const writes: [string, (s: wg.Tensor) => void][] = [
      ["add_", (s) => s.add_(1)],
      ["sub_ with alpha", (s) => s.sub_(random([40, 48], 10), 2)],
      ["mul_ broadcast", (s) => s.mul_(random([48], 11))],
      ["div_", (s) => s.div_(3)],
      ["fill_", (s) => s.fill_(7)],
      ["zero_", (s) => s.zero_()],
      ["copy_", (s) => s.copy_(random([40, 48], 12))],
      ["add_ through a reshape", (s) => s.reshape([1920]).add_(5)],
      ["add_ of a transpose of its own memory", (s) => s.add_(s.reshape([48, 40]).T)],
    ];
    for (const [name, write] of writes) {
      const s = random([40, 48], 13);
      const want = bits(jsTranspose(s.data(), 40, 48));
      const st = s.T;
      write(s);
      expect(bits(st.data()), name).toEqual(want);
      wg.dispose(s, st);
    }
  });

  it("copy a square source before an update that reads the transpose: a.add_(a.T)", () => {
    const a = random([40, 40], 14);
    const a0 = a.data().slice(), t0 = jsTranspose(a0, 40, 40);
    a.add_(a.T);
    expect(bits(a.data())).toEqual(bits(a0.map((v, i) => Math.fround(v + t0[i]))));
    a.dispose();
  });

  it("keep their values through optimizer steps and zeroGrad on the source", () => {
    for (const make of [(p: wg.Tensor[]) => new optim.SGD(p, { lr: 0.1, momentum: 0.9 }), (p: wg.Tensor[]) => new optim.Adam(p, { lr: 0.1 })]) {
      const p = random([40, 48], 15).requiresGrad_();
      const opt = make([p]);
      p.mul(p).sum().backward();
      const pT = p.T, gT = p.grad!.T;
      const wantP = bits(jsTranspose(p.data(), 40, 48)), wantG = bits(jsTranspose(p.grad!.data(), 40, 48));
      opt.step();
      opt.zeroGrad();
      expect(bits(pT.data())).toEqual(wantP);
      expect(bits(gT.data())).toEqual(wantG);
      wg.dispose(p, pT, gT);
      opt.dispose();
    }
  });

  it("keep their values when a captured step writes the source on replay, and a captured step gives eager bits", () => {
    const run = (captured: boolean) => {
      const p = random([40, 48], 16).requiresGrad_(), x = random([40, 24], 17);
      const opt = new optim.SGD([p], { lr: 0.01 });
      const step = () => {
        opt.zeroGrad();
        const loss = p.T.matmul(x).pow(2).mean(); // the transpose is deferred when eager, copied when recorded
        loss.backward();
        opt.step();
        return loss;
      };
      const f = captured ? wg.capture(step) : (() => scope(step)) as () => wg.Tensor;
      const losses: number[] = [];
      let snapshot: wg.Tensor | null = null, want: number[] = [];
      for (let i = 0; i < 6; i++) {
        if (i === 4) {
          snapshot = p.T; // made outside the step, between replays
          want = bits(jsTranspose(p.data(), 40, 48));
        }
        losses.push(f().item());
      }
      expect(bits(snapshot!.data())).toEqual(want);
      const out = bits(p.data());
      wg.dispose(p, x, snapshot!);
      return [bits(losses), out];
    };
    expect(run(true)).toEqual(run(false));
  });

  it("survive their source's disposal, and give its memory back when disposed, read or not", () => {
    for (const read of [true, false]) {
      const before = memoryStats().bytesInUse;
      const a = random([40, 48], 18);
      const want = bits(jsTranspose(a.data(), 40, 48));
      const at = a.T;
      const both = memoryStats().bytesInUse;
      a.dispose();
      expect(memoryStats().bytesInUse).toBe(both); // a's block stays while at needs it
      if (read) expect(bits(at.data())).toEqual(want);
      at.dispose();
      expect(memoryStats().bytesInUse).toBe(before);
    }
  });

  it("read through a reshape of another shape or a transpose of a transpose, give the copy", () => {
    const a = random([40, 48], 20), b = random([48, 8], 21);
    const at = a.T; // [48, 40]
    const r = at.reshape([40, 48]); // the same memory, but not the transpose's shape: a matmul must not read a
    const want = tensor(jsTranspose(a.data(), 40, 48)).reshape([40, 48]).matmul(b);
    expect(bits(r.matmul(b).data())).toEqual(bits(want.data()));
    const c = random([40, 48], 22), ctt = c.T.T;
    expect(bits(ctt.data())).toEqual(bits(c.data()));
    wg.dispose(a, b, at, r, want, c, ctt);
  });

  it("left unread and forgotten in a loop, are copied and spilled like any tensor: memory stays bounded", () => {
    const start = memoryStats().memoryBytes;
    for (let i = 0; i < 3000; i++) wg.rand(64, 64).T; // nothing disposes them: 32 KiB a step, 96 MiB in all
    expect(memoryStats().memoryBytes).toBeLessThan(start + 24 * 2 ** 20);
  });

  it("live and unread, keep their values when their blocks are spilled", () => {
    const a = random([40, 48], 23);
    const want = bits(jsTranspose(a.data(), 40, 48));
    const at = a.T;
    a.dispose();
    garbage(4 * memoryStats().memoryBytes);
    expect(at.storageRef().ptr).toBe(-1); // copied, then spilled
    expect(bits(at.data())).toEqual(want);
    at.dispose();
  });
});
