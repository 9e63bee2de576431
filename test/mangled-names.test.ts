// The bundle shortens the property names in scripts/mangled-names.mjs everywhere
// they appear (esbuild's mangleProps). That is safe only for private members that
// nothing outside their class reaches by name: this checks each name in src/.
// It shortens the kernels' names too, in the module's exports and in the code
// that calls them (scripts/bundle.mjs): that is safe only if src/ never names a
// kernel by a string, which a renamed property would not follow.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { MANGLED } from "../scripts/mangled-names.mjs"; // shared with scripts/bundle.mjs

const root = join(__dirname, "..");
const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : f.endsWith(".ts") ? [join(dir, f)] : []));
/** Every line of src/, comments dropped. */
const lines = walk(join(root, "src")).flatMap((file) =>
  readFileSync(file, "utf8")
    .split("\n")
    .map((text, i) => ({ where: `${file.slice(root.length + 1)}:${i + 1}`, text: text.replace(/\/\/.*$|\/\*.*?\*\/|^\s*\*.*$/g, "") })),
);
/** `name` in quotes: a property named by a string, which a shortened name would not follow. */
const quoted = (name: string) => new RegExp(`["'\`]${name}["'\`]`);

describe("the bundle's shortened property names (scripts/mangled-names.mjs)", () => {
  it.each(MANGLED as string[])("%s is declared private and read only through this", (name) => {
    const declared = lines.filter((l) => new RegExp(`\\bprivate\\s+(?:readonly\\s+|static\\s+)*${name}\\b`).test(l.text));
    expect(declared.length, `no private declaration of ${name}`).toBeGreaterThan(0);
    const other = lines.filter(
      (l) =>
        new RegExp(`(?<!this)\\.${name}\\b`).test(l.text) || // a property read on another object
        new RegExp(`[{,]\\s*${name}\\s*[:,}]`).test(l.text) || // an object literal's key, or a destructuring
        quoted(name).test(l.text), // a property named by a string
    );
    expect(other.map((l) => `${l.where}: ${l.text.trim()}`)).toEqual([]);
  });

  it("the bundle has them shortened", () => {
    const bundle = readFileSync(join(root, "dist/wasmgrad.js"), "utf8");
    for (const name of MANGLED as string[]) expect(bundle.includes(`.${name}`), name).toBe(false);
  });

  const kernels = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(join(root, "build/wasmgrad.wasm"))))
    .filter((e) => e.kind === "function")
    .map((e) => e.name);
  it.each(kernels)("the kernel %s is named in src/ by property keys and accesses only, never by a string", (name) => {
    const strings = lines.filter((l) => quoted(name).test(l.text));
    expect(strings.map((l) => `${l.where}: ${l.text.trim()}`)).toEqual([]);
  });

  it("the bundle's module exports the kernels under the names its code calls them by", () => {
    const bundle = readFileSync(join(root, "dist/wasmgrad.js"), "utf8");
    const workerd = readFileSync(join(root, "dist/wasmgrad-workerd.js"), "utf8");
    const exported = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(join(root, "dist/wasmgrad.wasm"))));
    const renamed = exported.filter((e) => e.kind === "function").map((e) => e.name);
    expect(renamed).toHaveLength(kernels.length);
    expect(exported.filter((e) => e.kind !== "function").map((e) => e.name)).toEqual(["memory"]);
    for (const name of renamed) expect(name.length, name).toBeLessThanOrEqual(2);
    for (const name of kernels) {
      expect(bundle.includes(`.${name}`), name).toBe(false);
      expect(workerd.includes(`.${name}`), name).toBe(false);
    }
  });
});
