// A block of linear memory shared by a tensor and its views (reshape, detach).
// It is freed when the last tensor using it is disposed (directly or by its
// scope). Its version counts in-place writes, so autograd can tell when a
// tensor it saved for the backward pass was changed underneath it (as torch's
// version counter).
//
// Forgotten tensors. A tensor no scope owns ("unscoped": made outside every
// scope, kept, or returned from the outermost one) may just be dropped, and the
// garbage collector cannot see linear memory. Nor can it tell us in time: a
// FinalizationRegistry reports a collected object only from a later task (never
// during a synchronous loop), and a WeakRef keeps its target alive until the
// current job ends. So before the allocator grows the memory it spills the
// blocks of unscoped storages that have not been used lately: their data is
// copied into a typed array the Storage owns, and the block is freed. A
// forgotten tensor's copy is then ordinary garbage, which the GC frees with the
// tensor, synchronously if need be; a live one is copied back into a fresh
// block the next time it is used (touch(), which every `ptr` read goes
// through). Linear memory stays within a constant factor of what is in use,
// whatever the GC does, and no block is ever freed while a tensor can read it.
//
// "Lately" is measured in bytes allocated since the last use: a pass spills
// only storages unused for half the memory's size of allocations, and passes
// are at least a quarter of the memory's size of allocations apart (so a pass
// costs O(1) per allocation, amortized). An op reads its inputs' pointers
// after its last allocation, or allocates far less than half the memory in
// between, so a pointer it holds is never spilled under it; copying data back
// in does not advance the clock, so reading several pointers in a row (a
// kernel's arguments) cannot spill one read before. Storages a
// captured step replays (`pins`) are never spilled, and nothing is spilled
// while a step is being recorded.
//
// Deferred transposes. A transpose of the last two dims (t(), .T) is a copy, but
// the copy is put off (defer()): a matmul reads the source with its transpose
// flag flipped instead (ops/linear.ts), and the copy is made when the block is
// first read any other way (read()), or before its source is written (write(),
// which every in-place write calls first through Tensor.bumpVersion). So the
// result is always the copy as of the transpose, and a product of x.T costs no
// copy at all. Nothing is deferred while a step records, and a replay settles
// every deferred copy first (capture.ts): a tape never sees one. A spill pass
// makes the copies to or from the blocks it may spill first (reclaim()).

import { alloc, free, i32, memoryBytes, setReclaimer, spillCounts } from "./backend/memory";
import { k } from "./backend/module";

/** Bytes allocated for tensor data so far: the clock "not used lately" is measured by. */
let clock = 0;
/** The clock at the last spill pass. */
let lastPass = 0;
/** The resident storages of unscoped tensors: the candidates for spilling. */
const unscoped: Storage[] = [];
/** The storages whose transpose is deferred (see the top of this file). */
const deferred: Storage[] = [];

/** Makes every deferred copy (before a tape records or replays). */
export function settleAll(): void {
  while (deferred.length) deferred[deferred.length - 1].settle();
}

export class Storage {
  refs = 1;
  version = 0;
  freed = false;
  /** Held by captured steps, whose replays name the block: a pinned storage is never spilled. */
  pins = 0;
  /** Byte offset of the block in linear memory; -1 while spilled (read it through touch()). */
  ptr: number;
  /** The data while spilled out of linear memory, else null. */
  spilled: Int32Array | null = null;
  /** The clock at the last use. */
  used = clock;
  /** Index in the unscoped list; -1 when not on it. */
  slot = -1;
  /** While a transpose is deferred: the block it transposes, and the shape of the result (matmul checks it). */
  pending: { source: Storage; view: readonly number[] } | null = null;
  constructor(
    ptr: number,
    readonly bytes: number,
  ) {
    this.ptr = ptr;
  }

  static allocate(elements: number): Storage {
    const bytes = elements * 4;
    const s = new Storage(alloc(bytes), bytes);
    clock += bytes > 64 ? bytes : 64;
    s.used = clock;
    return s;
  }

  /** The block's byte offset, the data copied back in first if it was spilled; marks the storage used. */
  touch(): number {
    if (this.ptr < 0) this.#restore();
    this.used = clock;
    return this.ptr;
  }

  /** touch(), and a deferred copy made first: the offset of the data, to read or write. */
  read(): number {
    if (this.pending) this.settle();
    return this.touch();
  }

  /** Defers this block's data: the transpose of the last two dims of `source`, shaped `view` (see the top of this file). */
  defer(source: Storage, view: readonly number[]): void {
    source.refs++;
    this.pending = { source, view };
    deferred.push(this);
  }

  /** Makes the deferred copy now. */
  settle(): void {
    const { source, view } = this.pending!, nd = view.length, r = view[nd - 1], c = view[nd - 2];
    if (source.pending) source.settle();
    // Both blocks are resident (see reclaim); not touch(): this is no use of the source, and must not keep it from a spill.
    k().transpose32(source.ptr, this.ptr, this.bytes / (4 * r * c), r, c);
    this.#drop(source);
  }

  /** Before an in-place write: deferred transposes of this block are copied first. */
  write(): void {
    for (let i = deferred.length; i--; ) if (deferred[i].pending!.source === this) deferred[i].settle();
  }

  #drop(source: Storage): void {
    this.pending = null;
    deferred.splice(deferred.indexOf(this), 1);
    source.release();
  }

  release(): void {
    if (this.freed) return;
    if (--this.refs === 0) {
      this.freed = true;
      if (this.pending) this.#drop(this.pending.source);
      if (this.slot >= 0) this.#unlist();
      if (this.ptr >= 0) free(this.ptr, this.bytes);
      this.spilled = null;
    }
  }

  /** Marks the storage as used by a tensor that no scope will free: it may be spilled. Idempotent. */
  unscope(): void {
    if (this.slot < 0 && this.ptr >= 0 && !this.freed) {
      this.slot = unscoped.length;
      unscoped.push(this);
    }
  }

  /** Copies the data out into a typed array and frees the block. */
  spill(): void {
    const o = this.ptr >>> 2;
    this.spilled = i32().slice(o, o + (this.bytes >>> 2));
    free(this.ptr, this.bytes);
    this.ptr = -1;
    spillCounts.spills++;
  }

  #restore(): void {
    const p = alloc(this.bytes);
    i32().set(this.spilled!, p >>> 2);
    this.ptr = p;
    this.spilled = null;
    spillCounts.restores++;
    this.unscope();
  }

  #unlist(): void {
    const last = unscoped.pop()!;
    if (last !== this) {
      unscoped[this.slot] = last;
      last.slot = this.slot;
    }
    this.slot = -1;
  }
}

/** Before the memory grows: spills the unscoped storages not used lately (see the top of this file). */
function reclaim(): void {
  const size = memoryBytes();
  if (clock - lastPass < size / 4) return;
  lastPass = clock;
  const horizon = clock - size / 2;
  // Copy first the deferred transposes to or from blocks that may be spilled: a
  // block is never spilled with a copy pending, so a pending copy's source is
  // always resident and making it never allocates. (This also lets forgotten
  // ones go: the list of pending copies holds them.)
  for (const d of deferred.slice()) if (d.used < horizon || d.pending!.source.used < horizon) d.settle();
  let kept = 0;
  for (let i = 0; i < unscoped.length; i++) {
    const s = unscoped[i];
    if (s.used < horizon && s.pins === 0) {
      s.slot = -1;
      s.spill();
    } else {
      unscoped[kept] = s;
      s.slot = kept++;
    }
  }
  unscoped.length = kept;
}
setReclaimer(reclaim);
