// Threads for large matrix products, optimizer updates and elementwise ops.
// setNumThreads(n) moves the kernels onto a shared WebAssembly memory
// (module.ts) and starts n - 1 workers, each with its own instance of the
// module over that same memory. Work big enough to pay for waking them is
// split: a product by rows of C (matmul_f32_rows), the elementwise kernels in
// SPLIT by ranges of elements (module.ts hands ops a facade that does it while
// threads run; a captured step records the plain kernels). The calling thread
// computes the first share, each worker one of the others, and the call returns
// when all are done, so ops stay synchronous. Every element is computed the same
// way whoever computes it: the bits do not depend on the number of threads.
//
// Workers come from worker_threads in Node and from Web Workers elsewhere (a
// cross-origin isolated page, Deno). A job is handed over in a small
// SharedArrayBuffer (`ctl`): which kernel, each worker's arguments for its share
// (float64, so pointers and float32 scalars pass exactly), a job counter the
// workers wait on, and a count of workers still busy. One thread (the default)
// never touches any of this.

import { k, shareMemory, setKernelFacade } from "./module";
import { alloc, free } from "./memory";
import { refuseWhileRecording } from "./tape";
import { BinaryOp, UnaryOp, UnaryParamOp, type Kernels } from "./kernels";

// ctl layout, in int32 slots (threadMain spells the same numbers out)
const JOB = 0; //      bumped once per job; workers wait on it
const BUSY = 1; //     workers still computing the current job
const FAILED = 2; //   set by a worker whose kernel call threw
const STOP = 3; //     set before the workers are terminated
const KERNEL = 4; //   the job's kernel, an index into KERNELS
const NARGS = 8; //    per worker: how many arguments its share has (0: none)
const TIMES = 72; //   per worker: how long its share took, in µs
const ARGS = 136; //   per worker: MAX_ARGS float64 arguments
const MAX_ARGS = 24; // adam_step_f32 takes 17
const MAX_THREADS = 64;
/**
 * Kernels split by ranges of elements: which arguments are pointers that move
 * with the range (a 0 stays 0: Adam without amsgrad), which is the element
 * count, and the fewest elements worth splitting, given the call's arguments.
 * Measured on 2 threads: Adam (~16 multiply-adds an element) gains from 2^16
 * and a fill from 2^17 (1.5x at 2^18); ops of a few instructions an element,
 * bound by memory bandwidth while their arrays fit in L2, only from 2^19 (sub
 * 1.5x at 2^20, no gain at 2^18); exp, log, trig, tanh and sigmoid (unary op
 * codes from Exp on, ~9 ns an element) from 2^14 (2x); the parameterized unary ops
 * (clamp, elu, ...) and where alike.
 */
const SPLIT: Record<string, [pointers: number[], count: number, fewest: (args: number[]) => number, label: string]> = {
  adam_step_f32: [[0, 1, 2, 3, 4], 5, () => 1 << 16, "Adam's update"],
  binary_f32: [[1, 2, 3], 4, (args) => (args[0] >= BinaryOp.Fmod ? 1 << 14 : 1 << 19), "a binary op"],
  unary_f32: [[1, 2], 3, (args) => (args[0] >= UnaryOp.Exp ? 1 << 14 : 1 << 19), "a unary op"],
  unary_p_f32: [[1, 2], 3, (args) => (args[0] >= UnaryParamOp.Elu ? 1 << 14 : 1 << 19), "a unary op"],
  where32: [[0, 1, 2, 3], 4, () => 1 << 19, "where"],
  mse_backward_f32: [[0, 2], 3, () => 1 << 19, "mseLoss's backward"],
  fill32: [[0], 1, () => 1 << 17, "a fill"],
};
/**
 * The kernels a job can run; workers look them up by these names. (Keys, not strings:
 * the bundle shortens the kernels' names, scripts/bundle.mjs.)
 */
const KERNELS = Object.keys({ matmul_f32_rows: 0, ...SPLIT });

/** Products under this many multiply-adds stay on one thread: waking a worker costs tens of µs. */
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
  /** Per thread: multiply-adds per ms in its share of recent products, by which products are split. */
  rates: number[];
  /** Per thread: how long its share of the last job took, in ms. */
  times: number[];
  /** The module's own kernels (not module.ts's facade, which would split again). */
  kernels: Record<string, (...args: number[]) => void>;
  /** ctl's argument slots as float64: worker w's from index w * MAX_ARGS. */
  args: Float64Array;
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
    requested = 1; // (no pool was made to stop)
    return Promise.reject(e);
  }
  return pool.ready;
}

