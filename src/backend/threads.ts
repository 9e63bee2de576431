// Threads for large matrix products. setNumThreads(n) moves the kernels onto a
// shared WebAssembly memory (module.ts) and starts n - 1 workers, each with its
// own instance of the module over that same memory. A product big enough to
// pay for waking them is split by rows of C: the calling thread computes the
// first share, each worker one of the others (matmul_f32_rows), and the call
// returns when all are done, so ops stay synchronous. Every element of C is the
// same sequential sum whoever computes it: the bits do not depend on the
// number of threads.
//
// Workers come from worker_threads in Node and from Web Workers elsewhere (a
// cross-origin isolated page, Deno). The job is handed over in a small
// SharedArrayBuffer of int32 (`ctl`): the arguments, each worker's rows and
// scratch block, a job counter the workers wait on, and a count of workers
// still busy. One thread (the default) never touches any of this.

import { k, shareMemory } from "./module";
import { alloc, free } from "./memory";
import { refuseWhileRecording } from "./tape";

// ctl layout (int32 slots)
const JOB = 0; //      bumped once per job; workers wait on it
const BUSY = 1; //     workers still computing the current job
const FAILED = 2; //   set by a worker whose kernel call threw
const STOP = 3; //     set before the workers are terminated
const ARGS = 8; //     a, b, c, m, k, n, transA, transB, batch, strideA, strideB, strideC
const SHARES = 24; //  per worker: scratch, r0, r1, (spare)
const MAX_THREADS = 64;

/** Products with fewer multiply-adds than this stay on one thread: waking a worker costs tens of µs. */
const MIN_SPLIT_WORK = 1 << 20;
/** Give up on a worker that has not finished this long after the calling thread did its share. */
const HANG_MS = 10_000;

interface Handle {
  terminate(): unknown;
}

interface Pool {
  threads: number;
  ctl: Int32Array;
  workers: Handle[];
  /** Per thread (0 is the calling one): a scratch block of `scratchBytes`. */
  scratch: number[];
  scratchBytes: number;
  /** Resolves when every worker has its instance (rejects if one could not start). */
  ready: Promise<void>;
  running: boolean;
  /** Settles `ready` when the pool is stopped before its workers all started. */
  cancel: () => void;
}

let requested = 1;
let pool: Pool | null = null;

/** The number of threads set by setNumThreads (1 by default), like torch.get_num_threads(). */
export function getNumThreads(): number {
  return requested;
}

/**
 * Uses `n` threads (the calling one and n - 1 workers) for large matrix
 * products, from now on; 1 turns threads off. Results are bit-identical to one
 * thread. The promise resolves when the workers are running; products started
 * before then use one thread. Needs shared memory: Node, Deno, or a
 * cross-origin isolated page (COOP same-origin + COEP require-corp); where
 * threads cannot run, the promise rejects with the reason. A count that is not
 * an integer from 1 to 64 throws.
 */
export function setNumThreads(n: number): Promise<void> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`setNumThreads: expected an integer from 1 to ${MAX_THREADS}, got ${n}`);
  }
  refuseWhileRecording("setNumThreads() inside a captured step");
  stopPool();
  requested = n;
  if (n === 1) return Promise.resolve();
  try {
    pool = startPool(n);
  } catch (e) {
    requested = 1;
    return Promise.reject(e);
  }
  return pool.ready;
}

function startPool(threads: number): Pool {
  const spawn = workerFactory();
  const { module, memory } = shareMemory();
  const ctl = new Int32Array(new SharedArrayBuffer(64 * 4));
  const p: Pool = { threads, ctl, workers: [], scratch: [], scratchBytes: 0, ready: Promise.resolve(), running: false, cancel: () => {} };
  const starts: Promise<void>[] = [];
  for (let id = 0; id < threads - 1; id++) {
    starts.push(
      new Promise<void>((resolve, reject) => {
        const w = spawn(`(${threadMain})`, (msg) => (msg === "ready" ? resolve() : reject(new Error(`setNumThreads: a worker failed to start: ${msg}`))));
        p.workers.push(w.handle);
        w.post({ module, memory, ctl, id });
      }),
    );
  }
  // a later setNumThreads() stops this pool: then the promise resolves (its workers never will)
  const cancelled = new Promise<void>((resolve) => (p.cancel = resolve));
  p.ready = Promise.race([Promise.all(starts), cancelled]).then(
    () => {
      if (pool === p) p.running = true;
    },
    (e) => {
      if (pool === p) {
        stopPool();
        requested = 1;
      }
      throw e;
    },
  );
  return p;
}

