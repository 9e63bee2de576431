// Serves the interactive demo of the blog series on 127.0.0.1 and prints its
// address. The page loads the same dist/wasmgrad.js a user would, so build
// first:
//
//   npm run build && npm run demo          # port 8321, or $PORT; the next free one if taken
//
// Only GET and HEAD, only the demo's own files, the chart module and dist/.
// The headers make the page cross-origin isolated (COOP + COEP), which lets the
// Stop button reach a computation running inside a Web Worker through a
// SharedArrayBuffer, and set a CSP that allows WebAssembly but not eval.
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
  ".json": "application/json; charset=utf-8",
};
/** URL prefixes that map onto the repository; everything else is a 404. */
const ALLOWED = ["/examples/demo/", "/examples/lib/", "/dist/"];
const HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

function handler(req, res) {
  const reply = (status, body = "", type = "text/plain; charset=utf-8", extra = {}) => {
    res.writeHead(status, { ...HEADERS, "content-type": type, "content-length": Buffer.byteLength(body), ...extra });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  if (req.method !== "GET" && req.method !== "HEAD") return reply(405, "GET or HEAD only\n", undefined, { allow: "GET, HEAD" });
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
  } catch {
    return reply(400, "bad URL\n");
  }
  if (pathname === "/" || pathname === "/examples/demo") return reply(302, "", undefined, { location: "/examples/demo/" });
  if (pathname.endsWith("/")) pathname += "index.html";
  const file = normalize(join(root, pathname));
  const inside = ALLOWED.some((p) => file.startsWith(join(root, p) + (p.endsWith("/") ? "" : sep)));
  if (!inside || pathname.includes("\0") || !TYPES[extname(file)] || !existsSync(file) || !statSync(file).isFile()) {
    return reply(404, "not found\n");
  }
  const body = readFileSync(file);
  res.writeHead(200, { ...HEADERS, "content-type": TYPES[extname(file)], "content-length": body.length });
  res.end(req.method === "HEAD" ? undefined : body);
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (e) => {
      server.off("listening", onListening);
      reject(e);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve(server.address().port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/**
 * Starts the server on 127.0.0.1. `port` 0 picks any free port; otherwise, if
 * it is taken, the next ten are tried, then any free one.
 * Resolves to { url, port, close() }.
 */
export async function startServer({ port = Number(process.env.PORT ?? 8321), host = "127.0.0.1" } = {}) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`the port must be an integer from 0 to 65535, got ${process.env.PORT ?? port}`);
  if (!existsSync(join(root, "dist/wasmgrad.js"))) throw new Error("dist/wasmgrad.js is missing: run `npm run build` first");
  const server = createServer(handler);
  const candidates = port === 0 ? [0] : [...Array.from({ length: 11 }, (_, i) => port + i).filter((p) => p < 65536), 0];
  let bound = null;
  for (const p of candidates) {
    try {
      bound = await listen(server, p, host);
      break;
    } catch (e) {
      if (e.code !== "EADDRINUSE" && e.code !== "EACCES") throw e;
    }
  }
  if (bound === null) throw new Error(`no free port from ${port}`);
  return {
    url: `http://${host}:${bound}/examples/demo/`,
    port: bound,
    requested: port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const s = await startServer();
  if (s.requested !== 0 && s.port !== s.requested) console.log(`port ${s.requested} is taken; using ${s.port}`);
  console.log(`wasmgrad demo: ${s.url}  (Ctrl-C to stop)`);
}
