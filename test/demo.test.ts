// The demo page (examples/demo) in headless Chromium, driven by playwright-core
// the way test/runtimes/browser.mjs drives it: served by the demo's own server
// on 127.0.0.1, it loads with no console error, each part runs and draws a
// curve with data, Stop works (through the shared flag, and by ending the
// worker when the page is not cross-origin isolated), and the main thread stays
// responsive during a run. A screenshot of each part lands in
// test-output/demo/ (git-ignored) for a reviewer to look at.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const { startServer } = await import(/* @vite-ignore */ `${root}examples/demo/server.mjs`);
const { CHROMIUM, CHROMIUM_FLAGS } = await import("./runtimes/browser.mjs");

const SHOTS = join(root, "test-output", "demo");
const CHROMIUM_MISSING = existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`;
// as in runtimes.test.ts: CI installs Chromium, so there a missing browser fails; elsewhere the browser tests are skipped, loudly
const skipChromium = CHROMIUM_MISSING !== null && !process.env.CI;
if (skipChromium) console.warn(`SKIPPING the demo page tests. ${CHROMIUM_MISSING}`);

describe("the demo server", () => {
  let server: { url: string; port: number; close: () => Promise<void> };
  beforeAll(async () => {
    server = await startServer({ port: 0 });
  });
  afterAll(() => server?.close());
  const get = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), { redirect: "manual", ...init });

  it("binds 127.0.0.1 and serves the page, the chart module and dist/ with the right types and headers", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/examples\/demo\/$/);
    const root_ = await get("/");
    expect(root_.status).toBe(302);
    expect(root_.headers.get("location")).toBe("/examples/demo/");
    for (const [path, type] of [
      ["/examples/demo/", "text/html"],
      ["/examples/demo/main.js", "text/javascript"],
      ["/examples/demo/worker.js", "text/javascript"],
      ["/examples/demo/demo.css", "text/css"],
      ["/examples/lib/chart.mjs", "text/javascript"],
      ["/dist/wasmgrad.js", "text/javascript"],
      ["/dist/wasmgrad.wasm", "application/wasm"],
    ]) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get("content-type"), path).toMatch(new RegExp(`^${type}`));
      expect(r.headers.get("cross-origin-opener-policy")).toBe("same-origin");
      expect(r.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
      expect(r.headers.get("content-security-policy")).toContain("'wasm-unsafe-eval'");
      expect(r.headers.get("content-security-policy")).not.toMatch(/(^|\s)'unsafe-eval'/); // WebAssembly only, never eval
    }
  });

  it("serves nothing else: other files, traversal, other methods", async () => {
    for (const path of ["/package.json", "/src/api.ts", "/examples/demo/../../package.json", "/examples/demo/%2e%2e/%2e%2e/package.json",
      "/examples/demo/..%2f..%2fpackage.json", "/dist/../README.md", "/examples/worker/src/service.js", "/examples/demo/nope.js", "/examples/demo/%E0%A4%A"]) {
      const r = await get(path);
      expect([400, 404], path).toContain(r.status);
    }
    expect((await get("/examples/demo/", { method: "POST", body: "x" })).status).toBe(405);
    expect((await get("/examples/demo/", { method: "HEAD" })).status).toBe(200);
  });

  it("takes the next port when the asked one is busy", async () => {
    const second = await startServer({ port: server.port });
    try {
      expect(second.port).not.toBe(server.port);
      expect((await fetch(second.url)).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});

describe.skipIf(skipChromium)("the demo page in headless Chromium", () => {
  let server: { url: string; close: () => Promise<void> };
  let context: any, page: any, userDataDir: string;
  const problems: string[] = []; // console errors, page errors, failed requests

  beforeAll(async () => {
    if (CHROMIUM_MISSING) throw new Error(CHROMIUM_MISSING);
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ port: 0 });
    const { chromium } = await import("playwright-core");
    userDataDir = mkdtempSync(join(tmpdir(), "wasmgrad-demo-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1200, height: 900 },
      timeout: 60_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(60_000);
    page.on("console", (m: any) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e: Error) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r: any) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on("response", (r: any) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    await page.goto(server.url);
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  const state = (part: string) => page.getAttribute(`#${part}`, "data-state");
  const waitState = (part: string, states: string[], timeout = 60_000) =>
    page.waitForFunction(([p, s]: [string, string[]]) => s.includes(document.getElementById(p)!.dataset.state!), [part, states], { timeout });
  /** The number of points drawn in the chart of a part: every path's vertices plus every marker. */
  const pointsIn = (selector: string) =>
    page.$$eval(`${selector} svg path, ${selector} svg circle`, (els: Element[]) =>
      els.map((e) => (e.tagName === "circle" ? 1 : (e.getAttribute("d")!.match(/[ML]/g) ?? []).length)).filter((n) => n > 0));

  it("loads with no console error, cross-origin isolated, and runs part 1 at once", async () => {
    await waitState("part1", ["done"]);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    expect(await page.textContent("#env")).toContain("shared flag");
    const text = await page.textContent("#p1-lines");
    expect(text).toContain("tensor([1, 2, 3])");
    expect(text).toContain("tensor([ 7, 14, 21])");
    expect(text).toContain("tensor(32)");
    expect(text).toContain("tensor([[0.7196, 0.6295, 0.6667],");
    expect(text).toContain("[0.3385, 0.8522, 0.3126]])");
    expect(text).toContain("tensor(16807.)");
    expect(text).toContain("tensor(36015.)");
    expect(text).toContain("max |t.grad − cos(t)| = 0"); // exactly cos, as in PyTorch
    expect(text).toContain("is the same, bit for bit");
    const drawn = await pointsIn("#p1-chart");
    expect(drawn.filter((n: number) => n === 100)).toHaveLength(2); // sin and cos, 100 points each
    expect(drawn.filter((n: number) => n === 1).length).toBe(100 + 1); // the autograd markers, and the legend's
    await page.locator("#part1").screenshot({ path: join(SHOTS, "part1.png") });
    // interactive: a new k recomputes
    await page.fill("#p1-form input[name=k]", "3");
    await page.waitForFunction(() => document.getElementById("p1-lines")!.textContent!.includes("tensor([3, 6, 9])"));
    await page.fill("#p1-form input[name=a]", "1, 2");
    await page.waitForFunction(() => document.querySelector("#p1-lines .error") !== null);
    await page.fill("#p1-form input[name=a]", "1, 2, 3");
    await page.fill("#p1-form input[name=k]", "7");
    await page.waitForFunction(() => document.getElementById("p1-lines")!.textContent!.includes("tensor([ 7, 14, 21])"));
    expect(problems).toEqual([]);
  });

  it("part 2: runs the series' inverse of M1 and of diag(1, 2, 3, 4), drawing both loss curves on a log axis", async () => {
    await page.click("#p2-run");
    await waitState("part2", ["done"]);
    expect(await page.getAttribute("#part2", "data-steps")).toBe("10000");
    expect(Number(await page.getAttribute("#part2", "data-residual"))).toBeLessThan(1e-5); // X·M = I to 4 decimals
    const results = await page.textContent("#p2-results");
    expect(results).toContain("linalg.inv(M)");
    expect(results).toContain("X·M prints as the identity to 4 decimals");
    await page.selectOption("#p2-form select[name=kind]", "diag");
    await page.click("#p2-run");
    await waitState("part2", ["done"]);
    const curves = (await pointsIn("#p2-chart")).filter((n: number) => n > 1);
    expect(curves).toHaveLength(2);
    for (const n of curves) expect(n).toBeGreaterThan(500); // 10,000 losses, downsampled to 1,000 (fewer where the loss reached 0)
    expect(await page.textContent("#p2-chart")).toContain("1e-12"); // the log axis
    expect(await page.textContent("#p2-results")).toContain("0.5000"); // diag(1, 2, 3, 4)⁻¹
    await page.locator("#part2").screenshot({ path: join(SHOTS, "part2.png") });
    expect(problems).toEqual([]);
  });

  it("part 3: the five matrices with the hand-written momentum, live, beside linalg.svd, while the page stays responsive", async () => {
    await page.fill("#p3-form input[name=steps]", "4000");
    await page.click("#p3-run");
    await waitState("part3", ["running"]);
    // while the worker computes, the page keeps painting frames and answering
    const frames = await page.evaluate(
      () => new Promise<number>((resolve) => {
        let n = 0;
        const t0 = performance.now();
        const tick = () => (performance.now() - t0 < 1000 ? (n++, requestAnimationFrame(tick)) : resolve(n));
        requestAnimationFrame(tick);
      }),
    );
    expect(frames).toBeGreaterThan(10);
    await waitState("part3", ["done"], 90_000);
    expect(await page.evaluate(() => (window as any).__demo.progress.part3)).toBeGreaterThan(0); // drawn live
    const curves = (await pointsIn("#p3-chart")).filter((n: number) => n > 1);
    expect(curves).toHaveLength(5);
    for (const n of curves) expect(n).toBeGreaterThan(500);
    const rows = await page.$$eval("#p3-results table.summary tbody tr", (trs: Element[]) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent)));
    expect(rows).toHaveLength(5);
    // M1's singular values: the series' numbers, and linalg.svd's
    expect(rows[0][4]).toBe("2.3398, 0.6873, 0.2592, 0.1177");
    expect(rows[0][5]).toBe("2.3398, 0.6873, 0.2592, 0.1177");
    expect(await page.$$eval("#p3-results details", (d: Element[]) => d.length)).toBe(5);
    const detail = await page.textContent("#p3-results details[open]");
    expect(detail).toContain("direct (linalg.svd), column signs matched");
    expect(detail).toContain("max |U·diag(S)·Vᵀ − M|");
    await page.locator("#part3").screenshot({ path: join(SHOTS, "part3.png") });
    await page.screenshot({ path: join(SHOTS, "page.png"), fullPage: true });
    expect(problems).toEqual([]);
  });

  it("part 2 with too large a learning rate: the descent stops at the first non-finite loss and says what to do", async () => {
    await page.click("#p2-clear");
    await page.fill("#p2-form input[name=lr]", "50");
    await page.click("#p2-run");
    await waitState("part2", ["diverged"]);
    expect(Number(await page.getAttribute("#part2", "data-steps"))).toBeLessThan(1000);
    expect(await page.textContent("#p2-status")).toContain("try a smaller learning rate");
    await page.fill("#p2-form input[name=lr]", "0.9");
    expect(problems).toEqual([]);
  });

  it("Stop ends a long run early through the shared flag, keeps its factors, and the next run works", async () => {
    await page.selectOption("#p3-form select[name=matrix]", "M1");
    await page.selectOption("#p3-form select[name=optimizer]", "adam");
    expect(await page.inputValue("#p3-form input[name=lr]")).toBe("0.001");
    await page.fill("#p3-form input[name=steps]", "200000");
    await page.click("#p3-run");
    await page.waitForFunction(() => Number(document.getElementById("part3")!.dataset.step) >= 500);
    await page.click("#p3-stop");
    await waitState("part3", ["stopped"], 30_000);
    const steps = Number(await page.getAttribute("#part3", "data-steps"));
    expect(steps).toBeGreaterThanOrEqual(500);
    expect(steps).toBeLessThan(200_000);
    expect(await page.textContent("#p3-status")).toMatch(/^stopped at step [\d,]+ of 200,000/);
    const row = await page.$$eval("#p3-results table.summary tbody tr", (trs: Element[]) => Array.from(trs[0].children, (td) => td.textContent));
    expect(row[1]).toBe("optim.Adam");
    expect(row[2]).toContain("(stopped)");
    // the same worker goes on
    await page.fill("#p3-form input[name=steps]", "300");
    await page.click("#p3-run");
    await waitState("part3", ["done"]);
    expect(await page.getAttribute("#part3", "data-steps")).toBe("300");
    expect(problems).toEqual([]);
  });

  it("without cross-origin isolation, Stop ends the worker instead, and a fresh one takes over", async () => {
    await page.goto(server.url + "?nosab");
    await waitState("part1", ["done"]);
    expect(await page.textContent("#env")).toContain("terminate the worker");
    await page.fill("#p2-form input[name=steps]", "200000");
    await page.click("#p2-run");
    await page.waitForFunction(() => Number(document.getElementById("part2")!.dataset.step) >= 500);
    await page.click("#p2-stop");
    await waitState("part2", ["stopped"], 10_000);
    expect(await page.textContent("#p2-status")).toMatch(/^stopped at step/);
    await page.fill("#p2-form input[name=steps]", "1000");
    await page.click("#p2-run");
    await waitState("part2", ["done"]);
    expect(await page.getAttribute("#part2", "data-steps")).toBe("1000");
    expect(problems).toEqual([]);
  });
});