function stopPool(): void {
  const p = pool;
  if (!p) return;
  pool = null;
  p.running = false;
  p.cancel();
  Atomics.store(p.ctl, STOP, 1);
  Atomics.add(p.ctl, JOB, 1);
  Atomics.notify(p.ctl, JOB);
  for (const w of p.workers) void w.terminate();
  for (const ptr of p.scratch) free(ptr, p.scratchBytes);
}

/**
 * Whether a product of this many multiply-adds may be split across threads
 * (threads are on, or starting, and it is big enough to pay for waking them).
 */
export function mayUseThreads(work: number): boolean {
  return pool !== null && work >= MIN_SPLIT_WORK;
}

/**
 * Runs C = op(A)·op(B) split across the pool, for a product mayUseThreads()
 * admitted, when the pool is running and the packed path applies; returns
 * false (nothing done) otherwise.
 */
export function matmulOnThreads(
  a: number, b: number, c: number, m: number, kk: number, n: number, transA: boolean, transB: boolean,
  batch: number, strideA: number, strideB: number, strideC: number,
): boolean {
  const p = pool;
  if (!p || !p.running) return false;
  const K = k();
  if (!K.matmul_f32_splits(m, kk, n, transB)) return false;
  const { ctl, threads } = p;
  // rows per thread, in multiples of the 4-row register tile
  const rows = Math.max(4, Math.ceil(m / threads / 4) * 4);
  const shares = Math.min(threads, Math.ceil(m / rows));
  if (shares < 2) return false;
  const need = K.matmul_f32_scratch(m, kk, n, transA, transB);
  if (need > p.scratchBytes) {
    for (const ptr of p.scratch) free(ptr, p.scratchBytes);
    p.scratch = Array.from({ length: threads }, () => alloc(need));
    p.scratchBytes = need;
  }
  const args = [a, b, c, m, kk, n, +transA, +transB, batch, strideA, strideB, strideC];
  for (let i = 0; i < args.length; i++) ctl[ARGS + i] = args[i];
  for (let w = 0; w < threads - 1; w++) {
    const s = SHARES + 4 * w, r0 = Math.min(m, (w + 1) * rows);
    ctl[s] = p.scratch[w + 1];
    ctl[s + 1] = r0;
    ctl[s + 2] = Math.min(m, r0 + rows);
  }
  Atomics.store(ctl, FAILED, 0);
  Atomics.store(ctl, BUSY, threads - 1);
  Atomics.add(ctl, JOB, 1);
  Atomics.notify(ctl, JOB);
  K.matmul_f32_rows(a, b, c, m, kk, n, transA, transB, batch, strideA, strideB, strideC, p.scratch[0], 0, Math.min(m, rows));
  const t0 = Date.now();
  // The calling thread may be a page's main thread, where Atomics.wait is not allowed: spin.
  let spins = 0;
  while (Atomics.load(ctl, BUSY) !== 0) {
    if ((++spins & 0xffff) === 0 && Date.now() - t0 > HANG_MS) {
      // A worker died or is stuck. Threads are switched off (terminate() ends a stuck worker
      // soon after); the scratch blocks are left out of the free lists, in case it writes on.
      p.scratch = [];
      stopPool();
      requested = 1;
      throw new Error(`matmul: a thread stopped responding (a ${m}x${kk}x${n} product); threads are now off`);
    }
  }
  if (Atomics.load(ctl, FAILED)) {
    // A worker's kernel threw (it should not): redo the whole product here, and stop the pool.
    stopPool();
    requested = 1;
    return false;
  }
  return true;
}

