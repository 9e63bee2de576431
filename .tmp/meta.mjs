import { build } from "esbuild";
const r = await build({ entryPoints: ["src/index-workerd.ts"], bundle: true, format: "esm", platform: "neutral", target: "es2022", minify: true, keepNames: true, write: false, metafile: true, logLevel: "silent", define: { WASMGRAD_EXPORTS: '""' } });
const out = Object.values(r.metafile.outputs)[0];
const rows = Object.entries(out.inputs).map(([k, v]) => [k, v.bytesInOutput]).sort((a, b) => b[1] - a[1]);
for (const [k, v] of rows.slice(0, 40)) console.log(v, k);
