// Stress test of the thread pool (src/backend/threads.ts): rounds of a small
// training program, each run on one thread and then on several, which must give
// the same bits. Each round starts a fresh pool and runs split Adam steps,
// elementwise ops and products back to back, which is where a worker that
// misses, repeats or races a job shows up: as different bits, or as "a thread
// stopped responding". Races need load to show: run it beside a busy process
// (`node -e 'for(;;){}' &`), as CI's parallel test files are.
//
//   node scripts/stress-threads.mjs              # 120 s of rounds on dist/wasmgrad.js
//   node scripts/stress-threads.mjs --seconds 30 --threads 12
//
// Before the fix in 247deae (workers took a spurious Atomics.wait return for a
// job), this failed within 1-18 rounds at 12 threads beside a busy process.

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const seconds = opt("seconds", 120);
const fixedThreads = opt("threads", 0); // 0: 2 to 5, and 12, in turn

const wg = await import(new URL("../dist/wasmgrad.js", import.meta.url).href);

/** Three Adam steps of a two-layer program on large tensors: every job kind the pool splits. */
function program(seed) {
  wg.manualSeed(seed);
  const X = wg.rand(256, 300).requiresGrad_();
  const W = wg.rand(300, 260).requiresGrad_();
  const opt = new wg.optim.Adam([X, W], { lr: 1e-2, weightDecay: 1e-4 });
  const losses = [];
  for (let s = 0; s < 3; s++) {
    wg.scope(() => {
      const Y = X.matmul(W).exp().sub(X.matmul(W).mul(0.5)).sigmoid();
      const loss = wg.mseLoss(Y, wg.zerosLike(Y)).add(X.square().mean());
      loss.backward();
      opt.step();
      opt.zeroGrad();
      losses.push(loss.item());
    });
  }
  const out = [X.data().slice(), W.data().slice(), Float64Array.from(losses)];
  wg.dispose(X, W);
  return out;
}

const sameBits = (a, b) => a.every((x, i) => x.length === b[i].length && x.every((v, j) => Object.is(v, b[i][j])));
const counts = [2, 3, 4, 5, 12];
const t0 = Date.now();
let rounds = 0;
while (Date.now() - t0 < seconds * 1000) {
  const threads = fixedThreads || counts[rounds % counts.length];
  await wg.setNumThreads(1);
  const one = program(rounds + 1);
  await wg.setNumThreads(threads);
  let many;
  try {
    many = program(rounds + 1);
  } catch (e) {
    console.error(`round ${rounds}, ${threads} threads: ${e.message}`);
    process.exit(1);
  }
  if (!sameBits(one, many)) {
    console.error(`round ${rounds}, ${threads} threads: the bits differ from one thread's`);
    process.exit(1);
  }
  rounds++;
}
await wg.setNumThreads(1);
console.log(`${rounds} rounds in ${seconds} s: the same bits as one thread every time`);
