// Runs the smoke program in headless Chromium (Debian's /usr/bin/chromium, or
// $CHROMIUM_PATH) driven by playwright-core. A tiny HTTP server on 127.0.0.1
// serves dist/ and test/runtimes/ (nothing else) with a strict CSP: scripts from
// the page's origin and WebAssembly compilation only ('wasm-unsafe-eval'), so
// an eval / new Function or a fetch in the bundle would be reported.
//
//   node test/runtimes/browser.mjs
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'none'; style-src 'none'; img-src 'none'";
/** For browser-threads.html: workers are started from blob: URLs. */
const CSP_THREADS = CSP + "; worker-src blob:";
/** For browser-nowasm.html: a CSP that does not allow compiling WebAssembly. */
const CSP_NO_WASM = "default-src 'none'; script-src 'self'";
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".wasm": "application/wasm" };

function serve() {
  const allowed = [join(root, "dist") + sep, join(root, "test", "runtimes") + sep];
  const server = createServer((req, res) => {
    let path = "";
    try {
      path = normalize(join(root, decodeURIComponent(new URL(req.url, "http://x").pathname)));
    } catch {
      // a malformed URL: 404 below
    }
    if (!allowed.some((a) => path.startsWith(a)) || !existsSync(path) || !TYPES[extname(path)]) {
      res.writeHead(404).end();
      return;
    }
    const threads = path.endsWith("threads.html");
    const csp = path.endsWith("nowasm.html") ? CSP_NO_WASM : threads ? CSP_THREADS : CSP;
    const headers = { "content-type": TYPES[extname(path)], "content-security-policy": csp, "cache-control": "no-store" };
    // ?isolated: a cross-origin isolated page, which SharedArrayBuffer (threads) needs
    if (new URL(req.url, "http://x").searchParams.has("isolated")) {
      Object.assign(headers, { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" });
    }
    res.writeHead(200, headers);
    res.end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

export async function runBrowser({ timeoutMs = 120_000 } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const server = await serve();
  const userDataDir = mkdtempSync(join(tmpdir(), "wasmgrad-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout: timeoutMs,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const console_ = [];
    page.on("console", (m) => console_.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => console_.push(`pageerror: ${e.message}`));
    const { port } = server.address();
    await page.goto(`http://127.0.0.1:${port}/test/runtimes/browser.html`, { timeout: timeoutMs });
    try {
      await page.waitForFunction(() => window.__smoke !== undefined, null, { timeout: timeoutMs });
    } catch (e) {
      throw new Error(`the page did not finish: ${e.message}\n${console_.join("\n")}`);
    }
    const smoke = await page.evaluate(() => window.__smoke);
    if (!smoke.ok) throw new Error(`the smoke program failed in Chromium: ${smoke.error}\n${console_.join("\n")}`);
    const userAgent = await page.evaluate(() => navigator.userAgent);
    const { results, cspViolations, evalBlocked, fetchBlocked } = smoke;
    // a page whose CSP forbids WebAssembly
    await page.goto(`http://127.0.0.1:${port}/test/runtimes/browser-nowasm.html`, { timeout: timeoutMs });
    await page.waitForFunction(() => window.__nowasm !== undefined, null, { timeout: timeoutMs });
    const withoutWasmCsp = await page.evaluate(() => window.__nowasm);
    // threads, on a cross-origin isolated page and on a plain one
    const threads = {};
    for (const [key, query] of [["isolated", "?isolated"], ["plain", ""]]) {
      await page.goto(`http://127.0.0.1:${port}/test/runtimes/browser-threads.html${query}`, { timeout: timeoutMs });
      await page.waitForFunction(() => window.__threads !== undefined, null, { timeout: timeoutMs });
      threads[key] = await page.evaluate(() => window.__threads);
    }
    return { version: context.browser()?.version() ?? userAgent, userAgent, cspViolations, evalBlocked, fetchBlocked, withoutWasmCsp, threads, console: console_, results };
  } finally {
    await context?.close();
    await new Promise((r) => server.close(r));
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await runBrowser();
  console.log(JSON.stringify(out));
}