function startPool(threads: number): Pool {
  const spawn = workerFactory();
  const { module, memory } = shareMemory();
  const ctl = new Int32Array(new SharedArrayBuffer(ARGS * 4 + (MAX_THREADS - 1) * MAX_ARGS * 8));
  const p: Pool = { threads, ctl, workers: [], scratch: [], scratchBytes: 0, ready: Promise.resolve(), running: false, cancel: () => {},
    rates: Array<number>(threads).fill(1), times: Array<number>(threads).fill(0), kernels: k() as unknown as Pool["kernels"],
    args: new Float64Array(ctl.buffer, ARGS * 4) };
  const starts: Promise<void>[] = [];
  for (let id = 0; id < threads - 1; id++) {
    starts.push(
      new Promise<void>((resolve, reject) => {
        const w = spawn(`(${threadMain})`, (msg) => (msg === "ready" ? resolve() : reject(new Error(`setNumThreads: a worker failed to start: ${msg}`))));
        p.workers.push(w.handle);
        w.post({ module, memory, ctl, id, kernels: KERNELS });
      }),
    );
  }
  // a later setNumThreads() stops this pool: then the promise resolves (its workers never will)
  const cancelled = new Promise<void>((resolve) => (p.cancel = resolve));
  p.ready = Promise.race([Promise.all(starts), cancelled]).then(
    () => {
      if (pool !== p) return;
      p.running = true;
      setKernelFacade(splittingFacade(p));
    },
    (e) => {
      if (pool === p) threadsOff();
      throw e;
    },
  );
  return p;
}

/** Stops the pool and goes back to one thread (after a failure: the caller says why). */
function threadsOff(): void {
  stopPool();
  requested = 1;
}

function stopPool(): void {
  const p = pool;
  if (!p) return;
  pool = null;
  p.running = false;
  setKernelFacade(null);
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
  const { threads, rates } = p;
  const bounds = rowBounds(m, rates);
  if (bounds[1] >= m) return false;
  const need = K.matmul_f32_scratch(m, kk, n, transA, transB);
  if (need > p.scratchBytes) {
    for (const ptr of p.scratch) free(ptr, p.scratchBytes);
    p.scratch = Array.from({ length: threads }, () => alloc(need));
    p.scratchBytes = need;
  }
  const args = [a, b, c, m, kk, n, +transA, +transB, batch, strideA, strideB, strideC];
  if (!runJob(p, 0, (t) => (bounds[t] < bounds[t + 1] ? [...args, p.scratch[t], bounds[t], bounds[t + 1]] : null), `matmul (a ${m}x${kk}x${n} product)`)) {
    return false;
  }
  // half the old estimate and half this product's, and never under a quarter of the fastest (or a thread would get no rows to be measured on)
  for (let t = 0; t < threads; t++) {
    const rows = bounds[t + 1] - bounds[t];
    if (rows > 0 && p.times[t] > 0) rates[t] = (rates[t] + (rows * kk * n * batch) / p.times[t]) / 2;
  }
  const top = Math.max(...rates);
  for (let t = 0; t < threads; t++) rates[t] = Math.max(rates[t], top / 4);
  return true;
}

/**
 * Wakes the pool's sleeping workers with no new job, as Atomics.wait itself may
 * (for tests: a worker must go back to sleep rather than run the last job again).
 */
export function wakeWorkersWithoutJob(): void {
  if (pool) Atomics.notify(pool.ctl, JOB);
}

/**
 * Where each thread's rows of an m-row product begin (and, last, m): in
 * proportion to the threads' speeds on recent products, in multiples of the
 * 4-row register tile. A thread whose core is shared with other work (another
 * process, another VM) gets fewer rows instead of keeping the others waiting.
 */
export function rowBounds(m: number, rates: readonly number[]): number[] {
  const bounds = [0];
  const all = rates.reduce((x, y) => x + y);
  for (let t = 0, acc = 0; t < rates.length; t++) bounds.push(t === rates.length - 1 ? m : Math.min(m, Math.round((m * (acc += rates[t])) / all / 4) * 4));
  return bounds;
}

/**
 * The kernels with those in SPLIT split by ranges of elements across the
 * running pool `p`, when a call has enough of them. Every element is computed
 * as on one thread, by the same code path (ranges are whole 16-element lines,
 * so only the last range has a scalar tail, the same tail as on one thread).
 */
function splittingFacade(p: Pool): Kernels {
  const facade: Record<string, unknown> = { ...p.kernels };
  for (const [name, [pointers, count, fewest, label]] of Object.entries(SPLIT)) {
    const kernel = KERNELS.indexOf(name), real = p.kernels[name];
    facade[name] = (...args: number[]) => {
      const n = args[count];
      if (n < fewest(args) || pool !== p) return real(...args);
      const share = Math.ceil(n / p.threads / 16) * 16;
      const shareArgs = (t: number): number[] | null => {
        const i = t * share;
        if (i >= n) return null;
        const a = args.map(Number);
        for (const j of pointers) if (a[j]) a[j] += 4 * i;
        a[count] = Math.min(share, n - i);
        return a;
      };
      // unlike a product, an elementwise op may be in place: redoing it after some ranges ran could be wrong
      if (!runJob(p, kernel, shareArgs, label)) throw new Error(`${label}: a thread failed, so its output is partly written; threads are now off`);
    };
  }
  return facade as unknown as Kernels;
}

