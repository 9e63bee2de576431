// Memory pressure for the tests of spilling (src/storage.ts).
import { full } from "../../src/index";

/** Makes `bytes` of unscoped garbage in blocks of 16 KiB: enough of it makes the allocator spill. */
export function garbage(bytes: number): void {
  for (let done = 0; done < bytes; done += 16384) full([4096], 1);
}
