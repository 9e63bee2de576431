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

/**
 * A JS number stored in, or combined with, an int32 tensor must fit int32, wasmgrad's
 * stand-in for torch's int64 (kernels would wrap it silently). NaN and ±Inf do not.
 */
export function checkInt32(s: number): void {
  if (!(s > -2147483649 && s < 2147483648)) {
    throw new RangeError(`wasmgrad: ${s} does not fit in int32 (wasmgrad's stand-in for int64); use a float32 tensor for it`);
  }
}

/** The result dtype of `t op s` for a JS number s: a non-integral number makes it float. */
export function promoteScalar(t: DType, s: number): DType {
  if (t === "float32" || !Number.isInteger(s)) return "float32";
  checkInt32(s);
  return "int32";
}
