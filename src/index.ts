// The main entry (Node, Deno, browsers): the module's bytes travel inside the
// bundle and are compiled synchronously on first use.

import { wasmBytesLatin1 } from "../build/wasm-inline.js";
import { setDefaultModule } from "./backend/module";

/** The bytes travel as a string with one char (U+0000..U+00FF) per byte: it gzips far better than base64. */
function decodeLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

setDefaultModule(() => decodeLatin1(wasmBytesLatin1));

export * from "./api";