/**
 * Runs KERNELS[kernel] on every thread, thread t (0 is this one) with the
 * arguments shareArgs(t) (null: no share), and returns when all are done.
 * False when a worker's kernel threw (then the pool is stopped).
 */
function runJob(p: Pool, kernel: number, shareArgs: (t: number) => number[] | null, what: string): boolean {
  const { ctl, threads } = p;
  ctl[KERNEL] = kernel;
  for (let w = 0; w < threads - 1; w++) {
    const a = shareArgs(w + 1) ?? [];
    p.args.set(a, w * MAX_ARGS);
    ctl[NARGS + w] = a.length;
  }
  Atomics.store(ctl, FAILED, 0);
  Atomics.store(ctl, BUSY, threads - 1);
  Atomics.add(ctl, JOB, 1);
  Atomics.notify(ctl, JOB);
  const t0 = performance.now();
  p.kernels[KERNELS[kernel]](...shareArgs(0)!);
  const t1 = performance.now();
  p.times[0] = t1 - t0;
  // The calling thread may be a page's main thread, where Atomics.wait is not allowed: spin.
  let spins = 0;
  while (Atomics.load(ctl, BUSY) !== 0) {
    if ((++spins & 0xffff) === 0 && performance.now() - t1 > HANG_MS) {
      // A worker died or is stuck. Threads are switched off (terminate() ends a stuck worker
      // soon after); the scratch blocks are left out of the free lists, in case it writes on.
      const busy = Atomics.load(ctl, BUSY);
      p.scratch = [];
      threadsOff();
      throw new Error(`${what}: a thread stopped responding (${busy} of ${threads - 1} workers unfinished after ${HANG_MS / 1000} s); threads are now off`);
    }
  }
  for (let w = 1; w < threads; w++) p.times[w] = ctl[TIMES + w - 1] / 1000;
  if (Atomics.load(ctl, FAILED)) {
    // A worker's kernel threw (it should not): stop the pool.
    threadsOff();
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
 * report ready, then run its share of each job: the kernel with the arguments it is given.
 */
function threadMain(
  d: { module: WebAssembly.Module; memory: WebAssembly.Memory; ctl: Int32Array; id: number; kernels: readonly string[] },
  post: (m: unknown) => void,
): void {
  const { ctl, id } = d;
  const args = new Float64Array(ctl.buffer, (136 + 48 * id) * 4, 24); // this worker's ARGS (MAX_ARGS of them)
  let fns: ((...args: number[]) => void)[];
  try {
    // abort() is followed by a trap in the kernel, which the try below catches. (No function
    // bound to a name in here but by method syntax: the bundle's keepNames would wrap it in a
    // naming helper that this source, run alone in a worker, does not have.)
    const env = { memory: d.memory, abort(): void {} };
    const exports = new WebAssembly.Instance(d.module, { env }).exports as Record<string, (...args: number[]) => void>;
    fns = d.kernels.map((name) => exports[name]);
  } catch (e) {
    post(String(e));
    return;
  }
  let seen = Atomics.load(ctl, 0); // before "ready": no job can start before it
  post("ready");
  for (;;) {
    // Spinning 2 ms before sleeping catches the next job of a training step (the loss
    // and its gradient between two products take a few hundred µs) without a sleep and
    // a wake, which cost ~0.1 ms a job; OpenMP spins 200 ms by default.
    for (const t = performance.now(); Atomics.load(ctl, 0) === seen && performance.now() - t < 2; );
    // Atomics.wait can return with the job counter unchanged (seen under load in Node 20,
    // once in every few hundred jobs): only a new count is a new job. Taking such a
    // return for one ran a share twice, which applied an in-place update (Adam) twice
    // and drove BUSY below zero, so the next job never finished.
    while (Atomics.load(ctl, 0) === seen) Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    if (Atomics.load(ctl, 3)) return; // STOP
    const count = ctl[8 + id]; // NARGS
    if (count) {
      try {
        const t = performance.now();
        fns[ctl[4]](...args.subarray(0, count)); // KERNEL
        ctl[72 + id] = (performance.now() - t) * 1000; // TIMES
      } catch {
        Atomics.store(ctl, 2, 1); // FAILED
      }
    }
    Atomics.sub(ctl, 1, 1); // BUSY
  }
}
