// safetensors: the file torch wrote (test/fixtures/nn_torch.safetensors, by the
// reference `safetensors` package in gen_nn.py) loads here with torch's values; a
// file saved here (nn_wasmgrad.safetensors, committed) loads in torch
// (nn_safetensors_check.txt: `gen_nn.py --check`); malformed files are refused
// with a clear error before anything is allocated.
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { nn, saveSafetensors, loadSafetensors, manualSeed, tensor, zeros, memoryStats, scope } from "../../src/index";
import { fixture, u32, MODELS } from "./helpers";

const path = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
const torchFile = new Uint8Array(readFileSync(path("nn_torch.safetensors")));
const expected = fixture("nn_safetensors.json");

/** A file from a header object and a data section. */
function file(header: unknown, data = new Uint8Array(0), lengthOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, lengthOverride ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("loadSafetensors", () => {
  it("reads the file torch wrote: every dtype, converted as documented", () => {
    const sd = loadSafetensors(torchFile);
    expect(Object.keys(sd).sort()).toEqual(Object.keys(expected.tensors).sort());
    for (const [k, e] of Object.entries(expected.tensors) as [string, { dtype: string; shape: number[]; bits?: number[]; values?: number[] }][]) {
      expect(sd[k].dtype, k).toBe(e.dtype);
      expect(sd[k].shape, k).toEqual(e.shape);
      if (e.bits) expect(u32(sd[k]), k).toEqual(e.bits);
      else expect(Array.from(sd[k].data()), k).toEqual(e.values);
    }
    expect(nn.readSafetensorsHeader(torchFile).metadata).toEqual(expected.metadata);
  });

  it("a torch state dict loads into the same wasmgrad model", () => {
    const sd = loadSafetensors(torchFile);
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    const keys = Object.keys(m.stateDict());
    m.loadStateDict(Object.fromEntries(keys.map((k) => [k, sd[k]])));
    expect(u32(m.stateDict()["0.weight"])).toEqual(expected.tensors["0.weight"].bits);
    expect(Array.from(m.stateDict()["1.num_batches_tracked"].data())).toEqual([1]);
  });

  it("an int64 out of int32's range is an error, and nothing is allocated", () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setBigInt64(0, 2n ** 40n, true);
    const before = memoryStats().bytesInUse;
    expect(() => loadSafetensors(file({ x: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, data))).toThrow(/int64 value at index 0 \(1099511627776\) does not fit in int32/);
    expect(memoryStats().bytesInUse).toBe(before);
  });
});

describe("saveSafetensors", () => {
  it("round-trips float32, int32 and bool with metadata, 8-byte aligned", () => {
    scope(() => {
      const t = { a: tensor([[1.5, -2], [3, 4]], { dtype: "float32" }), b: tensor([7, -8]), c: tensor([true, false, true]), e: zeros(0, 2) };
      const bytes = saveSafetensors(t, { k: "v" });
      expect((8 + new DataView(bytes.buffer).getUint32(0, true)) % 8).toBe(0);
      const back = loadSafetensors(bytes);
      for (const [k, v] of Object.entries(t)) {
        expect(back[k].dtype).toBe(v.dtype);
        expect(back[k].toArray()).toEqual(v.toArray());
      }
      expect(nn.readSafetensorsHeader(bytes).metadata).toEqual({ k: "v" });
    });
  });

  it("the committed nn_wasmgrad.safetensors is what saveSafetensors writes for torch's seed-0 MLP (and torch loaded it)", () => {
    manualSeed(0);
    const m = MODELS.mlp();
    const bytes = saveSafetensors({ ...m.stateDict(), "extra.flags": tensor([true, false]), "extra.ints": tensor([1, -2, 3]) }, { format: "pt", source: "wasmgrad" });
    if (process.env.WRITE_NN_FIXTURES) writeFileSync(path("nn_wasmgrad.safetensors"), bytes);
    expect(Array.from(bytes)).toEqual(Array.from(readFileSync(path("nn_wasmgrad.safetensors"))));
    const check = readFileSync(path("nn_safetensors_check.txt"), "utf8");
    expect(check).toMatch(/load_state_dict: ok; equal to torch's own initial weights bit for bit: True/);
  });
});

describe("malformed files", () => {
  const ok = { x: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };
  const data = new Uint8Array(8);
  const cases: [string, Uint8Array, RegExp][] = [
    ["too short", new Uint8Array(5), /too short to hold the 8-byte header length/],
    ["a header length past the end", file(ok, data, 1000), /runs past the end of the file/],
    ["a huge header length", file(ok, data, 0xffffffff), /larger than the limit/],
    ["a truncated data section", file(ok, data.subarray(0, 4)), /run past the end of the data/],
    ["not JSON", file("{not json", data), /not valid UTF-8 JSON/],
    ["a JSON array", file("[1, 2]"), /must be a JSON object/],
    ["an unknown dtype", file({ x: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, data), /unsupported dtype "C64"/],
    ["a negative dim", file({ x: { dtype: "F32", shape: [-2], data_offsets: [0, 8] } }, data), /non-negative integers/],
    ["a huge shape", file({ x: { dtype: "F32", shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, data), /needs .* bytes, but data_offsets \[0, 8\] hold 8/],
    ["a shape that lies about the bytes", file({ x: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, data), /needs 12 bytes/],
    ["reversed offsets", file({ x: { dtype: "F32", shape: [0], data_offsets: [8, 0] } }, data), /0 <= begin <= end/],
    ["overlapping tensors", file({ x: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, y: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, data), /overlaps/],
    ["a gap", file({ x: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, data), /a gap in the data/],
    ["trailing bytes", file({ x: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, data), /hold 4 bytes of data but the file has 8/],
    ["bad metadata", file({ __metadata__: { a: 1 } }), /__metadata__ must map strings to strings/],
    ["a __proto__ tensor", file('{"__proto__":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', data), /"__proto__" is not accepted/],
  ];
  for (const [what, bytes, msg] of cases) {
    it(`${what}: a clear error`, () => {
      const before = memoryStats().bytesInUse;
      expect(() => loadSafetensors(bytes)).toThrow(msg);
      expect(memoryStats().bytesInUse).toBe(before);
    });
  }

  it("random corruptions of a valid file never crash: a result or a safetensors error", () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 300; trial++) {
      const bytes = torchFile.slice(0, rnd() < 0.3 ? Math.floor(rnd() * torchFile.length) : torchFile.length);
      for (let j = 0; j < 3; j++) bytes[Math.floor(rnd() * Math.min(bytes.length, 200))] = Math.floor(rnd() * 256);
      scope(() => {
        try {
          loadSafetensors(bytes);
        } catch (e) {
          expect((e as Error).message).toMatch(/^safetensors: /);
        }
      });
    }
  });
});
