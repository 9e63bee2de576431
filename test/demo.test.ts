// The demo page (examples/demo) in headless Chromium, driven by playwright-core
// the way test/runtimes/browser.mjs drives it: served by the demo's own server
// on 127.0.0.1, it loads with no console error, each part runs and draws a
// curve with data (part 4 also its decision boundary, and PyTorch's accuracy), Stop works (through the shared flag, and by ending the
// worker when the page is not cross-origin isolated), the main thread stays
// responsive during a run, out-of-range fields are named in the page with
// their range, and at 420 px wide nothing overflows. A screenshot of each part
// (and of the page at 1200 and 420 px) is written outside the repository, to
// $WASMGRAD_SHOTS or <os tmpdir>/wasmgrad-demo-shots/, for a reviewer to look at.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const { startServer } = await import(/* @vite-ignore */ `${root}examples/demo/server.mjs`);
const { CHROMIUM, CHROMIUM_FLAGS } = await import("./runtimes/browser.mjs");
// PyTorch's run of part 4's defaults (examples/moons.mjs; test/moons.test.ts checks the two agree)
const torchMoons = JSON.parse(readFileSync(new URL("./fixtures/moons.json", import.meta.url), "utf8")).relu;
const torchFinalLoss = new Float32Array(new Uint32Array([torchMoons.losses.at(-1)]).buffer)[0];

