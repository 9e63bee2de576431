// Access to test/fixtures/golden (PyTorch's own results, copied unchanged from
// the team's reference set: see its ORIGIN.md). Never edited by tests.
import { readFileSync } from "node:fs";

export function golden<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/golden/${name}`, import.meta.url), "utf8"));
}

/** The IEEE-754 bits of float32 values as "0x%08x" strings, the format golden files use. */
export function hexF32(values: ArrayLike<number>): string[] {
  const bits = new Uint32Array(Float32Array.from(values as ArrayLike<number>).buffer);
  return Array.from(bits, (b) => "0x" + b.toString(16).padStart(8, "0"));
}

/** Distance in units in the last place between two float32 values of the same sign. */
export function ulps(a: number, b: number): number {
  const ia = new Int32Array(Float32Array.of(a).buffer)[0];
  const ib = new Int32Array(Float32Array.of(b).buffer)[0];
  return Math.abs(ia - ib);
}
