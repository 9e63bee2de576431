// The one owner of the module's linear memory. Every tensor's data is a block
// handed out here; only this file grows the memory.
//
// Blocks are 64-byte aligned (a cache line; SIMD needs 16). Sizes up to 64 KiB
// round up to a power of two, larger ones to a whole 64 KiB page; a freed block
// goes on the free list of its size and is reused before the memory grows.
//
// After `memory.grow` every existing ArrayBuffer view is detached (reads give
// undefined, writes vanish), or on a shared memory (threads) stays its old
// length, so views are only ever taken from f32()/i32(). They are re-created
// here after each grow, and whenever a view turns up detached.

import { k } from "./module";

const ALIGN = 64;
export const PAGE = 65536;
/** WebAssembly (wasm32) addresses at most 4 GiB: 65536 pages, the maximum the module's memory import declares. */
export const MAX_PAGES = 65536;

let memory: WebAssembly.Memory | null = null;
let buffer: ArrayBufferLike | null = null;
let f32View = new Float32Array(0);
let i32View = new Int32Array(0);
let top = 0;
/** Free blocks by size class (classOf): an array, as a Map lookup costs more than the rest of an allocation. */
const freeLists: number[][] = [];
let bytesInUse = 0;
let peakBytesInUse = 0;

/**
 * Called by the module loader: first with the module's new memory (its static
 * data lies below the initial size), then again if the kernels move onto a
 * shared copy of it for threads (same size, same blocks).
 */
export function attachMemory(m: WebAssembly.Memory): void {
  if (!memory) top = m.buffer.byteLength;
  memory = m;
  refreshViews();
}

function mem(): WebAssembly.Memory {
  if (!memory) k();
  return memory!;
}

function refreshViews(): void {
  buffer = memory!.buffer;
  f32View = new Float32Array(buffer);
  i32View = new Int32Array(buffer);
}

// A detached view has length 0 (and the memory never has 0 bytes). The getter
// memory.buffer is not free (on a shared memory it freezes the buffer on each
// call), so it is not asked on every op.
export function f32(): Float32Array {
  if (f32View.length === 0) {
    mem();
    refreshViews();
  }
  return f32View;
}
export function i32(): Int32Array {
  if (i32View.length === 0) {
    mem();
    refreshViews();
  }
  return i32View;
}

/** The size class a request of `bytes` is served from. */
function blockSize(bytes: number): number {
  if (bytes <= ALIGN) return ALIGN;
  if (bytes <= PAGE) return 1 << (32 - Math.clz32(bytes - 1));
  return Math.ceil(bytes / PAGE) * PAGE;
}
/** A block size's free-list index: log2 of the powers of two up to a page, then 16 + the pages. */
function classOf(size: number): number {
  return size <= PAGE ? 31 - Math.clz32(size) : 16 + size / PAGE;
}

/**
 * A block of at least `bytes` bytes; returns its byte offset. Throws a
 * RangeError naming the size when WebAssembly cannot address that much; the
 * memory and every live block are untouched then.
 */
export function alloc(bytes: number): number {
  const size = blockSize(bytes);
  const list = freeLists[classOf(size)];
  if (list && list.length > 0) {
    bytesInUse += size;
    if (bytesInUse > peakBytesInUse) peakBytesInUse = bytesInUse;
    return list.pop()!;
  }
  const m = mem();
  const bytesNow = buffer!.byteLength;
  const ptr = top;
  const end = ptr + size;
  if (end > bytesNow && reclaimer && !reserving) {
    // Before growing, spill the blocks of forgotten-looking tensors (storage.ts): one of this size may come free.
    reclaimer();
    const again = freeLists[classOf(size)];
    if (again && again.length > 0) {
      bytesInUse += size;
      if (bytesInUse > peakBytesInUse) peakBytesInUse = bytesInUse;
      return again.pop()!;
    }
  }
  if (end > bytesNow) {
    const have = bytesNow / PAGE;
    const need = Math.ceil(end / PAGE);
    // Grow geometrically (x1.5) so that many small allocations cost few grows.
    const want = Math.min(MAX_PAGES, Math.max(need, Math.ceil(have * 1.5)));
    if (need > MAX_PAGES) {
      throw new RangeError(
        `wasmgrad: cannot allocate ${bytes} bytes (${gib(bytes)}): WebAssembly memory is limited to 4 GiB ` +
          `(the memory is ${bytesNow} bytes, ${bytesInUse} in use)`,
      );
    }
    try {
      m.grow(want - have);
    } catch {
      try {
        m.grow(need - have);
      } catch {
        throw new RangeError(
          `wasmgrad: cannot allocate ${bytes} bytes (${gib(bytes)}): the WebAssembly memory could not grow from ` +
            `${bytesNow} to ${need * PAGE} bytes`,
        );
      }
    }
    refreshViews();
  }
  top = end;
  bytesInUse += size;
  if (bytesInUse > peakBytesInUse) peakBytesInUse = bytesInUse;
  return ptr;
}

/**
 * While a capture records, freed blocks are set aside instead of reused: the
 * recorded kernel calls name them, and each replay writes them again.
 */
let reserving: number[] | null = null;

export function setAsideFreedBlocks(list: number[] | null): void {
  reserving = list;
}

/** Returns blocks set aside by a capture (pairs of ptr, bytes) to the free lists. */
export function freeSetAside(list: number[]): void {
  for (let i = 0; i < list.length; i += 2) free(list[i], list[i + 1]);
  list.length = 0;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toPrecision(3)} GiB`;
}

/** Called before the memory grows; may free blocks (storage.ts spills forgotten-looking tensors). */
let reclaimer: (() => void) | null = null;
export function setReclaimer(fn: () => void): void {
  reclaimer = fn;
}

/** Counts of blocks spilled out of linear memory and copied back in (storage.ts keeps them). */
export const spillCounts = { spills: 0, restores: 0 };

/** Bytes of linear memory now. */
export function memoryBytes(): number {
  return mem().buffer.byteLength;
}

/** Returns a block from alloc(bytes) to its free list. */
export function free(ptr: number, bytes: number): void {
  if (reserving) {
    reserving.push(ptr, bytes);
    return;
  }
  const size = blockSize(bytes);
  const c = classOf(size);
  (freeLists[c] ??= []).push(ptr);
  bytesInUse -= size;
}

export interface MemoryStats {
  /** Bytes of linear memory (grows, never shrinks). */
  memoryBytes: number;
  /** Bytes in blocks currently handed out. */
  bytesInUse: number;
  /** The most bytes in use at once. */
  peakBytesInUse: number;
  /** Blocks of tensors no scope owned, unused lately, whose data was moved out of linear memory before it grew. */
  spills: number;
  /** Spilled tensors used again, their data copied back into linear memory. */
  restores: number;
}

export function memoryStats(): MemoryStats {
  return { memoryBytes: mem().buffer.byteLength, bytesInUse, peakBytesInUse, spills: spillCounts.spills, restores: spillCounts.restores };
}
