// setNumThreads outside a page (Deno here; Node in test/threads.test.ts): two
// threads give the bits of one, and the process still exits by itself with the
// workers alive. Prints JSON.
import * as wg from "../../dist/wasmgrad.js";

const bits = (t) => Array.from(new Uint32Array(Float32Array.from(t.data()).buffer)).join(",");
wg.manualSeed(2);
const a = wg.randn([300, 260]), b = wg.randn([280, 260]);
const one = [bits(a.matmul(b.t())), bits(a.t().matmul(a))];
await wg.setNumThreads(2);
const two = [bits(a.matmul(b.t())), bits(a.t().matmul(a))];
console.log(JSON.stringify({ threads: wg.getNumThreads(), sameBits: one[0] === two[0] && one[1] === two[1] }));
