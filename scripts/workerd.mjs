// Running a worker locally in workerd, shared by the example service
// (examples/worker/serve.mjs) and the runtime test (test/runtimes/workerd.mjs):
// a bundle made the way wrangler makes it (export conditions workerd, worker,
// browser; an imported .wasm file stays a separate module of workerd's "wasm"
// type, which arrives as a compiled WebAssembly.Module), the config that serves
// it, and a launcher that waits for the port workerd binds.
import { spawn } from "node:child_process";
import { copyFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** wrangler's CompiledWasm rule: an imported .wasm becomes a separate module of type wasm. */
function wasmModules(found) {
  return {
    name: "wasm-modules",
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, async (args) => {
        if (args.pluginData?.inner) return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { inner: true } });
        if (r.errors.length) return { errors: r.errors };
        const name = basename(r.path);
        found.set(name, r.path);
        return { path: `./${name}`, external: true };
      });
    },
  };
}

/**
 * Bundles `entry` into outDir/worker.js as wrangler would and copies the .wasm
 * modules it imports beside it. Returns the bundle's inputs (repo-relative) and
 * the .wasm module names.
 */
export async function bundleForWorkerd(entry, outDir) {
  const wasm = new Map();
  const result = await build({
    entryPoints: [entry],
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

/** A workerd config serving outDir's worker.js and its .wasm modules on 127.0.0.1:`port` (0: any free port). */
export function workerdConfig(wasmNames, port = 0) {
  const modules = [`(name = "worker.js", esModule = embed "worker.js")`, ...wasmNames.map((n) => `(name = "${n}", wasm = embed "${n}")`)];
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .mainWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const mainWorker :Workerd.Worker = (
  modules = [ ${modules.join(",\n    ")} ],
  compatibilityDate = "2025-01-01",
);
`;
}

/** The workerd binary the `workerd` devDependency installed for this platform. */
function workerdBinary() {
  const pkg = require("workerd/package.json");
  const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin.workerd;
  return join(dirname(require.resolve("workerd/package.json")), bin);
}

/**
 * Starts `workerd serve <config>` in `cwd` and resolves once it listens, with
 * the port it bound (read from its control channel, fd 3, so port 0 works).
 * Rejects, with what workerd printed, if it exits first or takes longer than
 * timeoutMs; `stop()` ends it and waits for the exit.
 */
export async function spawnWorkerd(config, cwd, timeoutMs) {
  const child = spawn(workerdBinary(), ["serve", config, "--control-fd=3"], {
    cwd,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let logs = "";
  child.stdout.on("data", (d) => (logs += d));
  child.stderr.on("data", (d) => (logs += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  };
  try {
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
    return { port, pid: child.pid, logs: () => logs, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
