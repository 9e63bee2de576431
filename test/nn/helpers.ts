// Shared by test/nn/*: the fixtures of gen_nn.py and float32 bit helpers.
import { readFileSync } from "node:fs";
import { nn, tensor, type Tensor } from "../../src/index";

export const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"));

export const u32 = (t: Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.data()).buffer));
export const fromBits = (shape: number[], bits: number[]): Tensor => tensor(new Float32Array(new Uint32Array(bits).buffer)).reshape(shape);
export const floats = (bits: number[]): number[] => Array.from(new Float32Array(new Uint32Array(bits).buffer));

/** FNV-1a over the bytes of the uint32 words, as gen_nn.py's fnv. */
export function fnv(words: number[]): number {
  let h = 0x811c9dc5;
  for (const w of words) for (let b = 0; b < 4; b++) h = Math.imul(h ^ ((w >>> (8 * b)) & 0xff), 0x01000193) >>> 0;
  return h;
}

export interface Encoded { shape: number[]; dtype: string; bits?: number[]; hash?: number; first?: number[]; values?: number[] }

/** A tensor's state against gen_nn.py's encoding: the exact bits (or their hash). */
export function expectEncoded(t: Tensor, e: Encoded, name: string, expect: (v: unknown, msg?: string) => { toEqual(x: unknown): void; toBe(x: unknown): void }): void {
  expect(t.shape, name).toEqual(e.shape);
  if (e.values) {
    expect(t.dtype, name).toBe("int32");
    expect(Array.from(t.data()), name).toEqual(e.values);
    return;
  }
  const b = u32(t);
  if (e.bits) expect(b, name).toEqual(e.bits);
  else {
    expect(b.slice(0, 8), name).toEqual(e.first);
    expect(fnv(b), name).toBe(e.hash);
  }
}

/** gen_nn.py's MODELS with wasmgrad's spelling. */
export const MODELS: Record<string, () => nn.Module> = {
  linear784: () => new nn.Linear(784, 128),
  linear3x5: () => new nn.Linear(3, 5),
  linearNoBias: () => new nn.Linear(20, 7, { bias: false }),
  mlp: () => new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.ReLU(), new nn.Linear(16, 2)),
  conv2d: () => new nn.Conv2d(3, 8, 3),
  conv2dGroups: () => new nn.Conv2d(4, 6, [3, 5], { groups: 2, bias: false }),
  conv1d: () => new nn.Conv1d(2, 4, 5),
  convT: () => new nn.ConvTranspose2d(4, 2, 3, { stride: 2, groups: 2 }),
  embedding: () => new nn.Embedding(10, 4, { paddingIdx: 0 }),
  embeddingSmall: () => new nn.Embedding(3, 4),
  batchnorm: () => new nn.BatchNorm2d(4),
  layernorm: () => new nn.LayerNorm([3, 4]),
  groupnorm: () => new nn.GroupNorm(2, 4),
  bilinear: () => new nn.Bilinear(3, 4, 5),
  convnet: () => new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(4, 8, 3), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Dropout(0.1), new nn.Linear(8, 10)),
};