type Spawn = (source: string, onMessage: (msg: unknown) => void) => { handle: Handle; post(data: unknown): void };

/** How to start a worker here, or an error saying why threads are unavailable. */
function workerFactory(): Spawn {
  const g = globalThis as unknown as {
    Worker?: new (url: string, options?: object) => Handle & { postMessage(d: unknown): void; onmessage: unknown; onerror: unknown };
    crossOriginIsolated?: boolean;
    process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };
  };
  if (typeof SharedArrayBuffer !== "function" || g.crossOriginIsolated === false) {
    throw new Error(
      "setNumThreads: threads need shared memory (SharedArrayBuffer): serve the page cross-origin isolated " +
        "(Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)",
    );
  }
  const wt = g.process?.getBuiltinModule?.("node:worker_threads") as
    | { Worker: new (src: string, o: object) => Handle & { postMessage(d: unknown): void; on(e: string, f: (x: unknown) => void): void; unref(): void } }
    | undefined;
  if (wt) {
    // Node and Deno: these workers can be unref()ed, so they do not keep the process alive (Deno's Web Workers would)
    return (source, onMessage) => {
      // getBuiltinModule, not require: an eval'd worker is an ES module when the parent ran with --input-type=module
      const w = new wt.Worker(
        `const p=process.getBuiltinModule("node:worker_threads").parentPort;p.once("message",d=>${source}(d,m=>p.postMessage(m)))`,
        { eval: true },
      );
      w.on("message", (m) => {
        w.unref(); // once started, idle workers must not keep the process alive
        onMessage(m);
      });
      w.on("error", (e) => onMessage(String(e)));
      return { handle: w, post: (d) => w.postMessage(d) };
    };
  }
  if (typeof g.Worker === "function") {
    // browsers
    const Worker = g.Worker;
    return (source, onMessage) => {
      const url = URL.createObjectURL(new Blob([`onmessage=e=>${source}(e.data,m=>postMessage(m))`], { type: "text/javascript" }));
      const w = new Worker(url, { type: "module" });
      w.onmessage = (e: { data: unknown }) => onMessage(e.data);
      w.onerror = (e: { message?: string }) => onMessage(e.message ?? "error");
      return { handle: w, post: (d) => w.postMessage(d) };
    };
  }
  throw new Error("setNumThreads: this runtime has no workers for threads (they need Node 20.16+, Deno or a browser)");
}

/**
 * A worker's whole program (sent as source text, so it must not refer to
 * anything outside itself): instantiate the module over the shared memory,
 * report ready, then compute the rows it is given for each job.
 */
function threadMain(d: { module: WebAssembly.Module; memory: WebAssembly.Memory; ctl: Int32Array; id: number }, post: (m: unknown) => void): void {
  const { ctl, id } = d;
  let rows: (...args: number[]) => void;
  try {
    // abort() is followed by a trap in the kernel, which the try below catches
    const abort = (): void => {};
    rows = (new WebAssembly.Instance(d.module, { env: { memory: d.memory, abort } }).exports as { matmul_f32_rows: (...args: number[]) => void }).matmul_f32_rows;
  } catch (e) {
    post(String(e));
    return;
  }
  let seen = Atomics.load(ctl, 0); // before "ready": no job can start before it
  post("ready");
  for (;;) {
    // a short spin catches the next product of a training step without a sleep and wake
    for (let i = 0; i < 20000 && Atomics.load(ctl, 0) === seen; i++);
    Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    if (Atomics.load(ctl, 3)) return; // STOP
    const s = 24 + 4 * id, r0 = ctl[s + 1], r1 = ctl[s + 2];
    if (r0 < r1) {
      try {
        const u = (i: number) => ctl[8 + i] >>> 0;
        rows(u(0), u(1), u(2), u(3), u(4), u(5), u(6), u(7), u(8), u(9), u(10), u(11), ctl[s] >>> 0, r0, r1);
      } catch {
        Atomics.store(ctl, 2, 1); // FAILED
      }
    }
    Atomics.sub(ctl, 1, 1); // BUSY
  }
}
