// The main job (`npm start`): runs the series end to end from the built
// bundle, prints what the notebooks print, and writes the HTML report. The
// report's charts are read back: axes labelled to the last step, part 1's cos
// line drawn over (not under) the autograd points, captions that say what each
// chart shows, and a page that fits a phone's width (in headless Chromium).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { lineChart, axisTicks } = await import(/* @vite-ignore */ `${root}examples/lib/chart.mjs`);
const { CHROMIUM, CHROMIUM_FLAGS } = await import("./runtimes/browser.mjs");
const CHROMIUM_MISSING = existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`;
const skipChromium = CHROMIUM_MISSING !== null && !process.env.CI;
if (skipChromium) console.warn(`SKIPPING the report's phone-width test. ${CHROMIUM_MISSING}`);

// ---- reading the SVG the chart module writes -----------------------------------------
const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
const texts = (svg: string, cls: string) => [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, "g"))].map((m) => ({ tag: m[0], text: m[1] }));
const tickValue = (s: string) => Number(s.replace(/,/g, ""));
/** The plot frame: x, y, width, height. */
const plotBox = (svg: string) => {
  const tag = /<rect class="plot"[^>]*>/.exec(svg)![0];
  return { x: Number(attr(tag, "x")), y: Number(attr(tag, "y")), w: Number(attr(tag, "width")), h: Number(attr(tag, "height")) };
};
/** The groups of drawn series, in drawing order: name and inner markup. */
const seriesGroups = (svg: string) => [...svg.matchAll(/<g class="series" data-name="([^"]*)">([\s\S]*?)<\/g>/g)].map((m) => ({ name: m[1], body: m[2] }));
const vertices = (d: string) => [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);

/** Checks the x axis of one chart: labelled ticks from the first value to at least the last, the last tick on the frame's right edge. */
function expectXAxisCovers(svg: string, first: number, last: number, what: string) {
  const ticks = texts(svg, "x-tick");
  expect(ticks.length, `${what}: x ticks`).toBeGreaterThanOrEqual(4);
  const values = ticks.map((t) => tickValue(t.text));
  expect(values[0], what).toBeLessThanOrEqual(first);
  expect(values.at(-1)!, `${what}: the last x tick reaches the last value`).toBeGreaterThanOrEqual(last);
  const box = plotBox(svg);
  expect(Number(attr(ticks.at(-1)!.tag, "x")), `${what}: the last tick is at the axis' end`).toBeCloseTo(box.x + box.w, 6);
  expect(Number(attr(ticks[0].tag, "x"))).toBeCloseTo(box.x, 6);
}

describe("the chart module's x axis", () => {
  it("labels a 20,000-step curve (steps 0 … 19,999) up to 20,000, and widens other ranges to the next tick", () => {
    const svg = lineChart([{ name: "loss", y: Array.from({ length: 20_000 }, (_, i) => 1 / (i + 1)) }], { xLabel: "iteration", yLabel: "loss", logY: true });
    expect(texts(svg, "x-tick").map((t) => t.text)).toEqual(["0", "5000", "10,000", "15,000", "20,000"]);
    expectXAxisCovers(svg, 0, 19_999, "20,000 steps");
    expect(texts(svg, "y-label").map((t) => t.text)).toEqual(["loss"]);
    expect(axisTicks(0, 9999)).toEqual({ lo: 0, hi: 10_000, ticks: [0, 2000, 4000, 6000, 8000, 10_000] });
    expect(axisTicks(0, 12_345)).toEqual({ lo: 0, hi: 12_500, ticks: [0, 2500, 5000, 7500, 10_000, 12_500] });
    // 0 … 2π: a finer step rather than an axis to 8
    expect(axisTicks(0, 2 * Math.PI)).toEqual({ lo: 0, hi: 7, ticks: [0, 1, 2, 3, 4, 5, 6, 7] });
    // a fixed range (the demo's live curves) is labelled to its end too
    const live = lineChart([{ name: "l", y: [1, 0.5, 0.25] }], { xMin: 0, xMax: 4000, logY: true });
    expect(texts(live, "x-tick").map((t) => t.text)).toEqual(["0", "1000", "2000", "3000", "4000"]);
  });
});

