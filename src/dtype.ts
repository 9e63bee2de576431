// The dtypes wasmgrad stores. Every element is 4 bytes: float32 as IEEE
// single, int32 as two's complement (presented and printed as torch's default
// integer type), bool as an int32 0 or 1.

export type DType = "float32" | "int32" | "bool";

export const DTYPES: readonly DType[] = ["float32", "int32", "bool"];

export function checkDType(d: unknown, op: string): DType {
  if (d === "float32" || d === "int32" || d === "bool") return d;
  throw new TypeError(`${op}: unsupported dtype ${JSON.stringify(d)}; expected one of ${DTYPES.join(", ")}`);
}

/** torch's type promotion for two tensor operands: bool < int < float. */
export function promote(a: DType, b: DType): DType {
  if (a === "float32" || b === "float32") return "float32";
  if (a === "int32" || b === "int32") return "int32";
  return "bool";
}

/** The result dtype of `t op s` for a JS number s: a non-integral number makes it float. */
export function promoteScalar(t: DType, s: number): DType {
  if (t === "float32") return "float32";
  return Number.isInteger(s) ? "int32" : "float32";
}
