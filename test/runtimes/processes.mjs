// Node and Deno runners: each runs test/runtimes/cli.js (the smoke program on
// the main bundle) in a child process and returns the parsed JSON it prints;
// Deno also runs threads-cli.js (setNumThreads).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const cli = join(here, "cli.js");

function run(cmd, args, options) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 << 20, timeout: 120_000, ...options }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

export async function runNode() {
  const { stdout } = await run(process.execPath, [cli], { cwd: here });
  return { version: process.version, results: JSON.parse(stdout) };
}

/** The deno npm package's launcher (it runs the binary that the package installed). */
const denoLauncher = () => require.resolve("deno/bin.cjs");

export async function runDeno() {
  const denoDir = mkdtempSync(join(tmpdir(), "wasmgrad-deno-"));
  const env = { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", NO_COLOR: "1" };
  try {
    const { stdout: version } = await run(process.execPath, [denoLauncher(), "--version"], { env });
    // no permissions at all: the bundle needs none (local static imports need no --allow-read)
    const { stdout } = await run(
      process.execPath,
      [denoLauncher(), "run", "--no-config", "--no-lock", "--no-remote", "--no-npm", "--no-prompt", cli],
      { cwd: here, env },
    );
    const threads = await run(
      process.execPath,
      [denoLauncher(), "run", "--no-config", "--no-lock", "--no-remote", "--no-npm", "--no-prompt", join(here, "threads-cli.js")],
      { cwd: here, env, timeout: 60_000 },
    );
    return { version: version.split("\n")[0], results: JSON.parse(stdout), threads: JSON.parse(threads.stdout) };
  } finally {
    rmSync(denoDir, { recursive: true, force: true });
  }
}
