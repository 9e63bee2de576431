// Served with a CSP that lacks 'wasm-unsafe-eval': the first op must fail with
// wasmgrad's explanation, not the bare CompileError.
import { tensor } from "../../dist/wasmgrad.js";

try {
  window.__nowasm = { ok: true, value: String(tensor([1, 2, 3])) };
} catch (e) {
  window.__nowasm = { ok: false, error: String((e && e.message) || e) };
}
