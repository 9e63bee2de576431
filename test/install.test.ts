// Using wasmgrad from one's own project, the ways the README says: the package
// as `npm pack` makes it (what `npm publish` would upload), installed into an
// empty project and imported from Node, from an esbuild bundle and from a plain
// <script type="module"> page; and installed from a git URL, which builds it
// through `prepare`. Each runs part 1 of the series and checks torch's output.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

function run(cmd: string, args: string[], cwd: string, timeout = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} (in ${cwd}): ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
const npm = (args: string[], cwd: string, timeout?: number) => run("npm", args, cwd, timeout);

/** Part 1 of the series, as a user's app writes it; `report` is how the app shows its results. */
const PART1 = `import { tensor, manualSeed, rand } from "wasmgrad";
const out = [String(tensor([1, 2, 3]).mul(7))];
manualSeed(314);
out.push(String(rand(2, 3)));
const x = tensor(3, { requiresGrad: true });
const y = tensor(7, { requiresGrad: true });
x.mul(y.pow(5)).backward();
out.push(String(x.grad), String(y.grad));
`;
const EXPECTED = [
  "tensor([ 7, 14, 21])",
  "tensor([[0.7196, 0.6295, 0.6667],\n        [0.3385, 0.8522, 0.3126]])",
  "tensor(16807.)",
  "tensor(36015.)",
];

/** An empty project: a package.json and nothing beside it. */
function emptyProject(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "my-app", version: "1.0.0", type: "module", private: true }));
  return dir;
}

describe("the package as npm pack makes it", () => {
  let packDir = "", app = "", tarball = "";

  beforeAll(async () => {
    packDir = mkdtempSync(join(tmpdir(), "wasmgrad-pack-"));
    // dist/ is already built (npm install ran prepare); --ignore-scripts packs it as is
    const [info] = JSON.parse(await npm(["pack", "--ignore-scripts", "--json", "--pack-destination", packDir], root));
    tarball = join(packDir, info.filename);
    app = emptyProject("wasmgrad-app-");
    await npm(["install", "--no-audit", "--no-fund", "--offline", tarball], app);
  }, 180_000);
  afterAll(() => {
    for (const d of [packDir, app]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("npm publish --dry-run would upload exactly the bundles, their types, the .wasm, README, LICENSE and package.json", async () => {
    const report = JSON.parse(await npm(["publish", "--dry-run", "--json", "--ignore-scripts"], root));
    const files: string[] = report.wasmgrad.files.map((f: { path: string }) => f.path).sort();
    const outside = files.filter((f) => !f.startsWith("dist/types/"));
    expect(outside).toEqual([
      "LICENSE", "README.md",
      "dist/wasmgrad-workerd.js", "dist/wasmgrad.js", "dist/wasmgrad.wasm", "dist/wasmgrad.wasm.d.ts",
      "package.json",
    ]);
    const types = files.filter((f) => f.startsWith("dist/types/"));
    expect(types).toContain("dist/types/index.d.ts");
    expect(types.every((f) => f.endsWith(".d.ts"))).toBe(true);
    // no runtime dependency: the bundle carries everything
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it("installs into an empty project and runs part 1 in Node", async () => {
    writeFileSync(join(app, "part1.mjs"), PART1 + "console.log(JSON.stringify(out));\n");
    expect(JSON.parse(await run(process.execPath, ["part1.mjs"], app))).toEqual(EXPECTED);
  });

  it("an app that imports it bundles with esbuild, and the bundle runs", async () => {
    writeFileSync(join(app, "app.mjs"), PART1 + "console.log(JSON.stringify(out));\n");
    const esbuild = join(root, "node_modules/esbuild/bin/esbuild");
    for (const platform of ["node", "browser"]) {
      const out = `bundle-${platform}.mjs`;
      await run(esbuild, ["app.mjs", "--bundle", "--format=esm", `--platform=${platform}`, `--outfile=${out}`], app);
      expect(JSON.parse(await run(process.execPath, [out], app)), platform).toEqual(EXPECTED);
    }
  });

  it.skipIf(!existsSync(CHROMIUM) && !process.env.CI)("a plain <script type=\"module\"> page with an import map runs part 1 in Chromium", async () => {
    writeFileSync(
      join(app, "index.html"),
      `<!doctype html><meta charset="utf-8"><title>my app</title>
<script type="importmap">{ "imports": { "wasmgrad": "./node_modules/wasmgrad/dist/wasmgrad.js" } }</script>
<pre id="out"></pre>
<script type="module">
${PART1}document.getElementById("out").textContent = JSON.stringify(out);
</script>
`,
    );
    const types: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };
    const server: Server = createServer((req, res) => {
      const path = normalize(join(app, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
      const file = path.endsWith(sep) ? join(path, "index.html") : path;
      if (!file.startsWith(app + sep) || !existsSync(file) || !types[extname(file)]) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": types[extname(file)] }).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const { chromium } = await import("playwright-core");
    const userDataDir = mkdtempSync(join(tmpdir(), "wasmgrad-install-chromium-"));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"],
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e: Error) => errors.push(e.message));
      const { port } = server.address() as { port: number };
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => document.getElementById("out")?.textContent !== "", null, { timeout: 30_000 }).catch(() => {});
      expect(errors).toEqual([]);
      expect(JSON.parse((await page.textContent("#out")) ?? "null")).toEqual(EXPECTED);
    } finally {
      await context.close();
      server.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("installing from a git URL", () => {
  // What `npm install git+https://…/wasmgrad.git` does: clone, install the devDependencies,
  // run `prepare` (asc and esbuild), pack. Here from this checkout's committed HEAD.
  it.skipIf(!existsSync(join(root, ".git")))("builds through prepare and runs part 1 in Node", async () => {
    const app = emptyProject("wasmgrad-git-app-");
    try {
      await npm(["install", "--no-audit", "--no-fund", "--prefer-offline", `git+file://${root}`], app, 300_000);
      expect(existsSync(join(app, "node_modules/wasmgrad/dist/wasmgrad.js"))).toBe(true);
      writeFileSync(join(app, "part1.mjs"), PART1 + "console.log(JSON.stringify(out));\n");
      expect(JSON.parse(await run(process.execPath, ["part1.mjs"], app))).toEqual(EXPECTED);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  }, 300_000);
});