describe("npm start (quick run)", () => {
  const dir = mkdtempSync(join(tmpdir(), "wasmgrad-report-"));
  const report = join(dir, "series.html");
  const userReport = `${root}report/series.html`;
  const readUserReport = () => (existsSync(userReport) ? readFileSync(userReport, "utf8") : null);
  let out = "", html = "", before: string | null = null;
  const figure = (id: string) => {
    const m = new RegExp(`<figure id="${id}"><div class="wide">([\\s\\S]*?)</div><div class="narrow">([\\s\\S]*?)</div><figcaption>([\\s\\S]*?)</figcaption></figure>`).exec(html);
    expect(m, `figure ${id}`).not.toBeNull();
    return { wide: m![1], narrow: m![2], caption: m![3] };
  };
  const FIGURES = ["autodiff", "inverse", "svd-cases", "svd-sgd", "svd-adam", "svd-adam-cases"];

  beforeAll(() => {
    before = readUserReport();
    out = execFileSync(process.execPath, ["examples/series.mjs", "--quick", "--out", report], { cwd: root, encoding: "utf8" });
    html = readFileSync(report, "utf8");
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the series' results and writes a self-contained report (to a temp folder: the user's report/ stays as npm start wrote it)", () => {
    expect(out).toContain("tensor([ 7, 14, 21])");
    expect(out).toContain("tensor([[0.7196, 0.6295, 0.6667],\n        [0.3385, 0.8522, 0.3126]])");
    expect(out).toContain("tensor(16807.)");
    expect(out).toContain("tensor(36015.)");
    // after the quick run's 2,000 steps, momentum on M1 has the three largest singular values already
    expect(out).toMatch(/momentum on M1\nsingular values diag = d\*d, sorted\ntensor\(\[2\.3398, 0\.6873, 0\.2592, 0\.11\d\d\]\)/);
    expect(html).toContain("quick run: 1000 inverse steps");
    // six figures, each drawn for a screen (720 wide) and for a phone (400 wide)
    expect((html.match(/<svg /g) ?? []).length).toBe(12);
    expect((html.match(/<figure id=/g) ?? []).length).toBe(6);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // no scripts, nothing fetched
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(readUserReport()).toBe(before);
  });

  it("every x axis is labelled to the last step (0 … 2,000 for 2,000 steps), every loss chart has a y label", () => {
    for (const id of FIGURES) {
      const f = figure(id);
      for (const [variant, svg] of [["wide", f.wide], ["narrow", f.narrow]]) {
        const what = `${id} (${variant})`;
        if (id === "autodiff") expectXAxisCovers(svg, 0, 2 * Math.PI, what);
        else if (id === "inverse") expectXAxisCovers(svg, 0, 999, what);
        else expectXAxisCovers(svg, 0, 1999, what);
        expect(texts(svg, "y-label").map((t) => t.text), what).toEqual([id === "autodiff" ? "sin(x), cos(x), d sin(x)/dx" : "loss"]);
      }
    }
    expect(texts(figure("svd-cases").wide, "x-tick").map((t) => t.text)).toEqual(["0", "500", "1000", "1500", "2000"]);
    expect(texts(figure("inverse").wide, "x-tick").map((t) => t.text)).toEqual(["0", "200", "400", "600", "800", "1000"]);
  });

  it("part 1: the cos line is drawn over the autograd points (hollow rings and crosses), dashed, on cos(x)'s values, and told apart in the legend", () => {
    for (const svg of [figure("autodiff").wide, figure("autodiff").narrow]) {
      const groups = seriesGroups(svg);
      expect(groups.map((g) => g.name)).toEqual(["Aut. diff of Sin", "Aut. diff of Sin loss", "Sin", "Cos"]); // markers first, lines on top
      const [rings, crosses, sinLine, cosLine] = groups;
      const ringTags = rings.body.match(/<circle[^>]*>/g)!;
      expect(ringTags).toHaveLength(100);
      for (const t of ringTags) expect(attr(t, "fill")).toBe("none"); // hollow: the line shows through
      expect(crosses.body.match(/<path[^>]*>/g)).toHaveLength(100);
      expect(crosses.body).not.toContain("<circle");
      const cosPath = /<path[^>]*>/.exec(cosLine.body)![0];
      expect(attr(cosPath, "stroke-dasharray")).toBe("7 4");
      expect(attr(cosPath, "stroke")).not.toBe(attr(ringTags[0], "stroke"));
      expect(attr(cosPath, "stroke")).not.toBe(attr(/<path[^>]*>/.exec(sinLine.body)![0], "stroke"));
      // the cos line's 100 vertices are cos(x) on the chart's scales: y = a + b·cos(x), x = c + d·x
      const v = vertices(attr(cosPath, "d")!);
      expect(v).toHaveLength(100);
      const box = plotBox(svg);
      const ticks = texts(svg, "x-tick").map((t) => tickValue(t.text));
      const [lo, hi] = [ticks[0], ticks.at(-1)!];
      const ys = texts(svg, "y-tick").map((t) => ({ v: tickValue(t.text), y: Number(attr(t.tag, "y")) - 4 }));
      const [top, bottom] = [ys.at(-1)!, ys[0]];
      for (let i = 0; i < 100; i++) {
        const x = (2 * Math.PI * i) / 99;
        expect(v[i][0]).toBeCloseTo(box.x + ((x - lo) / (hi - lo)) * box.w, 0);
        const yExpected = bottom.y + ((Math.cos(x) - bottom.v) / (top.v - bottom.v)) * (top.y - bottom.y);
        expect(Math.abs(v[i][1] - yExpected)).toBeLessThan(0.2);
      }
      // the legend: a dashed line for Cos, a ring and a cross for the two autograd series
      const legend = /<g class="legend">([\s\S]*?)<\/g>/.exec(svg)![1];
      expect(legend).toMatch(/<line [^>]*stroke-dasharray="7 4"\/><text [^>]*>Cos<\/text>/);
      expect(legend).toMatch(/<circle [^>]*fill="none"[^>]*\/><text [^>]*>Aut\. diff of Sin<\/text>/);
      expect(legend).toMatch(/<path [^>]*\/><text [^>]*>Aut\. diff of Sin loss<\/text>/);
    }
    expect(figure("autodiff").caption).toMatch(/cos\(x\) \(dashed, drawn over them\).*max \|x\.grad − cos\(x\)\| = (0|\d\.\d\de-\d+)\./);
  });

  it("the captions say what each chart shows, with each curve's final loss (no bare \"it depends\")", () => {
    for (const id of FIGURES) {
      const { caption } = figure(id);
      expect(caption.length, id).toBeGreaterThan(60);
      expect(caption).not.toMatch(/:\s*it depends\s*$/);
    }
    const cases = figure("svd-cases").caption;
    expect(cases).toContain("hand-written momentum update (lr 0.9, momentum 0.9)");
    expect(cases).toContain("depends on the matrix");
    expect(cases).toMatch(/after 2,000 steps: M1 \d\.\d\de-\d+, M2 \d\.\d\de-\d+, M3 \d\.\d\de-\d+, M4 \d\.\d\de-\d+, M5 \d\.\d\de-\d+\.$/);
    expect(seriesGroups(figure("svd-cases").wide).map((g) => g.name.split(" ")[0])).toEqual(["M1", "M2", "M3", "M4", "M5"]);
    expect(figure("svd-adam").caption).toMatch(/optim\.SGD dashed.*momentum \d\.\d\de-\d+, optim\.SGD \d\.\d\de-\d+, optim\.Adam \d\.\d\de-\d+\./);
    expect(figure("inverse").caption).toMatch(/at each of 1,000 iterations.*M1 \d\.\d\de-\d+, M2 \d\.\d\de-\d+\./);
  });

  it.skipIf(skipChromium)("fits a phone: no horizontal overflow at 360 and 420 px, the charts scaled to the width (the phone drawings shown)", async () => {
    if (CHROMIUM_MISSING) throw new Error(CHROMIUM_MISSING);
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
    try {
      for (const width of [360, 420, 1200]) {
        const page = await browser.newPage({ viewport: { width, height: 800 }, isMobile: width < 1000, hasTouch: width < 1000 });
        await page.goto(pathToFileURL(report).href);
        const m = await page.evaluate(() => {
          const shown = [...document.querySelectorAll("svg")].filter((s) => s.getBoundingClientRect().width > 0);
          return {
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            clientWidth: document.documentElement.clientWidth,
            shown: shown.length,
            viewBoxWidths: shown.map((s) => s.viewBox.baseVal.width),
            widest: Math.max(...shown.map((s) => s.getBoundingClientRect().right)),
          };
        });
        expect(m.innerWidth, `${width}: the layout viewport is the device's`).toBe(width);
        expect(m.scrollWidth, `${width}: no horizontal overflow`).toBeLessThanOrEqual(m.clientWidth);
        expect(m.widest).toBeLessThanOrEqual(m.clientWidth);
        expect(m.shown).toBe(6);
        expect(new Set(m.viewBoxWidths)).toEqual(new Set([width < 1000 ? 400 : 720]));
        await page.close();
      }
    } finally {
      await browser.close();
    }
  }, 120_000);
});
