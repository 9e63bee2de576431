// What a page downloads: wasmgrad's bundle by part (JS, WebAssembly), and each
// peer's smallest app that takes a gradient, bundled and minified by esbuild
// from bench/node_modules (plus the .wasm files a backend fetches), gzipped.
//
//   node bench/size.mjs        # prints the table
import { build } from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const gz = (bytes) => gzipSync(bytes).length; // zlib's default level, as the budget test and most servers

/** The minimal autograd app of each peer: a tensor, a loss, its gradient. */
const PEERS = [
  {
    title: "tfjs (core + cpu backend)",
    source: 'import * as tf from "@tensorflow/tfjs-core"; import "@tensorflow/tfjs-backend-cpu";\n' +
      "console.log(tf.grad((v) => v.square().sum())(tf.tensor([1, 2, 3])).dataSync());",
  },
  {
    title: "tfjs (core + wasm backend)",
    source: 'import * as tf from "@tensorflow/tfjs-core"; import "@tensorflow/tfjs-backend-wasm";\n' +
      "console.log(tf.grad((v) => v.square().sum())(tf.tensor([1, 2, 3])).dataSync());",
    wasm: "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
  },
  {
    title: "jax-js",
    source: 'import { numpy as np, grad } from "@jax-js/jax";\nconsole.log(grad((x) => np.sum(np.square(x)))(np.array([1, 2, 3])));',
  },
  {
    title: "js-pytorch",
    source: 'import { torch } from "js-pytorch";\nconst x = torch.tensor([1, 2, 3], true); x.mul(x).sum().backward(); console.log(x.grad);',
  },
];

export async function sizes() {
  const rows = [];
  const dist = (f) => readFileSync(join(root, "dist", f));
  if (existsSync(join(root, "dist/wasmgrad.js"))) {
    const workerd = gz(dist("wasmgrad-workerd.js"));
    const wasm = gz(dist("wasmgrad.wasm"));
    rows.push({ title: "wasmgrad (dist/wasmgrad.js, the module inside)", js: workerd, wasm, total: gz(dist("wasmgrad.js")) });
  }
  for (const p of PEERS) {
    try {
      const r = await build({
        stdin: { contents: p.source, resolveDir: here, loader: "js" },
        bundle: true, minify: true, format: "esm", platform: "browser", write: false, logLevel: "silent",
      });
      const js = gz(r.outputFiles[0].contents);
      const wasm = p.wasm ? gz(readFileSync(join(here, "node_modules", p.wasm))) : 0;
      rows.push({ title: p.title, js, wasm, total: js + wasm });
    } catch (e) {
      // js-pytorch imports Node's fs and module: it does not bundle for a page at all
      const first = e.errors?.[0]?.text ?? String(e.message ?? e).split("\n")[0];
      rows.push({ title: p.title, error: `does not bundle for the browser: ${first}`.slice(0, 160) });
    }
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await sizes()) {
    console.log(r.error ? `${r.title}: n/a (${r.error})` : `${r.title}: JS ${r.js} B, WebAssembly ${r.wasm} B, total ${r.total} B gzipped`);
  }
}
