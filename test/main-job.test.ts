// The main job (`npm start`): runs the series end to end from the built
// bundle, prints what the notebooks print, and writes the HTML report.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("npm start (quick run)", () => {
  it("prints the series' results and writes a self-contained report (to a temp folder: the user's report/ stays as npm start wrote it)", () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmgrad-report-"));
    const report = join(dir, "series.html");
    const before = existsSync(`${root}report/series.html`) ? readFileSync(`${root}report/series.html`, "utf8") : null;
    const out = execFileSync(process.execPath, ["examples/series.mjs", "--quick", "--out", report], { cwd: root, encoding: "utf8" });
    expect(out).toContain("tensor([ 7, 14, 21])");
    expect(out).toContain("tensor([[0.7196, 0.6295, 0.6667],\n        [0.3385, 0.8522, 0.3126]])");
    expect(out).toContain("tensor(16807.)");
    expect(out).toContain("tensor(36015.)");
    // after the quick run's 2,000 steps, momentum on M1 has the three largest singular values already
    expect(out).toMatch(/momentum on M1\nsingular values diag = d\*d, sorted\ntensor\(\[2\.3398, 0\.6873, 0\.2592, 0\.11\d\d\]\)/);
    expect(existsSync(report)).toBe(true);
    const html = readFileSync(report, "utf8");
    expect(html).toContain("quick run: 1000 inverse steps");
    expect((html.match(/<svg /g) ?? []).length).toBe(6); // sin/cos, inverse, and four SVD plots
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // no scripts, nothing fetched
    const after = existsSync(`${root}report/series.html`) ? readFileSync(`${root}report/series.html`, "utf8") : null;
    expect(after).toBe(before);
    rmSync(dir, { recursive: true, force: true });
  });
});
