// The kernels' fixed scratch: bytes in the first page of linear memory, just past
// the static data. The allocator in src/backend/memory.ts hands out blocks only
// above the module's initial memory, so nothing else writes here. Not
// memory.data() blocks: a data segment is written again by every instance that
// shares the memory (thread workers), even while a kernel runs.

/** cascade.ts: the cascade's running sums, acc[level][row] for 4 levels and 4 rows, 8 floats each. */
export const CASCADE_ACC: usize = (__heap_base + 15) & ~15;
export const CASCADE_ACC_BYTES: usize = 4 * 4 * 32;

/**
 * optim.ts: the scalars of an Adam step splatted to v128, 9 of them: 144 bytes.
 * Threads run one job at a time, so every thread that writes them at once writes
 * the same values.
 */
export const ADAM_SPLATS: usize = CASCADE_ACC + CASCADE_ACC_BYTES;
