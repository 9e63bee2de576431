// A block of linear memory shared by a tensor and its views (reshape, detach).
// It is freed when the last tensor using it is disposed or collected. Its
// version counts in-place writes, so autograd can tell when a tensor it saved
// for the backward pass was changed underneath it (as torch's version counter).

import { alloc, free } from "./backend/memory";

export class Storage {
  refs = 1;
  version = 0;
  freed = false;
  constructor(
    readonly ptr: number,
    readonly bytes: number,
  ) {}

  static allocate(elements: number): Storage {
    const bytes = elements * 4;
    return new Storage(alloc(bytes), bytes);
  }

  release(): void {
    if (this.freed) return;
    if (--this.refs === 0) {
      this.freed = true;
      free(this.ptr, this.bytes);
    }
  }
}
