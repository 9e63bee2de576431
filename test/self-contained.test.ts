// The repository carries everything its tests read. A copy of it (the tracked
// files and the built module, node_modules linked in rather than copied) in an
// empty temporary folder, with nothing beside it, runs the tests that read
// PyTorch's golden data: a test or helper that reached outside the clone (into
// a folder beside it, say) would fail there.
import { describe, expect, it } from "vitest";
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The files a clone has: git's list when this is a checkout, else every file but node_modules and .git. */
function trackedFiles(): string[] {
  if (existsSync(join(root, ".git"))) {
    return execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
      .split("\0")
      .filter((f) => f !== "" && existsSync(join(root, f)));
  }
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.name === "node_modules" || e.name === ".git") return [];
      return e.isDirectory() ? walk(rel) : [rel];
    });
  return walk("");
}

function vitest(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(cwd, "node_modules/vitest/vitest.mjs"), "run", ...args], { cwd, timeout: 300_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`vitest ${args.join(" ")} in ${cwd}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

describe("a copy of the repository with nothing beside it", () => {
  it("runs the golden-data tests (torch's random numbers, part 1's gradients, a seed program)", async () => {
    const outer = mkdtempSync(join(tmpdir(), "wasmgrad-alone-"));
    const copy = join(outer, "wasmgrad");
    try {
      for (const f of [...trackedFiles(), "build/wasm-inline.js", "build/wasm-inline.d.ts"]) {
        mkdirSync(dirname(join(copy, f)), { recursive: true });
        cpSync(join(root, f), join(copy, f));
      }
      symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
      expect(readdirSync(outer)).toEqual(["wasmgrad"]);
      expect(existsSync(join(copy, "test/fixtures/golden/seed_programs.json"))).toBe(true);

      const out = await vitest(copy, ["test/random.test.ts", "test/part1.test.ts"]);
      expect(out).toMatch(/Test Files\s+.*2 passed/);
      const series = await vitest(copy, ["test/series.test.ts", "-t", "01_inverse_M1"]);
      expect(series).toMatch(/Tests\s+.*[1-9]\d* passed/);
      expect(series).not.toMatch(/failed/);
    } finally {
      rmSync(outer, { recursive: true, force: true });
    }
  }, 300_000);
});