// never into the working tree: the temp folder, or where WASMGRAD_SHOTS says
const SHOTS = process.env.WASMGRAD_SHOTS ? resolve(process.env.WASMGRAD_SHOTS) : join(tmpdir(), "wasmgrad-demo-shots");
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
      ["/examples/lib/moons.mjs", "text/javascript"],
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
    console.log(`demo screenshots: ${SHOTS}`);
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
    if (existsSync(SHOTS)) console.log(`demo screenshots written to ${SHOTS}: ${readdirSync(SHOTS).sort().join(", ")}`);
  });

  const state = (part: string) => page.getAttribute(`#${part}`, "data-state");
  const waitState = (part: string, states: string[], timeout = 60_000) =>
    page.waitForFunction(([p, s]: [string, string[]]) => s.includes(document.getElementById(p)!.dataset.state!), [part, states], { timeout });
  /** Starts a long run of part n, presses Stop once it is past `atStep`, and waits until it has stopped. */
  async function runAndStop(n: number, steps: number, atStep: number, timeout = 30_000) {
    await page.fill(`#p${n}-form input[name=steps]`, String(steps));
    await page.click(`#p${n}-run`);
    await page.waitForFunction(([id, k]: [string, number]) => Number(document.getElementById(id)!.dataset.step) >= k, [`part${n}`, atStep]);
    await page.click(`#p${n}-stop`);
    await waitState(`part${n}`, ["stopped"], timeout);
  }
  /** How many frames the page paints in one second (while a worker computes, it should keep painting). */
  const framesInOneSecond = () =>
    page.evaluate(
      () => new Promise<number>((resolve) => {
        let n = 0;
        const t0 = performance.now();
        const tick = () => (performance.now() - t0 < 1000 ? (n++, requestAnimationFrame(tick)) : resolve(n));
        requestAnimationFrame(tick);
      }),
    );
  /** Part 4's canvas: its size against its box, the share of pixels tinted toward each class, the dark ones (the boundary line), and its image. */
  const boundaryPixels = () =>
    page.evaluate(() => {
      const canvas = document.getElementById("p4-canvas") as HTMLCanvasElement;
      // read through a copy made for reading, so the page's canvas is never read back (Chromium warns when one is, often)
      const copy = document.createElement("canvas");
      [copy.width, copy.height] = [canvas.width, canvas.height];
      const ctx = copy.getContext("2d", { willReadFrequently: true })!;
      ctx.drawImage(canvas, 0, 0);
      const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
      let blue = 0, orange = 0, dark = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        if (b > r + 40) blue++;
        else if (r > b + 40) orange++;
        if (r < 80 && g < 80 && b < 80) dark++;
      }
      const n = data.length / 4;
      return { width: canvas.width, boxWidth: Math.round(canvas.clientWidth * devicePixelRatio), blue: blue / n, orange: orange / n, dark: dark / n, image: canvas.toDataURL() };
    });
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
    // cos is drawn last (over the autograd rings, which are hollow) and dashed: both stay visible
    const groups = await page.$$eval("#p1-chart svg g.series", (gs: Element[]) =>
      gs.map((g) => ({ name: g.getAttribute("data-name"), dash: g.querySelector("path")?.getAttribute("stroke-dasharray") ?? null, fills: [...new Set(Array.from(g.querySelectorAll("circle"), (c) => c.getAttribute("fill")))] })));
    expect(groups).toEqual([
      { name: "autograd: t.grad", dash: null, fills: ["none"] },
      { name: "sin(t)", dash: null, fills: [] },
      { name: "cos(t)", dash: "7 4", fills: [] },
    ]);
    expect(await page.textContent("#p1-chart svg .y-label")).toBe("sin(t), cos(t), t.grad");
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
    expect(await framesInOneSecond()).toBeGreaterThan(10);
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
    // the status names every matrix's final loss (the table's "final loss" column), not the last one only
    const finals = rows.map((r: string[], i: number) => `M${i + 1} ${r[3]}`).join(", ");
    for (const r of rows) expect(r[3]).toMatch(/^\d\.\d{3}e-\d+$/);
    expect(new Set(rows.map((r: string[]) => r[3])).size).toBe(5);
    expect(await page.textContent("#p3-status")).toContain(`· final losses ${finals} ·`);
    // the x axis is labelled to the last step
    expect((await page.$$eval("#p3-chart svg .x-tick", (t: Element[]) => t.map((e) => e.textContent))).at(-1)).toBe("4000");
    expect(await page.$$eval("#p3-results details", (d: Element[]) => d.length)).toBe(5);
    const detail = await page.textContent("#p3-results details[open]");
    expect(detail).toContain("direct (linalg.svd), column signs matched");
    expect(detail).toContain("max |U·diag(S)·Vᵀ − M|");
    await page.locator("#part3").screenshot({ path: join(SHOTS, "part3.png") });
    await page.screenshot({ path: join(SHOTS, "page.png"), fullPage: true });
    expect(problems).toEqual([]);
  });

  it("part 4: trains examples/moons.mjs's classifier live, the loss curve and the decision boundary moving as it trains, to PyTorch's accuracy", async () => {
    const before = await boundaryPixels(); // the placeholder text
    await page.click("#p4-run");
    await waitState("part4", ["running"]);
    // at the default pace (100 steps a second) the 300 steps take 3 s, and the page keeps painting
    expect(await framesInOneSecond()).toBeGreaterThan(10);
    await page.waitForFunction(() => (window as any).__demo.progress.part4 >= 3);
    expect(await page.textContent("#p4-status")).toMatch(/^step [\d,]+ \/ 300 · loss \d\.\d{3}e-\d+ · accuracy \d+\.\d% ·/);
    const early = await boundaryPixels();
    expect(early.image).not.toBe(before.image);
    await waitState("part4", ["done"], 30_000);
    expect(await page.evaluate(() => (window as any).__demo.progress.part4)).toBeGreaterThan(20); // every 50 ms for 3 s
    expect(await page.getAttribute("#part4", "data-steps")).toBe("300");
    // torch's run of the same program classifies all 200 points, and so does the page's
    expect(torchMoons.accuracy).toBe(1);
    expect(Number(await page.getAttribute("#part4", "data-accuracy"))).toBe(torchMoons.accuracy);
    const status = await page.textContent("#p4-status");
    expect(status).toContain(`done: 300 steps · `);
    expect(status).toContain(` · final loss ${torchFinalLoss.toExponential(3)} · accuracy 100.0% · slowed to 100 steps/s · `);
    // the curve: all 300 losses
    expect((await pointsIn("#p4-chart")).filter((n: number) => n > 1)).toEqual([300]);
    // the boundary: both classes' tints, the line between them, the points; and it moved since early in the run
    const end = await boundaryPixels();
    expect(end.width).toBe(end.boxWidth);
    expect(end.blue).toBeGreaterThan(0.2);
    expect(end.orange).toBeGreaterThan(0.2);
    expect(end.dark).toBeGreaterThan(0.002);
    expect(end.image).not.toBe(early.image);
    // the misclassified points are ringed: none now
    expect(await page.getAttribute("#part4", "data-wrong")).toBe("0");
    await page.locator("#part4").screenshot({ path: join(SHOTS, "part4.png") });
    expect(problems).toEqual([]);
  });

  it("at 420 px wide (a phone) nothing overflows: the table stacks its rows, matrices scroll in their boxes, charts redraw to the width", async () => {
    await page.setViewportSize({ width: 420, height: 900 });
    try {
      // the charts redraw for the new width (a ResizeObserver), at most once per frame
      await page.waitForFunction(() => {
        const box = document.getElementById("p3-chart")!;
        const svg = box.querySelector("svg") as SVGSVGElement | null;
        return svg !== null && svg.viewBox.baseVal.width === Math.round(Math.min(900, Math.max(380, box.clientWidth))) && svg.viewBox.baseVal.width < 420;
      });
      const m = await page.evaluate(() => {
        const W = document.documentElement.clientWidth;
        const out = [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > W + 0.5).map((e) => `${e.tagName}.${e.className}`);
        const thead = document.querySelector("#p3-results table.summary thead")!;
        const td = document.querySelector("#p3-results table.summary tbody td")!;
        return {
          scrollWidth: document.documentElement.scrollWidth, clientWidth: W, innerWidth: window.innerWidth, out,
          theadShown: getComputedStyle(thead).display !== "none",
          label: getComputedStyle(td, "::before").content,
          tableWidth: document.querySelector("#p3-results table.summary")!.getBoundingClientRect().width,
          boxWidth: document.querySelector("#p3-results .table-wrap")!.getBoundingClientRect().width,
        };
      });
      expect(m.innerWidth).toBe(420);
      expect(m.out).toEqual([]); // no element reaches past the right edge
      expect(m.scrollWidth).toBeLessThanOrEqual(m.clientWidth);
      expect(m.theadShown).toBe(false);
      expect(m.label).toBe('"matrix"'); // each value beside its column's name
      expect(m.tableWidth).toBeLessThanOrEqual(m.boxWidth);
      // part 4's canvas redraws to its box's width, and the boundary is still drawn
      await page.waitForFunction(() => {
        const c = document.getElementById("p4-canvas") as HTMLCanvasElement;
        return c.width === Math.round(c.clientWidth * devicePixelRatio) && c.clientWidth < 420;
      });
      const narrow = await boundaryPixels();
      expect(Math.min(narrow.blue, narrow.orange)).toBeGreaterThan(0.2);
      await page.screenshot({ path: join(SHOTS, "page-420px.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1200, height: 900 });
    }
  });

  it("a field out of range is named in the page with the allowed range, and nothing runs until it is fixed", async () => {
    const runs = await page.evaluate(() => ({ ...(window as any).__demo.runs }));
    const error = "#p2-form-error";
    expect(await page.isHidden(error)).toBe(true);
    await page.fill("#p2-form input[name=n]", "65");
    expect(await page.textContent(error)).toBe("size n must be a whole number from 1 to 64 (got 65)"); // as you type
    await page.click("#p2-run");
    expect(await page.isVisible(error)).toBe(true);
    expect(await page.getAttribute("#p2-form input[name=n]", "aria-invalid")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("n");
    await page.fill("#p2-form input[name=momentum]", "1");
    expect(await page.textContent(error)).toBe("size n must be a whole number from 1 to 64 (got 65) · momentum must be a number from 0 to 0.9999 (got 1)");
    await page.fill("#p2-form input[name=steps]", "");
    expect(await page.textContent(error)).toContain("steps must be a whole number from 1 to 200000 (it is empty)");
    await page.fill("#p2-form input[name=n]", "2.5");
    expect(await page.textContent(error)).toContain("size n must be a whole number from 1 to 64 (got 2.5)");
    await page.click("#p2-run");
    await page.waitForTimeout(300);
    expect(await state("part2")).not.toBe("running");
    // part 3's steps and part 1's rows, the same way (part 1 runs as you type: not with a bad field)
    await page.fill("#p3-form input[name=steps]", "0");
    await page.click("#p3-run");
    expect(await page.textContent("#p3-form-error")).toBe("steps must be a whole number from 1 to 200000 (got 0)");
    await page.fill("#p1-form input[name=rows]", "9");
    expect(await page.textContent("#p1-form-error")).toBe("rand rows must be a whole number from 1 to 8 (got 9)");
    // part 4: the hidden width and the noise
    await page.fill("#p4-form input[name=width]", "500");
    await page.fill("#p4-form input[name=noise]", "2");
    await page.click("#p4-run");
    expect(await page.textContent("#p4-form-error")).toBe("noise must be a number from 0 to 1 (got 2) · hidden width must be a whole number from 1 to 128 (got 500)");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("noise"); // the first field named
    await page.waitForTimeout(400); // part 1 waits 200 ms after typing before it runs
    expect(await page.evaluate(() => ({ ...(window as any).__demo.runs }))).toEqual(runs); // nothing ran
    // fixed: the messages go, and the runs work
    await page.fill("#p1-form input[name=rows]", "2");
    await page.fill("#p2-form input[name=n]", "4");
    await page.fill("#p2-form input[name=momentum]", "0.9");
    await page.fill("#p2-form input[name=steps]", "20");
    await page.fill("#p3-form input[name=steps]", "300");
    await page.fill("#p4-form input[name=width]", "16");
    await page.fill("#p4-form input[name=noise]", "0.1");
    for (const e of ["#p1-form-error", "#p2-form-error", "#p3-form-error", "#p4-form-error"]) expect(await page.isHidden(e), e).toBe(true);
    await page.click("#p2-run");
    await waitState("part2", ["done"]);
    expect(await page.getAttribute("#part2", "data-steps")).toBe("20");
    // 20 steps are too few: the result says it is not an inverse yet
    expect(Number(await page.getAttribute("#part2", "data-residual"))).toBeGreaterThan(1e-4);
    expect(await page.textContent("#p2-results")).toContain("(not converged: X is not an inverse of M yet; more steps may help)");
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
    await runAndStop(3, 200_000, 500);
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

  it("part 4: Stop through the shared flag ends the training where it is, with its accuracy and boundary, and the next run works", async () => {
    await page.selectOption("#p4-form select[name=activation]", "tanh");
    await runAndStop(4, 100_000, 50);
    const steps = Number(await page.getAttribute("#part4", "data-steps"));
    expect(steps).toBeGreaterThanOrEqual(50);
    expect(steps).toBeLessThan(100_000);
    expect(await page.textContent("#p4-status")).toMatch(/^stopped at step [\d,]+ of 100,000 · .* · final loss \d\.\d{3}e-\d+ · accuracy \d+\.\d% · /);
    expect(Number(await page.getAttribute("#part4", "data-accuracy"))).toBeGreaterThan(0.5);
    // the same worker goes on, at full speed
    await page.fill("#p4-form input[name=steps]", "200");
    await page.selectOption("#p4-form select[name=pace]", "0");
    await page.click("#p4-run");
    await waitState("part4", ["done"]);
    expect(await page.getAttribute("#part4", "data-steps")).toBe("200");
    expect(await page.textContent("#p4-status")).not.toContain("slowed to");
    expect((await pointsIn("#p4-chart")).filter((n: number) => n > 1)).toHaveLength(3); // the default run's curve, the stopped one's, this one's
    await page.selectOption("#p4-form select[name=activation]", "relu");
    await page.selectOption("#p4-form select[name=pace]", "100");
    expect(problems).toEqual([]);
  });

  it("without cross-origin isolation, Stop ends the worker instead, and a fresh one takes over", async () => {
    await page.goto(server.url + "?nosab");
    await waitState("part1", ["done"]);
    expect(await page.textContent("#env")).toContain("terminate the worker");
    await runAndStop(2, 200_000, 500, 10_000);
    expect(await page.textContent("#p2-status")).toMatch(/^stopped at step/);
    await page.fill("#p2-form input[name=steps]", "1000");
    await page.click("#p2-run");
    await waitState("part2", ["done"]);
    expect(await page.getAttribute("#part2", "data-steps")).toBe("1000");
    // part 4 the same way: the boundary drawn so far stays
    await runAndStop(4, 100_000, 50, 10_000);
    expect(await page.textContent("#p4-status")).toMatch(/^stopped at step [\d,]+ \(the worker was ended/);
    const kept = await boundaryPixels();
    expect(Math.min(kept.blue, kept.orange)).toBeGreaterThan(0.1);
    await page.fill("#p4-form input[name=steps]", "40");
    await page.click("#p4-run");
    await waitState("part4", ["done"]);
    expect(await page.getAttribute("#part4", "data-steps")).toBe("40");
    expect(problems).toEqual([]);
  });
});
