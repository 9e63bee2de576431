// Bundles the library with esbuild into dist/: one ESM file per entry, the
// main one carrying the .wasm bytes; plus the .wasm file itself for hosts that
// must import it as a module (Cloudflare Workers, Vercel Edge).
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(join(root, "dist"), { recursive: true });
const common = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2020",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
};
await build({ ...common, entryPoints: [join(root, "src/index.ts")], outfile: join(root, "dist/wasmgrad.js") });
copyFileSync(join(root, "build/wasmgrad.wasm"), join(root, "dist/wasmgrad.wasm"));
console.log("dist/wasmgrad.js, dist/wasmgrad.wasm");
