// A Cloudflare Worker (or any workerd host) serving the blog series' inverse
// and SVD by gradient descent. The Workers way of loading wasmgrad: the
// platform forbids compiling WebAssembly from bytes, so the .wasm is imported
// as a module (wrangler turns it into a WebAssembly.Module) and given to init.
// See README.md for the endpoints, the limits and `wrangler deploy`.
import wasm from "wasmgrad/wasmgrad.wasm";
import * as wg from "wasmgrad";
import { createService } from "./service.js";

wg.init({ module: wasm });
const handle = createService(wg);

export default {
  fetch(request) {
    return handle(request);
  },
};
