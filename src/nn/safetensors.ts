// The safetensors format (huggingface/safetensors), from and to bytes, so that it
// runs in browsers and workers: 8 bytes of little-endian header length N, N bytes
// of JSON header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__ },
// then the tensors' little-endian bytes (offsets relative to the data's start).
// Read: F32, I32, BOOL as they are; F64, F16, BF16 converted to float32; I64, I16,
// I8, U8 to int32 (an I64 out of int32's range is an error). Written: F32, I32, BOOL.
// The header is checked whole before any tensor is made: nothing is allocated
// beyond what the file's own size accounts for.

import { Tensor } from "../tensor";
import type { DType } from "../dtype";
import { f32, i32 } from "../backend/memory";
import { fmt } from "../shape";

/** Element sizes in bytes of the dtypes read. */
const SIZES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const MAX_HEADER = 100_000_000; // the reference implementation's limit

export interface TensorInfo {
  dtype: string;
  shape: number[];
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  metadata: Record<string, string> | null;
  tensors: Record<string, TensorInfo>;
  /** Byte offset of the data section in the file. */
  dataStart: number;
}

const fail = (msg: string): never => {
  throw new Error(`safetensors: ${msg}`);
};

/** Parses and validates the header: lengths, JSON, dtypes, shapes and offsets (contiguous, covering the data exactly). */
export function readSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array)) fail(`expected the file's bytes as a Uint8Array, got ${bytes === null ? "null" : typeof bytes}`);
  if (bytes.length < 8) fail(`the file is ${bytes.length} bytes long, too short to hold the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (n > MAX_HEADER) fail(`the header length ${n} is larger than the limit of ${MAX_HEADER} bytes`);
  if (8 + n > bytes.length) fail(`the header length ${n} runs past the end of the file (${bytes.length} bytes): the file is truncated or not safetensors`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) fail("the header must be a JSON object");
  const dataStart = 8 + n, dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const tensors: Record<string, TensorInfo> = {};
  const spans: [number, number, string][] = [];
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (v === null || typeof v !== "object" || Array.isArray(v) || Object.values(v).some((s) => typeof s !== "string")) fail("__metadata__ must map strings to strings");
      metadata = v as Record<string, string>;
      continue;
    }
    if (name === "__proto__") fail('"__proto__" is not accepted as a tensor name');
    const info = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info === null || typeof info !== "object") fail(`tensor "${name}": expected { dtype, shape, data_offsets }`);
    const { dtype, shape, data_offsets: off } = info;
    if (typeof dtype !== "string" || !(dtype in SIZES)) fail(`tensor "${name}": unsupported dtype ${JSON.stringify(dtype)} (expected one of ${Object.keys(SIZES).join(", ")})`);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`tensor "${name}": the shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    if (!Array.isArray(off) || off.length !== 2 || off.some((d) => !Number.isSafeInteger(d) || d < 0) || off[0] > off[1]) {
      fail(`tensor "${name}": data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(off)}`);
    }
    const [b, e] = off as number[];
    if (e > dataLength) fail(`tensor "${name}": data_offsets [${b}, ${e}] run past the end of the data (${dataLength} bytes): the file is truncated`);
    // numel·size must be the span's length; a huge shape fails here, before anything is allocated
    let count = SIZES[dtype as string];
    for (const d of shape as number[]) count *= d;
    if (count !== e - b) fail(`tensor "${name}": shape ${fmt(shape as number[])} of ${dtype} needs ${count} bytes, but data_offsets [${b}, ${e}] hold ${e - b}`);
    tensors[name] = { dtype: dtype as string, shape: shape as number[], dataOffsets: [b, e] };
    spans.push([b, e, name]);
  }
  spans.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let end = 0;
  for (const [b, e, name] of spans) {
    if (b !== end) fail(b < end ? `tensor "${name}" overlaps the tensor before it (data_offsets start at ${b}, the previous one ends at ${end})` : `a gap in the data before tensor "${name}" (bytes ${end} to ${b})`);
    end = e;
  }
  if (end !== dataLength) fail(`the tensors hold ${end} bytes of data but the file has ${dataLength} after the header`);
  return { metadata, tensors, dataStart };
}

