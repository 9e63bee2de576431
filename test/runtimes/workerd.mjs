// Runs the smoke program in workerd (Cloudflare Workers' runtime), the Workers
// way: test/runtimes/workerd-worker.js is bundled with esbuild as wrangler does
// (export conditions workerd, worker, browser; .wasm imports left as Wasm
// modules beside the bundle), served by workerd on 127.0.0.1 at a port it picks,
// and fetched once. Prints (or returns) the worker's JSON report.
//
//   node test/runtimes/workerd.mjs
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForWorkerd, spawnWorkerd, workerdConfig } from "../../scripts/workerd.mjs";

const here = dirname(fileURLToPath(import.meta.url));

export async function runWorkerd({ timeoutMs = 60_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "wasmgrad-workerd-"));
  let w = null;
  try {
    const bundle = await bundleForWorkerd(join(here, "workerd-worker.js"), dir);
    writeFileSync(join(dir, "config.capnp"), workerdConfig(bundle.wasm));
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
