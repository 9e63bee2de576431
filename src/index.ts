// The main entry (Node, Deno, browsers): the module's bytes travel inside the
// bundle and are compiled synchronously on first use.

import { wasmBase64 } from "../build/wasm-inline.js";
import { setEmbeddedModule } from "./backend/module";

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

setEmbeddedModule(() => decodeBase64(wasmBase64));

export * from "./api";
