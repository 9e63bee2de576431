// Runs the smoke program in workerd (Cloudflare Workers' runtime), the Workers
// way: test/runtimes/workerd-worker.js is bundled with esbuild as wrangler does
// (export conditions workerd, worker, browser; .wasm imports left as Wasm
// modules beside the bundle), served by workerd on 127.0.0.1 at a port it picks,
// and fetched once. Prints (or returns) the worker's JSON report.
//
//   node test/runtimes/workerd.mjs
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { spawnWorkerd, wasmModules } from "../../scripts/workerd.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");


export async function bundleWorker(outDir) {
  const wasm = new Map();
  const result = await build({
    entryPoints: [join(here, "workerd-worker.js")],
    outfile: join(outDir, "worker.js"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    metafile: true,
    logLevel: "warning",
    absWorkingDir: root,
    plugins: [wasmModules(wasm)],
  });
  for (const [name, path] of wasm) copyFileSync(path, join(outDir, name));
  return { inputs: Object.keys(result.metafile.inputs), wasm: [...wasm.keys()] };
}

function config(wasmNames) {
  const modules = [`(name = "worker.js", esModule = embed "worker.js")`, ...wasmNames.map((n) => `(name = "${n}", wasm = embed "${n}")`)];
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "smoke", worker = .smokeWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "smoke") ],
);
const smokeWorker :Workerd.Worker = (
  modules = [ ${modules.join(",\n    ")} ],
  compatibilityDate = "2025-01-01",
);
`;
}

export async function runWorkerd({ timeoutMs = 60_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "wasmgrad-workerd-"));
  let w = null;
  try {
    const bundle = await bundleWorker(dir);
    writeFileSync(join(dir, "config.capnp"), config(bundle.wasm));
    w = await spawnWorkerd(join(dir, "config.capnp"), dir, timeoutMs);
    const res = await fetch(`http://127.0.0.1:${w.port}/`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (!res.ok) throw new Error(`worker answered ${res.status}: ${text}\n${w.logs()}`);
    return { bundle, report: JSON.parse(text) };
  } finally {
    await w?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await runWorkerd();
  console.log(JSON.stringify(out));
}
