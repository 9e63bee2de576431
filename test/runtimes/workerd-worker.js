// A Cloudflare Worker that runs the smoke program, written the way a user
// writes one: the package resolved through its `workerd` export condition and
// the .wasm imported as a module (a WebAssembly.Module here) and passed to
// init. test/runtimes/workerd.mjs bundles it as wrangler does and serves it
// with workerd. The response reports, besides the smoke results, what happens
// with the main entry (module bytes inside), which workerd must refuse to compile.
import wasm from "wasmgrad/wasmgrad.wasm";
import * as wg from "wasmgrad";
import * as embedded from "../../dist/wasmgrad.js";
import { smoke } from "./smoke.js";

function attempt(fn) {
  try {
    return { ok: true, value: String(fn()) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export default {
  async fetch() {
    const report = {
      wasmIsModule: wasm instanceof WebAssembly.Module,
      // the main entry, whose first op compiles the embedded bytes
      embeddedBeforeInit: attempt(() => embedded.tensor([1, 2, 3]).mul(7)),
      // the entry the workerd condition resolves, before init
      beforeInit: attempt(() => wg.tensor([1, 2, 3]).mul(7)),
      // compiling from bytes directly, to show the platform's own rule
      compileBytes: attempt(() => new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))),
    };
    wg.init({ module: wasm });
    report.results = smoke(wg);
    // the main entry accepts the precompiled module too
    embedded.init({ module: wasm });
    report.embeddedAfterInit = attempt(() => embedded.tensor([1, 2, 3]).mul(7));
    return Response.json(report);
  },
};
