import { it } from "vitest";
import { F, randn, randint, scope, mseLoss, manualSeed } from "../src/index";
it("bench", () => {
  manualSeed(0);
  for (const [n, c] of [[256, 10], [1024, 100], [64, 1000]]) {
    const x = randn([n, c]).requiresGrad_(true), y = randn([n, c]), t = randint(0, c, [n]);
    const time = (f: () => void) => { for (let i = 0; i < 20; i++) scope(f); const t0 = performance.now(); for (let i = 0; i < 200; i++) scope(f); return ((performance.now() - t0) / 200).toFixed(4); };
    const ce = time(() => { F.crossEntropy(x, t).backward(); x.grad!.dispose(); x.grad = null; });
    const mse = time(() => { mseLoss(x, y).backward(); x.grad!.dispose(); x.grad = null; });
    const comp = time(() => { x.logSoftmax(1).mul(y).sum().backward(); x.grad!.dispose(); x.grad = null; });
    console.log(`B [${n}, ${c}] crossEntropy ${ce} ms, mseLoss ${mse} ms, logSoftmax-composite ${comp} ms`);
  }
});
