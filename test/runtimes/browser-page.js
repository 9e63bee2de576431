// The page's module: the smoke program on the main bundle, loaded unchanged.
// Afterwards it probes that the page's CSP really blocks eval-like code and
// fetches, so that "no violation while the smoke ran" means something.
import { smoke } from "./smoke.js";

const out = {};
try {
  out.results = smoke();
  out.ok = true;
} catch (e) {
  out.ok = false;
  out.error = String((e && e.stack) || e);
}
out.cspViolations = [...window.__cspViolations];
try {
  new Function("return 1")();
  out.evalBlocked = false;
} catch {
  out.evalBlocked = true;
}
try {
  await fetch("../../dist/wasmgrad.wasm");
  out.fetchBlocked = false;
} catch {
  out.fetchBlocked = true;
}
window.__smoke = out;
document.getElementById("out").textContent = out.ok ? "done" : out.error;
