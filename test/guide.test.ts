// docs/PYTORCH.md runs as written: its `js` blocks, in order, as one program with
// the library's exports in scope (their `import ... from "wasmgrad"` lines
// stand for that). A line ending in `// → text` must print text (String() of a
// tensor, JSON of anything else; whitespace is ignored, so a printed matrix may
// sit on one line), and a line ending in `// throws: text` must throw an error
// whose message contains text.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as wg from "../src/index";

const guide = readFileSync(new URL("../docs/PYTORCH.md", import.meta.url), "utf8");
const blocks = [...guide.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

type Check = { line: string; got?: string; error?: string; want: string; throws: boolean };

const squash = (s: string) => s.replace(/\s+/g, "");
const show = (v: unknown) => (v instanceof wg.Tensor || typeof v === "string" ? String(v) : JSON.stringify(v));

/** The guide's program: each checked line becomes a call that records what it printed or threw. */
function program(): string {
  let body = "";
  for (const block of blocks) {
    for (const line of block.split("\n")) {
      if (/^import .* from "wasmgrad";$/.test(line)) continue;
      const value = /^(.*?);? *\/\/ → (.*)$/.exec(line);
      const thrower = /^(.*?);? *\/\/ throws: (.*)$/.exec(line);
      if (value) body += `__value(${JSON.stringify(line)}, () => (${value[1]}), ${JSON.stringify(value[2])});\n`;
      else if (thrower) body += `__throws(${JSON.stringify(line)}, () => { ${thrower[1]}; }, ${JSON.stringify(thrower[2])});\n`;
      else body += line + "\n";
    }
  }
  return body;
}

describe("docs/PYTORCH.md", () => {
  it("has js blocks with checked lines", () => {
    expect(blocks.length).toBeGreaterThan(8);
    expect(program().match(/__value\(|__throws\(/g)!.length).toBeGreaterThan(20);
  });

  it("runs as written and prints what it says", async () => {
    const checks: Check[] = [];
    const __value = (line: string, f: () => unknown, want: string) => checks.push({ line, got: show(f()), want, throws: false });
    const __throws = (line: string, f: () => void, want: string) => {
      try {
        f();
        checks.push({ line, want, throws: true });
      } catch (e) {
        checks.push({ line, error: (e as Error).message, want, throws: true });
      }
    };
    // every export that can be a parameter's name (not `var`, which JS reserves)
    const names = Object.keys(wg).filter((k) => {
      try {
        return typeof new Function(k, "") === "function";
      } catch {
        return false;
      }
    });
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
    await new AsyncFunction(...names, "__value", "__throws", program())(...names.map((k) => (wg as Record<string, unknown>)[k]), __value, __throws);
    for (const c of checks) {
      if (c.throws) expect(c.error ?? "(no error)", c.line).toContain(c.want);
      else expect(squash(c.got!), c.line).toBe(squash(c.want));
    }
    expect(checks.length).toBeGreaterThan(20);
  });
});
