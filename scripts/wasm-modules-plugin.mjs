// An esbuild plugin that bundles a worker the way wrangler does: an imported
// .wasm file stays a separate module (workerd's "wasm" module type, which
// arrives as a compiled WebAssembly.Module), its name recorded in `found`.
import { basename } from "node:path";

/** wrangler's CompiledWasm rule: an imported .wasm becomes a separate module of type wasm. */
export function wasmModules(found) {
  return {
    name: "wasm-modules",
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, async (args) => {
        if (args.pluginData?.inner) return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { inner: true } });
        if (r.errors.length) return { errors: r.errors };
        const name = basename(r.path);
        found.set(name, r.path);
        return { path: `./${name}`, external: true };
      });
    },
  };
}
