// setNumThreads in a page: served cross-origin isolated (COOP + COEP), two
// threads give the bits of one for products large enough to be split; served
// without those headers, setNumThreads(2) rejects with the reason.
import * as wg from "../../dist/wasmgrad.js";

function hexBits(t) {
  return Array.from(new Uint32Array(Float32Array.from(t.data()).buffer), (b) => b.toString(16));
}

const out = { isolated: globalThis.crossOriginIsolated === true };
try {
  wg.manualSeed(1);
  const a = wg.randn([300, 260]), b = wg.randn([260, 280]);
  const one = hexBits(a.matmul(b));
  const oneT = hexBits(a.t().matmul(a));
  try {
    await wg.setNumThreads(2);
    out.threads = wg.getNumThreads();
    out.sameBits = JSON.stringify(hexBits(a.matmul(b))) === JSON.stringify(one) && JSON.stringify(hexBits(a.t().matmul(a))) === JSON.stringify(oneT);
    await wg.setNumThreads(1);
  } catch (e) {
    out.rejected = String(e && e.message);
    out.threads = wg.getNumThreads();
    out.sameBits = JSON.stringify(hexBits(a.matmul(b))) === JSON.stringify(one); // still usable on one thread
  }
  out.ok = true;
} catch (e) {
  out.ok = false;
  out.error = String((e && e.stack) || e);
}
window.__threads = out;