/** The wasmgrad dtype a safetensors dtype is read as. */
const target = (d: string): DType => (d === "BOOL" ? "bool" : d[0] === "F" || d === "BF16" ? "float32" : "int32");

function f16(h: number): number {
  const e = (h >> 10) & 0x1f, m = h & 0x3ff, s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Reads a safetensors file into tensors (by the file's names, in the file's order). */
export function loadSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  const header = readSafetensorsHeader(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // convert everything first, so that an out-of-range I64 leaves nothing allocated
  const values: [string, DType, number[], Float32Array | Int32Array][] = [];
  for (const [name, { dtype, shape, dataOffsets }] of Object.entries(header.tensors)) {
    const d = target(dtype), size = SIZES[dtype], at = header.dataStart + dataOffsets[0];
    const n = (dataOffsets[1] - dataOffsets[0]) / size;
    const out = d === "float32" ? new Float32Array(n) : new Int32Array(n);
    for (let i = 0, p = at; i < n; i++, p += size) {
      switch (dtype) {
        case "F32": out[i] = dv.getFloat32(p, true); break;
        case "F64": out[i] = dv.getFloat64(p, true); break;
        case "F16": out[i] = f16(dv.getUint16(p, true)); break;
        case "BF16": out[i] = new Float32Array(new Uint32Array([dv.getUint16(p, true) << 16]).buffer)[0]; break;
        case "I32": out[i] = dv.getInt32(p, true); break;
        case "I16": out[i] = dv.getInt16(p, true); break;
        case "I8": out[i] = dv.getInt8(p); break;
        case "U8": out[i] = dv.getUint8(p); break;
        case "BOOL": out[i] = dv.getUint8(p) === 0 ? 0 : 1; break;
        case "I64": {
          const lo = dv.getUint32(p, true), hi = dv.getInt32(p + 4, true);
          if (hi !== (lo | 0) >> 31) fail(`tensor "${name}": the int64 value at index ${i} (${(BigInt(hi) << 32n) + BigInt(lo)}) does not fit in int32, wasmgrad's integer dtype`);
          out[i] = lo | 0;
        }
      }
    }
    values.push([name, d, shape, out]);
  }
  const result: Record<string, Tensor> = {};
  for (const [name, d, shape, v] of values) {
    const t = Tensor.empty(shape, d);
    if (d === "float32") f32().set(v, t.offset);
    else i32().set(v, t.offset);
    result[name] = t;
  }
  return result;
}

const CODES: Record<DType, string> = { float32: "F32", int32: "I32", bool: "BOOL" } as Record<DType, string>;

/** Writes tensors (a state dict) and optional string metadata as a safetensors file, in the given order. */
export function saveSafetensors(tensors: Record<string, Tensor> | Map<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors ?? {});
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== "object" || Object.values(metadata).some((v) => typeof v !== "string")) fail("saveSafetensors: metadata must map strings to strings");
    header.__metadata__ = metadata;
  }
  let end = 0;
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) fail(`saveSafetensors: "${name}" is not a Tensor`);
    if (name === "__metadata__") fail('saveSafetensors: "__metadata__" cannot be a tensor name');
    t.assertAlive("saveSafetensors");
    const size = t.dtype === "bool" ? 1 : 4;
    header[name] = { dtype: CODES[t.dtype], shape: t.shape, data_offsets: [end, (end += t.numel * size)] };
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8; // the data starts 8-byte aligned, as the reference writer does it
  if (pad) json = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(pad));
  const out = new Uint8Array(8 + json.length + end);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, json.length, true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const [, t] of entries) {
    const v = t.data();
    for (let i = 0; i < v.length; i++) {
      if (t.dtype === "bool") out[p++] = v[i] ? 1 : 0;
      else {
        if (t.dtype === "float32") dv.setFloat32(p, v[i], true);
        else dv.setInt32(p, v[i], true);
        p += 4;
      }
    }
  }
  return out;
}
