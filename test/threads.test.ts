// Threads (src/backend/threads.ts): large products split by rows of C across
// workers on a shared memory. What users rely on: the same bits as one thread
// for every layout, batch and size; tensors, gradients and captured steps that
// carry over when threads are switched on after work has begun; clear errors;
// and a process that still exits by itself.

import { afterAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as wg from "../src/index";
import { k } from "../src/backend/module";
import { alloc, free, f32 } from "../src/backend/memory";
import { rowBounds, wakeWorkersWithoutJob } from "../src/backend/threads";
import { mulberry32 } from "./helpers/bridge";

afterAll(() => wg.setNumThreads(1));

function bitsEqual(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function randomMatrix(shape: number[], seed: number): wg.Tensor {
  const rand = mulberry32(seed);
  const n = shape.reduce((x, y) => x * y, 1);
  return wg.tensor(Float32Array.from({ length: n }, () => rand() * 2 - 1)).reshape(shape);
}

describe("matmul_f32_rows (one thread's share)", () => {
  it("gives the bits of matmul_f32 for any split of the rows", () => {
    const K = k();
    const rand = mulberry32(7);
    for (let trial = 0; trial < 12; trial++) {
      const m = 16 + Math.floor(rand() * 300), kk = 1 + Math.floor(rand() * 400), n = 4 + Math.floor(rand() * 300);
      const tA = rand() < 0.5, tB = rand() < 0.5, batch = 1 + Math.floor(rand() * 2);
      if (!K.matmul_f32_splits(m, kk, n, tB)) continue;
      const a = alloc(batch * m * kk * 4), b = alloc(kk * n * 4), c1 = alloc(batch * m * n * 4), c2 = alloc(batch * m * n * 4);
      const v = f32();
      for (let i = 0; i < batch * m * kk; i++) v[a / 4 + i] = rand() - 0.5;
      for (let i = 0; i < kk * n; i++) v[b / 4 + i] = rand() - 0.5;
      const need = K.matmul_f32_scratch(m, kk, n, tA, tB);
      const s1 = alloc(need), s2 = alloc(need);
      K.matmul_f32(a, b, c1, m, kk, n, tA, tB, batch, m * kk * 4, 0, m * n * 4, s1, need);
      // three uneven shares, not multiples of the register tile
      const cuts = [0, 1 + Math.floor(rand() * (m - 2)), m].sort((x, y) => x - y);
      cuts.splice(2, 0, cuts[1] + Math.floor(rand() * (m - cuts[1])));
      for (let t = 0; t + 1 < cuts.length; t++) {
        K.matmul_f32_rows(a, b, c2, m, kk, n, tA, tB, batch, m * kk * 4, 0, m * n * 4, s2, cuts[t], cuts[t + 1]);
      }
      const w = f32();
      expect(bitsEqual(w.subarray(c1 / 4, c1 / 4 + batch * m * n), w.subarray(c2 / 4, c2 / 4 + batch * m * n)), `${m}x${kk}x${n} tA=${tA} tB=${tB} batch=${batch} cuts=${cuts}`).toBe(true);
      for (const [p, bytes] of [[a, batch * m * kk * 4], [b, kk * n * 4], [c1, batch * m * n * 4], [c2, batch * m * n * 4], [s1, need], [s2, need]]) free(p, bytes);
    }
  });
});

describe("rowBounds (how a product's rows are shared)", () => {
  it("splits rows in proportion to the threads' speeds, in whole register tiles, covering every row once", () => {
    expect(rowBounds(512, [1, 1])).toEqual([0, 256, 512]);
    expect(rowBounds(512, [3, 1])).toEqual([0, 384, 512]); // the calling thread is 3x faster: it takes 3/4
    expect(rowBounds(512, [1, 1, 1])).toEqual([0, 172, 340, 512]);
    expect(rowBounds(30, [1, 1])).toEqual([0, 16, 30]);
    expect(rowBounds(31, [99, 1])).toEqual([0, 31, 31]); // never past the last row
    const rand = mulberry32(3);
    for (let trial = 0; trial < 200; trial++) {
      const m = 16 + Math.floor(rand() * 2000);
      const rates = Array.from({ length: 2 + Math.floor(rand() * 6) }, () => 0.25 + rand());
      const b = rowBounds(m, rates);
      expect(b.length).toBe(rates.length + 1);
      expect(b[0]).toBe(0);
      expect(b[rates.length]).toBe(m);
      for (let t = 0; t < rates.length; t++) {
        expect(b[t + 1]).toBeGreaterThanOrEqual(b[t]);
        if (t < rates.length - 1) expect(b[t + 1] % 4).toBe(0);
      }
    }
  });
});

describe("setNumThreads", () => {
  it("keeps tensors, gradients and a captured step made before threads were on", async () => {
    // work on the module's first (unshared) memory
    const M = randomMatrix([200, 180], 1);
    const X = randomMatrix([180, 150], 2).requiresGrad_();
    const step = () => {
      const loss = M.matmul(X).square().mean();
      loss.backward();
      return loss;
    };
    const before = wg.capture(step, { warmup: 1 });
    before().dispose();
    before(); // recorded
    X.grad!.zero_();
    const lossOne = before().data()[0];
    const gradOne = X.grad!.data().slice();
    expect(wg.getNumThreads()).toBe(1);

    await wg.setNumThreads(2);
    expect(wg.getNumThreads()).toBe(2);
    // the same tensors, read after the memory moved
    expect(M.shape).toEqual([200, 180]);
    X.grad!.zero_();
    expect(before().data()[0]).toBe(lossOne); // the recorded kernels now run on the new instance
    expect(bitsEqual(X.grad!.data(), gradOne)).toBe(true);
    before.dispose();
  });

  it("gives the same bits as one thread: every layout, batches, broadcast operands, gradients", async () => {
    const rand = mulberry32(11);
    // [batch of A, m, k, n, batch of B]: products of op(A) [.., m, k] and op(B) [.., k, n]
    const cases: { bA: number[]; m: number; kk: number; n: number; bB: number[]; tA: boolean; tB: boolean }[] = [
      { bA: [], m: 512, kk: 512, n: 512, bB: [], tA: false, tB: false },
      { bA: [], m: 300, kk: 257, n: 130, bB: [], tA: true, tB: false },
      { bA: [], m: 130, kk: 257, n: 301, bB: [], tA: false, tB: true },
      { bA: [], m: 257, kk: 131, n: 300, bB: [], tA: true, tB: true },
      { bA: [3], m: 120, kk: 200, n: 96, bB: [], tA: false, tB: false }, // B broadcast over A's batch
      { bA: [], m: 200, kk: 96, n: 140, bB: [2], tA: false, tB: true }, // A broadcast over B's batch
      { bA: [2], m: 150, kk: 70, n: 90, bB: [2], tA: true, tB: false }, // batch against batch
      { bA: [], m: 1000, kk: 64, n: 40, bB: [], tA: false, tB: false }, // tall
      { bA: [], m: 37, kk: 2000, n: 29, bB: [], tA: false, tB: false }, // deep, few rows
    ];
    for (const c of cases) {
      const seed = Math.floor(rand() * 1e9);
      const run = () => {
        const A0 = randomMatrix([...c.bA, ...(c.tA ? [c.kk, c.m] : [c.m, c.kk])], seed).requiresGrad_();
        const B0 = randomMatrix([...c.bB, ...(c.tB ? [c.n, c.kk] : [c.kk, c.n])], seed + 1).requiresGrad_();
        const A = c.tA ? A0.transpose(-1, -2) : A0, B = c.tB ? B0.transpose(-1, -2) : B0;
        const C = A.matmul(B);
        C.mul(randomMatrix(C.shape, seed + 2)).sum().backward();
        return [C.data().slice(), A0.grad!.data().slice(), B0.grad!.data().slice()];
      };
      await wg.setNumThreads(1);
      const one = run();
      await wg.setNumThreads(2);
      const two = run();
      await wg.setNumThreads(3); // more threads than cores: still the same bits
      const three = run();
      for (let i = 0; i < 3; i++) {
        expect(bitsEqual(one[i], two[i]), `${JSON.stringify(c)} output ${i}, 2 threads`).toBe(true);
        expect(bitsEqual(one[i], three[i]), `${JSON.stringify(c)} output ${i}, 3 threads`).toBe(true);
      }
    }
  });

  it("replays a step captured with threads bit-identically to running it eagerly", async () => {
    await wg.setNumThreads(2);
    const M = randomMatrix([256, 256], 5);
    const make = () => {
      const X = wg.zeros([256, 256]).requiresGrad_();
      const opt = new wg.optim.Adam([X], { lr: 1e-3 });
      const I = wg.eye(256);
      const step = () => {
        opt.zeroGrad();
        const loss = wg.meanSquaredError(X.matmul(M), I);
        loss.backward();
        opt.step();
        return loss;
      };
      return { X, step };
    };
    const eager = make(), captured = make();
    const replay = wg.capture(captured.step);
    for (let i = 0; i < 6; i++) {
      const a = eager.step().data()[0];
      const b = replay().data()[0];
      expect(b).toBe(a);
    }
    expect(replay.recorded).toBe(true);
    expect(bitsEqual(eager.X.data(), captured.X.data())).toBe(true);
    await wg.setNumThreads(1); // the replay falls back to one thread: still the same bits
    expect(replay().data()[0]).toBe(eager.step().data()[0]);
    expect(bitsEqual(eager.X.data(), captured.X.data())).toBe(true);
    replay.dispose();
  });

  it("splits large Adam updates with the same bits as one thread, for every option", async () => {
    // 70,001 elements: over the split size, and shares that end off the four-lane groups
    const shape = [7, 10_001];
    const configs: [string, wg.optim.AdamOptions][] = [
      ["Adam", { lr: 1e-2 }],
      ["Adam", { lr: 1e-2, weightDecay: 0.1, amsgrad: true }],
      ["Adam", { lr: 3e-3, maximize: true, betas: [0.8, 0.99] }],
      ["AdamW", { lr: 1e-2, weightDecay: 0.05, amsgrad: true }],
    ];
    for (const [name, options] of configs) {
      const run = () => {
        const X = randomMatrix(shape, 21).requiresGrad_();
        const T = randomMatrix(shape, 22);
        const opt = name === "Adam" ? new wg.optim.Adam([X], options) : new wg.optim.AdamW([X], options);
        for (let i = 0; i < 3; i++) {
          opt.zeroGrad();
          X.sub(T).square().mul(X).sum().backward();
          opt.step();
        }
        const state = opt.stateOf(X)!;
        return [X.data().slice(), state.expAvg.data().slice(), state.expAvgSq.data().slice()];
      };
      await wg.setNumThreads(1);
      const one = run();
      for (const threads of [2, 3]) {
        await wg.setNumThreads(threads);
        const many = run();
        for (let i = 0; i < 3; i++) expect(bitsEqual(one[i], many[i]), `${name} ${JSON.stringify(options)}, ${threads} threads, output ${i}`).toBe(true);
      }
    }
  });

  it("splits large elementwise ops with the same bits as one thread, in place and captured too", async () => {
    // 420,600 elements: exp, sin, tanh, sigmoid and fills split, the others not;
    // 1,061,930: all of them. Neither is a multiple of 16, so the last range has a tail.
    for (const shape of [[600, 701], [1030, 1031]]) {
      const run = () => {
        const A = randomMatrix(shape, 41).requiresGrad_(), B = randomMatrix(shape, 42);
        const loss = wg.mseLoss(A.sigmoid().mul(B).sub(B.exp()), A.sin());
        loss.backward();
        const C = B.tanh();
        C.add_(B); // in place: the output is an input
        const Z = B.clone().zero_();
        return [loss.data().slice(), A.grad!.data().slice(), C.data().slice(), Z.data().slice()];
      };
      await wg.setNumThreads(1);
      const one = run();
      for (const threads of [2, 3]) {
        await wg.setNumThreads(threads);
        const many = run();
        for (let i = 0; i < one.length; i++) expect(bitsEqual(one[i], many[i]), `[${shape}], ${threads} threads, output ${i}`).toBe(true);
      }
      // a step captured while threads run replays the plain kernels: the same bits again
      const X = randomMatrix(shape, 43);
      const step = wg.capture(() => X.exp().sub(X), { warmup: 1 });
      step();
      const replayed = step().data().slice();
      await wg.setNumThreads(1);
      expect(bitsEqual(replayed, X.exp().sub(X).data())).toBe(true);
      step.dispose();
    }
  });

  it("runs a dozen threads, more than the job's first layout had room for", async () => {
    const run = () => {
      const A = randomMatrix([480, 300], 31), B = randomMatrix([300, 250], 32); // 12 shares of 40 rows
      const X = randomMatrix([300, 300], 33).requiresGrad_();
      const opt = new wg.optim.Adam([X], { lr: 1e-2 });
      X.square().sum().backward();
      opt.step();
      return [A.matmul(B).data().slice(), X.data().slice()];
    };
    await wg.setNumThreads(1);
    const one = run();
    await wg.setNumThreads(12);
    const twelve = run();
    for (let i = 0; i < 2; i++) expect(bitsEqual(one[i], twelve[i]), `output ${i}`).toBe(true);
  });

  it("does not run a job again when a worker wakes without one", async () => {
    // Atomics.wait returned "ok" with no new job about once in a few hundred jobs under
    // load (Node 20): a worker that took that for a job applied its share of an Adam
    // step twice, and the pool hung on the next job.
    const step = () => {
      const X = randomMatrix([300, 300], 51).requiresGrad_();
      const opt = new wg.optim.Adam([X], { lr: 1e-2 });
      X.square().sum().backward();
      opt.step(); // 90,000 elements: split by ranges
      return X;
    };
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await wg.setNumThreads(1);
    const one = step().data().slice();
    await wg.setNumThreads(3);
    const X = step();
    await sleep(20); // the workers stop spinning and sleep in Atomics.wait
    wakeWorkersWithoutJob();
    await sleep(20);
    expect(bitsEqual(X.data(), one)).toBe(true);
    const A = randomMatrix([300, 300], 52);
    const three = A.matmul(A).data().slice(); // the next job finishes
    await wg.setNumThreads(1);
    expect(bitsEqual(A.matmul(A).data(), three)).toBe(true);
  });

  it("settles the promise of a pool replaced before its workers started", async () => {
    const first = wg.setNumThreads(2);
    const second = wg.setNumThreads(3); // stops the first pool at once
    await first; // resolves rather than waiting for workers that were terminated
    await second;
    expect(wg.getNumThreads()).toBe(3);
    const a = randomMatrix([300, 300], 9);
    const three = a.matmul(a).data().slice();
    await wg.setNumThreads(1);
    expect(bitsEqual(a.matmul(a).data(), three)).toBe(true);
  });

  it("refuses bad counts with the reason, and inside a captured step", () => {
    for (const bad of [0, -1, 1.5, 65, NaN, "2" as unknown as number]) {
      expect(() => wg.setNumThreads(bad)).toThrow(/setNumThreads: expected an integer from 1 to 64/);
    }
    const step = wg.capture(() => {
      void wg.setNumThreads(2);
      return wg.zeros([1]);
    }, { warmup: 0 });
    expect(() => step()).toThrow(/capture: setNumThreads\(\) inside a captured step/);
  });

  it("lets a Node process exit by itself with threads on", async () => {
    const script = `
      import * as wg from ${JSON.stringify(fileURLToPath(new URL("../dist/wasmgrad.js", import.meta.url)))};
      await wg.setNumThreads(2);
      const a = wg.ones([300, 300]);
      console.log(a.matmul(a).sum().item());
    `;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ["--input-type=module", "-e", script], { timeout: 30_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    expect(out.trim()).toBe(String(300 * 300 * 300));
  });
});
