// Bundles the library into dist/:
//   wasmgrad.js          the main entry (Node, Deno, browsers, web workers): one ESM
//                        file carrying the .wasm bytes, compiled synchronously on first use
//   wasmgrad-workerd.js  the same API without the bytes, for runtimes that forbid
//                        compiling WebAssembly from bytes (Cloudflare Workers, Vercel
//                        Edge): the host imports wasmgrad.wasm and calls init({ module })
//   wasmgrad.wasm        the module itself (+ wasmgrad.wasm.d.ts), listed in `exports`
//   types/               declarations for the whole API (index.d.ts)
// Both bundles: no import.meta, no top-level await, no eval / new Function, no fetch.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { minify } from "terser";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
mkdirSync(dist, { recursive: true });

const wasm = readFileSync(join(root, "build/wasmgrad.wasm"));
// init() refuses a module whose exports are not these: it compares this fingerprint of their
// names, a 32-bit FNV-1a hash, with its own (exportsFingerprint in src/backend/module.ts).
let exportsFingerprint = 0x811c9dc5;
for (const c of WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.name).join(",")) {
  exportsFingerprint = Math.imul(exportsFingerprint ^ c.charCodeAt(0), 0x01000193);
}
exportsFingerprint >>>= 0;

const common = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  // ES2022 keeps class fields native: lowered to es2020 they become a
  // defineProperty call per field per object, which made every Tensor 5x
  // slower to create. Every runtime we claim has them (Node 18+, Deno,
  // workerd, current browsers); test/runtimes.test.ts rejects a top-level await.
  target: "es2022",
  charset: "utf8", // see rawBytesLiteral
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  define: { WASMGRAD_EXPORTS: String(exportsFingerprint) },
};

// The module's bytes travel as a string of one char per byte (build-wasm.mjs).
// esbuild would print it with escapes (\0, \x1F, ...); written raw instead, as
// UTF-8 (bytes 0x80-0xFF two bytes each, only \n \r " \\ escaped), the bundle
// gzips 0.6 KB smaller. Module scripts are read as UTF-8 in every runtime, and
// raw control characters are legal in a JS string literal.
const PLACEHOLDER = "@@wasmgrad-module-bytes@@";
const placeholderPlugin = {
  name: "wasm-bytes-placeholder",
  setup(b) {
    b.onLoad({ filter: /wasm-inline\.js$/ }, () => ({ contents: `export const wasmBytesLatin1 = "${PLACEHOLDER}";`, loader: "js" }));
  },
};
function rawBytesLiteral(bytes) {
  const esc = { 0x0a: "\\n", 0x0d: "\\r", 0x22: '\\"', 0x5c: "\\\\" };
  let s = "";
  for (const b of bytes) s += esc[b] ?? String.fromCharCode(b);
  return `"${s}"`;
}
// esbuild bundles and minifies; terser's compressor then takes another 3-4% off the
// gzipped size (two passes, nothing unsafe), before the module bytes go in. Two of its
// safe options off by default save another 0.4 KB: hoist_funs gathers the function
// declarations at the top of their scope, and reduce_funcs: false leaves single-use
// functions where they are declared rather than inlined as expressions at their call
// (terser's docs: some code runs faster in V8 without that inlining).
async function bundle(entry, outfile, plugins = []) {
  const r = await build({ ...common, entryPoints: [join(root, entry)], write: false, plugins });
  const out = await minify(r.outputFiles[0].text, { module: true, ecma: 2022, compress: { passes: 2, hoist_funs: true, reduce_funcs: false }, mangle: true, format: { comments: false } });
  writeFileSync(join(dist, outfile), out.code);
}
await bundle("src/index.ts", "wasmgrad.js", [placeholderPlugin]);
await bundle("src/index-workerd.ts", "wasmgrad-workerd.js");
{
  const file = join(dist, "wasmgrad.js");
  const parts = readFileSync(file, "utf8").split(`"${PLACEHOLDER}"`);
  if (parts.length !== 2) throw new Error(`bundle: expected the module bytes placeholder once in ${file}, found it ${parts.length - 1} times`);
  writeFileSync(file, parts.join(rawBytesLiteral(wasm)), "utf8");
}
writeFileSync(join(dist, "wasmgrad.wasm"), wasm);
writeFileSync(
  join(dist, "wasmgrad.wasm.d.ts"),
  "// What `import wasm from \"wasmgrad/wasmgrad.wasm\"` gives on Cloudflare Workers and Vercel Edge.\n" +
    "declare const module: WebAssembly.Module;\nexport default module;\n",
);

// Declarations: tsc emits one .d.ts per source file into build/types; they are
// copied to dist/types with relative specifiers made explicit ("./api" ->
// "./api.js"), which TypeScript's node16/nodenext resolution requires.
// A type error does not stop the build (tsc still emits; `npm run typecheck`
// and test/runtimes.test.ts, which compiles a strict consumer against dist/types,
// are where it fails), but it is reported here.
const staged = join(root, "build/types");
rmSync(staged, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.types.json")], {
    cwd: root,
    stdio: "inherit",
  });
} catch {
  console.warn("warning: tsc reported type errors (above); the declarations in dist/types were emitted anyway");
}
if (!existsSync(join(staged, "index.d.ts"))) throw new Error("tsc emitted no declarations (build/types/index.d.ts)");
const typesOut = join(dist, "types");
rmSync(typesOut, { recursive: true, force: true });
const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
for (const file of walk(staged).filter((f) => f.endsWith(".d.ts"))) {
  const dir = dirname(file);
  const text = readFileSync(file, "utf8").replace(
    /((?:from|import)\s*\(?\s*)(["'])(\.\.?\/[^"']*)\2/g,
    (match, head, q, spec) => {
      if (/\.js$/.test(spec)) return match;
      if (existsSync(join(dir, spec + ".d.ts"))) return `${head}${q}${spec}.js${q}`;
      if (existsSync(join(dir, spec, "index.d.ts"))) return `${head}${q}${spec}/index.js${q}`;
      throw new Error(`${relative(root, file)}: cannot resolve ${spec}`);
    },
  );
  const out = join(typesOut, relative(staged, file));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
}

const size = (f) => {
  const bytes = readFileSync(join(dist, f));
  return `${f} ${bytes.length} B (gzip ${gzipSync(bytes, { level: 9 }).length} B)`;
};
console.log(["wasmgrad.js", "wasmgrad-workerd.js", "wasmgrad.wasm"].map(size).join(", ") + ", types/");
