// Runs the worker locally in workerd (Cloudflare Workers' open-source runtime,
// a devDependency), without wrangler or an account: bundles src/index.js the
// way wrangler does (export conditions workerd, worker, browser; the imported
// .wasm kept as a separate Wasm module), writes a workerd config, and serves
// on 127.0.0.1.
//
//   npm run build && node examples/worker/serve.mjs          # port 8787, or $PORT
//   curl -s localhost:8787/svd -d '{"matrix": [[3, 0], [0, 1]], "steps": 2000}'
//
// Also the test's harness: `startWorker({ port: 0 })` resolves to
// { url, pid, close() } once workerd listens.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForWorkerd, spawnWorkerd, workerdConfig } from "../../scripts/workerd.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");

/** Bundles the worker into outDir (worker.js plus its .wasm modules); returns the .wasm names. */
async function bundleWorker(outDir) {
  for (const f of ["dist/wasmgrad-workerd.js", "dist/wasmgrad.wasm"]) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` at the repo root first`);
  }
  return (await bundleForWorkerd(join(here, "src/index.js"), outDir)).wasm;
}

/**
 * Bundles and starts the worker in workerd on 127.0.0.1:`port` (0: any free
 * port). Resolves once it listens. `logs()` returns what workerd printed.
 */
export async function startWorker({ port = 8787, timeoutMs = 60_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "wasmgrad-worker-"));
  try {
    const wasmNames = await bundleWorker(dir);
    writeFileSync(join(dir, "config.capnp"), workerdConfig(wasmNames, port));
    const w = await spawnWorkerd(join(dir, "config.capnp"), dir, timeoutMs);
    const close = async () => {
      await w.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    return { url: `http://127.0.0.1:${w.port}`, pid: w.pid, logs: w.logs, close };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = process.env.PORT ? Number(process.env.PORT) : 8787;
  const w = await startWorker({ port });
  console.log(`wasmgrad worker (workerd) listening on ${w.url}  (Ctrl-C to stop)`);
  console.log(`  curl -s ${w.url}/`);
  console.log(`  curl -s ${w.url}/inverse -d '{"matrix": [[1, 0], [0, 2]], "steps": 2000}'`);
  const stop = () => w.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
