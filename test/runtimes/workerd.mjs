// Runs the smoke program in workerd (Cloudflare Workers' runtime), the Workers
// way: test/runtimes/workerd-worker.js is bundled with esbuild as wrangler does
// (export conditions workerd, worker, browser; .wasm imports left as Wasm
// modules beside the bundle), served by workerd on 127.0.0.1 at a port it picks,
// and fetched once. Prints (or returns) the worker's JSON report.
//
//   node test/runtimes/workerd.mjs
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { wasmModules } from "../../scripts/wasm-modules-plugin.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const require = createRequire(import.meta.url);


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

function workerdBinary() {
  // the workerd package's bin entry points at the platform binary it installed
  const pkg = require("workerd/package.json");
  const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin.workerd;
  return join(dirname(require.resolve("workerd/package.json")), bin);
}

export async function runWorkerd({ timeoutMs = 60_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "wasmgrad-workerd-"));
  let child;
  try {
    const bundle = await bundleWorker(dir);
    writeFileSync(join(dir, "config.capnp"), config(bundle.wasm));
    // fd 3: workerd's control channel, which reports the port it bound
    child = spawn(workerdBinary(), ["serve", join(dir, "config.capnp"), "--control-fd=3"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    let logs = "";
    child.stdout.on("data", (d) => (logs += d));
    child.stderr.on("data", (d) => (logs += d));
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`workerd did not report a port within ${timeoutMs} ms:\n${logs}`)), timeoutMs);
      let buf = "";
      child.stdio[3].on("data", (d) => {
        buf += d;
        for (const line of buf.split("\n").slice(0, -1)) {
          const msg = JSON.parse(line);
          if (msg.event === "listen" && msg.socket === "http") {
            clearTimeout(timer);
            resolve(msg.port);
          }
        }
        buf = buf.slice(buf.lastIndexOf("\n") + 1);
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`workerd exited (${code ?? signal}) before listening:\n${logs}`));
      });
    });
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (!res.ok) throw new Error(`worker answered ${res.status}: ${text}\n${logs}`);
    return { bundle, report: JSON.parse(text) };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await runWorkerd();
  console.log(JSON.stringify(out));
}
