// Two (or more) builds of the bundle in one process, in alternating rounds: each file is
// its own module instance with its own WebAssembly memory, so a change to the engine can
// be measured against the build before it without two processes' noise between them.
// Warm µs per call of the loss alone (the notebook's composed loss and the fused mseLoss,
// forward and backward) and of part 2's whole step (as the notebook writes it; mseLoss in
// a scope), medians of 11 rounds.
//
//   cp dist/wasmgrad.js /tmp/before.js   # then change, npm run build
//   node bench/ab.mjs /tmp/before.js dist/wasmgrad.js
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const files = process.argv.slice(2);
if (files.length === 0) throw new Error("usage: node bench/ab.mjs <bundle.js> [<bundle.js> ...]");
const libs = [];
for (const file of files) {
  const { manualSeed, rand, eye, mseLoss, scope, noGrad } = await import(pathToFileURL(resolve(file)).href);
  manualSeed(1);
  const P = rand(4, 4, { requiresGrad: true });
  const I = eye(4);
  manualSeed(314);
  const M = rand(4, 4);
  manualSeed(314);
  const X = rand(4, 4, { requiresGrad: true });
  const update = () => noGrad(() => {
    X.sub_(X.grad.mul(0.9));
    X.grad.mul_(0.9);
  });
  const fns = {
    "composed loss": () => scope(() => P.sub(I).pow(2).mean().backward()),
    "mseLoss": () => scope(() => mseLoss(P, I).backward()),
    "W1 step, notebook": () => {
      const loss = X.matmul(M).sub(I).pow(2).mean();
      loss.item();
      loss.backward();
      update();
    },
    "W1 step, mseLoss + scope": () => scope(() => {
      const loss = mseLoss(X.matmul(M), I);
      loss.item();
      loss.backward();
      update();
    }),
  };
  libs.push({ file, fns, times: Object.fromEntries(Object.keys(fns).map((k) => [k, []])) });
}
const time = (fn, n) => {
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  return ((performance.now() - t) * 1000) / n;
};
const names = Object.keys(libs[0].fns);
for (const l of libs) for (const k of names) time(l.fns[k], 30000); // warm up every tier
for (let r = 0; r < 11; r++) for (const l of libs) for (const k of names) l.times[k].push(time(l.fns[k], 10000));
const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
for (const l of libs) {
  const m = Object.fromEntries(names.map((k) => [k, median(l.times[k])]));
  console.log(`${l.file}: ${names.map((k) => `${k} ${m[k].toFixed(2)} µs`).join(" | ")} | composed ÷ fused ${(m["composed loss"] / m.mseLoss).toFixed(2)}`);
}
