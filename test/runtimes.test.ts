// The published bundle (dist/, built by `npm run build`) in every runtime it
// claims: the smoke program (test/runtimes/smoke.js) runs in Node, headless
// Chromium, workerd and Deno, and each must give Node's results bit for bit.
// Also: the size budget, what the bundle must not contain, how package.json
// `exports` resolves per condition, and that the declarations cover the API.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build, transform } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { golden } from "./helpers/golden";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const MAIN = join(dist, "wasmgrad.js");
const WORKERD = join(dist, "wasmgrad-workerd.js");
const WASM = join(dist, "wasmgrad.wasm");

/** The budget for the whole library, JS plus WASM, gzipped (64 KB, counted as 64,000 bytes). */
const GZIP_BUDGET = 64_000;
const gz = (bytes: Uint8Array) => gzipSync(bytes).length; // zlib's default level, as `gzip` and most servers use

for (const f of [MAIN, WORKERD, WASM, join(dist, "types/index.d.ts")]) {
  if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first`);
}

function exec(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 120_000, maxBuffer: 64 << 20, ...options }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The first place where two JSON values differ, as a readable path, or null. */
function firstDifference(a: unknown, b: unknown, path = "$"): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference((a as any)[k], (b as any)[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

const f32 = (hex: string) => new DataView(Uint32Array.of(parseInt(hex, 16)).buffer).getFloat32(0, true);

describe("the bundle", () => {
  const main = readFileSync(MAIN);
  const workerd = readFileSync(WORKERD);
  const wasm = readFileSync(WASM);

  it(`is at most ${GZIP_BUDGET} bytes gzipped, JS plus WASM`, () => {
    const sizes = {
      "wasmgrad.js (module bytes inside)": [main.length, gz(main)],
      "wasmgrad-workerd.js": [workerd.length, gz(workerd)],
      "wasmgrad.wasm": [wasm.length, gz(wasm)],
    };
    console.log("bundle sizes [raw, gzip] in bytes:", JSON.stringify(sizes));
    expect(gz(main)).toBeLessThanOrEqual(GZIP_BUDGET); // Node, Deno, browsers: one file
    expect(gz(workerd) + gz(wasm)).toBeLessThanOrEqual(GZIP_BUDGET); // Workers: the entry and the .wasm
  });

  it("carries the module bytes in the main entry only", async () => {
    expect(main.length - workerd.length).toBeGreaterThanOrEqual(wasm.length);
    const entry = await import(WORKERD); // its own module state: not initialized by the other tests
    expect(() => entry.tensor([1])).toThrow(/^wasmgrad: the WebAssembly module is not loaded/);
    expect(entry.isInitialized()).toBe(false);
  });

  for (const [name, file] of [["wasmgrad.js", MAIN], ["wasmgrad-workerd.js", WORKERD]] as const) {
    it(`${name}: one self-contained ESM file with no import.meta, top-level await, eval, new Function or fetch`, async () => {
      const code = readFileSync(file, "utf8");
      expect(code).not.toMatch(/import\.meta/);
      expect(code).not.toMatch(/\beval\s*\(/);
      expect(code).not.toMatch(/\bnew\s+Function\b|\bFunction\s*\(/);
      expect(code).not.toMatch(/\bfetch\b/);
      expect(code).not.toMatch(/\brequire\s*\(/);
      // esbuild refuses a top-level await for an ES2020 target, and reports every import
      await transform(code, { format: "esm", target: "es2020", loader: "js" });
      const r = await build({ entryPoints: [file], bundle: true, write: false, format: "esm", platform: "neutral", metafile: true, logLevel: "silent" });
      expect(Object.keys(r.metafile.inputs)).toHaveLength(1);
    });
  }

  it("has the same exports in both entries", async () => {
    const a = Object.keys(await import(MAIN)).sort();
    const b = Object.keys(await import(WORKERD)).sort();
    expect(b).toEqual(a);
    for (const name of ["init", "tensor", "manualSeed", "rand", "noGrad", "scope", "mseLoss"]) expect(a).toContain(name);
  });
});

describe("package.json exports", () => {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

  it("lists the conditions in an order that resolvers honour (types first, default last)", () => {
    const conditions = Object.keys(pkg.exports["."]);
    expect(conditions[0]).toBe("types");
    expect(conditions.at(-1)).toBe("default");
    for (const c of ["workerd", "worker", "browser", "node"]) expect(conditions).toContain(c);
    expect(pkg.exports["./wasmgrad.wasm"].default).toBe("./dist/wasmgrad.wasm");
    for (const target of [pkg.main, pkg.module, pkg.types, ...Object.values(pkg.exports["."]), pkg.exports["./wasmgrad.wasm"].types]) {
      expect(existsSync(join(root, target as string)), String(target)).toBe(true);
    }
  });

  it("resolves in Node to the main entry, and to the workerd one under --conditions=workerd", async () => {
    const resolve = (flags: string[], spec: string) =>
      exec(process.execPath, [...flags, "--input-type=module", "-e", `console.log(import.meta.resolve(${JSON.stringify(spec)}))`], { cwd: root });
    expect((await resolve([], "wasmgrad")).trim()).toMatch(/\/dist\/wasmgrad\.js$/);
    expect((await resolve(["--conditions=workerd"], "wasmgrad")).trim()).toMatch(/\/dist\/wasmgrad-workerd\.js$/);
    expect((await resolve([], "wasmgrad/wasmgrad.wasm")).trim()).toMatch(/\/dist\/wasmgrad\.wasm$/);
  });

  it("resolves in bundlers: wrangler's and Vercel Edge's conditions get the entry without bytes, browsers the main one", async () => {
    const entryFor = async (opts: { platform: "browser" | "node" | "neutral"; conditions?: string[] }) => {
      const r = await build({
        stdin: { contents: 'export * from "wasmgrad";', resolveDir: root },
        bundle: true,
        write: false,
        format: "esm",
        metafile: true,
        logLevel: "silent",
        mainFields: ["module", "main"],
        ...opts,
      });
      return Object.keys(r.metafile.inputs).filter((f) => f.startsWith("dist/"));
    };
    expect(await entryFor({ platform: "neutral", conditions: ["workerd", "worker", "browser"] })).toEqual(["dist/wasmgrad-workerd.js"]); // wrangler
    expect(await entryFor({ platform: "neutral", conditions: ["edge-light", "worker", "browser"] })).toEqual(["dist/wasmgrad-workerd.js"]); // Vercel Edge
    expect(await entryFor({ platform: "browser" })).toEqual(["dist/wasmgrad.js"]);
    expect(await entryFor({ platform: "browser", conditions: ["worker"] })).toEqual(["dist/wasmgrad.js"]); // web workers compile bytes fine
    expect(await entryFor({ platform: "node" })).toEqual(["dist/wasmgrad.js"]);
  });

  it("the Workers bundle refuses another build's module with a clear error, and takes its own", async () => {
    // another build's module: one that exports a single `matmul_f32`, a function () -> ()
    const other = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
      0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // types: () -> ()
      0x03, 0x02, 0x01, 0x00, // one function of type 0
      0x07, 0x0e, 0x01, 0x0a, ...Buffer.from("matmul_f32"), 0x00, 0x00, // exported as matmul_f32
      0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // its body: nothing
    ];
    const script = [
      'import { readFileSync } from "node:fs";',
      `const wg = await import(${JSON.stringify(pathToFileURL(WORKERD).href)});`,
      "const load = (f) => new WebAssembly.Module(readFileSync(f));",
      "let error = null;",
      `try { wg.init({ module: new WebAssembly.Module(new Uint8Array(${JSON.stringify(other)})) }); } catch (e) { error = e.message; }`,
      `wg.init({ module: load(${JSON.stringify(join(dist, "wasmgrad.wasm"))}) });`,
      "console.log(JSON.stringify({ error, sum: wg.tensor([1, 2, 3]).mul(2).sum().item() }));",
    ].join("\n");
    const stdout = await exec(process.execPath, ["--input-type=module", "-e", script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({
      error: "wasmgrad: init() was given a module this build of wasmgrad cannot call; pass the wasmgrad.wasm of the same package",
      sum: 12,
    });
  });

  it("ships declarations for the whole API that a strict TypeScript consumer can use (nodenext and bundler resolution)", async () => {
    const names = Object.keys(await import(MAIN));
    const dir = mkdtempSync(join(tmpdir(), "wasmgrad-types-"));
    try {
      mkdirSync(join(dir, "node_modules"));
      symlinkSync(root, join(dir, "node_modules", "wasmgrad"), "dir");
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", type: "module" }));
      writeFileSync(
        join(dir, "consumer.ts"),
        [
          'import * as wg from "wasmgrad";',
          'import wasm from "wasmgrad/wasmgrad.wasm";',
          "const module: WebAssembly.Module = wasm;",
          "wg.init({ module });",
          "const x: wg.Tensor = wg.tensor([1, 2, 3], { dtype: \"float32\", requiresGrad: true });",
          "const y: wg.Tensor = x.mul(7).sum();",
          "y.backward();",
          "const g: wg.Tensor | null = x.grad;",
          "void g;",
          // every runtime export is declared
          `export const all = [${names.map((n) => `wg.${n}`).join(", ")}];`,
          "",
        ].join("\n"),
      );
      const tsc = join(root, "node_modules/typescript/bin/tsc");
      for (const [module, moduleResolution] of [["nodenext", "nodenext"], ["esnext", "bundler"]]) {
        const args = ["--noEmit", "--strict", "--target", "es2022", "--lib", "es2022,dom", "--types", "", "--module", module,
          "--moduleResolution", moduleResolution, "--skipLibCheck", "false", "consumer.ts"];
        await exec(process.execPath, [tsc, ...args], { cwd: dir });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------
// The runtimes. All start at once; each test waits for its own.

type Run = { version?: string; results: any; [k: string]: any };
const runs: Record<string, Promise<Run>> = {};
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_MISSING = existsSync(CHROMIUM)
  ? null
  : `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`;
// CI installs Chromium, so there a missing browser fails the test; elsewhere it is skipped, loudly.
const skipChromium = CHROMIUM_MISSING !== null && !process.env.CI;
if (skipChromium) console.warn(`SKIPPING the Chromium runtime test. ${CHROMIUM_MISSING}`);

beforeAll(async () => {
  const { runNode, runDeno } = await import("./runtimes/processes.mjs");
  const { runWorkerd } = await import("./runtimes/workerd.mjs");
  runs.node = runNode();
  runs.deno = runDeno();
  runs.workerd = runWorkerd();
  runs.chromium = CHROMIUM_MISSING
    ? Promise.reject(new Error(CHROMIUM_MISSING))
    : import("./runtimes/browser.mjs").then((m) => m.runBrowser());
  for (const p of Object.values(runs)) p.catch(() => {}); // reported by the test that awaits it
});
afterAll(async () => {
  await Promise.allSettled(Object.values(runs));
});

describe("the smoke program in every runtime", () => {
  let reference: any;

  it("Node (in the test process): part 1's numbers, and 200 steps of parts 2 and 3 on track with PyTorch", async () => {
    const { smoke, INVERSE_STEPS, SVD_STEPS } = await import("./runtimes/smoke.js");
    reference = JSON.parse(JSON.stringify(smoke()));
    const p = reference.part1;
    expect(p.t123).toBe("tensor([1, 2, 3])");
    expect(p.times7).toBe("tensor([ 7, 14, 21])");
    expect(p.dot).toEqual(["tensor(32)", "tensor(32)", 32, 32, 32]);
    expect(p.rand).toBe("tensor([[0.7196, 0.6295, 0.6667],\n        [0.3385, 0.8522, 0.3126]])");
    expect(p.randBits.map((h: string) => "0x" + h)).toEqual(golden("seed_programs.json").cases["00_rand_seed314_2x3"].hex_f32);
    expect(p.grads).toEqual(["tensor(16807.)", "tensor(36015.)", 16807, 36015]);
    expect(p.grad).toEqual(p.cos); // x.grad is exactly cos(x)
    expect(p.gradLoss).toEqual(p.grad);
    expect(p.nonLeafGrad).toBe("none");
    for (let i = 0; i < 100; i++) expect(Math.abs(f32(p.grad[i]) - Math.cos(f32(p.x[i])))).toBeLessThan(1e-7);

    const cases = golden("seed_programs.json").cases;
    const onTrack = (losses: string[], name: string, steps: number) => {
      expect(losses).toHaveLength(steps);
      const ref = cases[name].losses;
      for (const [i, tol] of [[0, 1e-6], [1, 1e-6], [2, 1e-6], [10, 1e-5], [100, 1e-4]] as const) {
        expect(Math.abs(f32(losses[i]) - ref[i]) / ref[i], `${name} loss ${i}`).toBeLessThan(tol);
      }
    };
    onTrack(reference.inverse.losses, "01_inverse_M1", INVERSE_STEPS);
    onTrack(reference.svd.losses, "02b_svd_M1", SVD_STEPS);
  });

  it("Node (a plain node process): the same bits", async () => {
    const run = await runs.node;
    expect(firstDifference(run.results, reference)).toBeNull();
  });

  it.skipIf(skipChromium)("Chromium (headless, playwright-core), under a CSP without eval or fetch: the same bits", async () => {
    const run = await runs.chromium;
    console.log(`Chromium ${run.version}`);
    expect(run.evalBlocked && run.fetchBlocked).toBe(true); // the CSP is in force…
    expect(run.cspViolations).toEqual([]); // …and the library never tripped it
    // where the CSP forbids WebAssembly itself, the first op says which directive to add
    expect(run.withoutWasmCsp.ok).toBe(false);
    expect(run.withoutWasmCsp.error).toMatch(/^wasmgrad: the page's Content Security Policy forbids compiling WebAssembly/);
    expect(run.withoutWasmCsp.error).toContain("'wasm-unsafe-eval'");
    expect(firstDifference(run.results, reference)).toBeNull();
    // threads: on a cross-origin isolated page two give the bits of one; elsewhere setNumThreads says why not
    expect(run.threads.isolated).toMatchObject({ ok: true, isolated: true, threads: 2, sameBits: true });
    expect(run.threads.plain).toMatchObject({ ok: true, isolated: false, threads: 1, sameBits: true });
    expect(run.threads.plain.rejected).toMatch(/^setNumThreads: threads need shared memory .*Cross-Origin-Embedder-Policy: require-corp/);
  });

  it("workerd, the Workers way (wasm module import, init({ module })): the same bits, and the helpful errors", async () => {
    const { bundle, report } = await runs.workerd;
    // wrangler's conditions picked the entry without the bytes; the .wasm became a Wasm module
    expect(bundle.inputs).toContain("dist/wasmgrad-workerd.js");
    expect(bundle.wasm).toEqual(["wasmgrad.wasm"]);
    expect(report.wasmIsModule).toBe(true);
    // the platform forbids compiling bytes, so the main entry's embedded path fails, and says what to do
    expect(report.compileBytes.ok).toBe(false);
    expect(report.compileBytes.error).toMatch(/disallowed by embedder/);
    expect(report.embeddedBeforeInit.ok).toBe(false);
    expect(report.embeddedBeforeInit.error).toMatch(/^wasmgrad: this runtime forbids compiling WebAssembly from bytes/);
    expect(report.embeddedBeforeInit.error).toContain('import wasm from "wasmgrad/wasmgrad.wasm"');
    expect(report.embeddedBeforeInit.error).toContain("init({ module: wasm })");
    // the workerd entry before init
    expect(report.beforeInit.ok).toBe(false);
    expect(report.beforeInit.error).toMatch(/^wasmgrad: the WebAssembly module is not loaded/);
    expect(report.beforeInit.error).toContain('import wasm from "wasmgrad/wasmgrad.wasm"');
    expect(report.beforeInit.error).toContain("init({ module: wasm })");
    // init({ module }) works with either entry
    expect(report.embeddedAfterInit).toEqual({ ok: true, value: "tensor([ 7, 14, 21])" });
    expect(firstDifference(report.results, reference)).toBeNull();
  });

  it("Deno: the same bits, with one thread and with two", async () => {
    const run = await runs.deno;
    console.log(run.version);
    expect(firstDifference(run.results, reference)).toBeNull();
    expect(run.threads).toEqual({ threads: 2, sameBits: true }); // and the process exited with its workers alive
  });
});
