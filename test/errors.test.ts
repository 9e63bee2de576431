// The catalogue of bad input (issue 7): every case must throw an Error of the
// stated type whose message names the operation, the offending shapes or
// values and what was expected, and must leave the library fully usable: no
// scope left open, grad mode restored, no memory kept, and the next valid ops
// (a product, a broadcast, a backward pass, a seeded draw) give the right answer.
//
// docs/ERRORS.md is this table rendered with the messages the library gives;
// regenerate it after changing a case with
//   WRITE_ERRORS_DOC=1 npx vitest run test/errors.test.ts
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  tensor, zeros, ones, eye, rand, arange, linspace, full, randint, randperm, manualSeed, empty,
  matmul, mm, dot, diag, indexSelect, sum, sort, mseLoss, noGrad, scope, keep, isGradEnabled, memoryStats,
  optim, linalg, Tensor, setNumThreads, getNumThreads, F, outer, cat, stack, autograd,
} from "../src/index";
import { scopeDepth } from "../src/lifetime";

/** A message matched literally, start to end (the layers' cases). */
function literally(message: string): RegExp {
  return new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

type ErrorType = ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor;

interface Case {
  family: string;
  /** What is wrong, in a few words. */
  name: string;
  /** The call as a user would write it (shown in docs/ERRORS.md). */
  example: string;
  run: () => unknown;
  type: ErrorType;
  /** Must match the message: the op, the offending shapes or values, what was expected. */
  message: RegExp;
  /** A valid call of the same family afterwards, and its expected result. */
  after?: () => void;
}

const f = (data: number[] | number[][]) => tensor(data, { dtype: "float32" });
const leaf = (data: number[]) => tensor(data, { requiresGrad: true });

/** A graph x -> y = x * x for the autograd cases; the caller frees x.grad. */
function square(): { x: Tensor; y: Tensor } {
  const x = leaf([1, 2]);
  return { x, y: x.mul(x) };
}

const cases: Case[] = [
  // ---- matrix products -------------------------------------------------------------
  {
    family: "matmul", name: "inner dims differ", example: "zeros(5, 4).matmul(zeros(5, 4))",
    run: () => zeros(5, 4).matmul(zeros(5, 4)), type: RangeError,
    message: /^matmul: shapes \[5, 4\] and \[5, 4\] cannot be multiplied \(4 != 5\)$/,
    after: () => expect(zeros(5, 4).matmul(ones(4, 3)).shape).toEqual([5, 3]),
  },
  {
    family: "matmul", name: "vector and matrix do not fit", example: "zeros(3).matmul(zeros(4, 2))",
    run: () => zeros(3).matmul(zeros(4, 2)), type: RangeError,
    message: /^matmul: shapes \[3\] and \[4, 2\] cannot be multiplied \(3 != 4\)$/,
  },
  {
    family: "matmul", name: "0-d operand", example: "tensor(2.5).matmul(zeros(2))",
    run: () => tensor(2.5).matmul(zeros(2)), type: RangeError,
    message: /^matmul: both arguments need at least 1 dim, got shapes \[\] and \[2\]$/,
  },
  {
    family: "matmul", name: "batch dims do not broadcast", example: "zeros(2, 3, 4).matmul(zeros(3, 4, 5))",
    run: () => zeros(2, 3, 4).matmul(zeros(3, 4, 5)), type: RangeError,
    message: /^matmul: shapes \[2, 3, 4\] and \[3, 4, 5\] cannot be multiplied: their batch dims \[2\] and \[3\] cannot be broadcast together \(2 vs 3\)$/,
  },
  {
    family: "matmul", name: "float32 times int32", example: "zeros(2, 2).matmul(tensor([[1, 2], [3, 4]]))",
    run: () => zeros(2, 2).matmul(tensor([[1, 2], [3, 4]])), type: TypeError,
    message: /^matmul: expected both operands to be float32 or both int32, got float32 and int32$/,
  },
  {
    family: "matmul", name: "an array instead of a tensor", example: "matmul(zeros(2, 2), [[1, 2], [3, 4]])",
    run: () => matmul(zeros(2, 2), [[1, 2], [3, 4]] as unknown as Tensor), type: TypeError,
    message: /^matmul: expected a Tensor, got an array$/,
  },
  {
    family: "matmul", name: "mm of a 3-D tensor", example: "mm(zeros(2, 2, 2), zeros(2, 2))",
    run: () => mm(zeros(2, 2, 2), zeros(2, 2)), type: RangeError,
    message: /^mm: expects 2-D tensors, got shapes \[2, 2, 2\] and \[2, 2\]$/,
  },
  {
    family: "matmul", name: "mm inner dims differ", example: "mm(zeros(2, 3), zeros(2, 3))",
    run: () => mm(zeros(2, 3), zeros(2, 3)), type: RangeError,
    message: /^mm: shapes \[2, 3\] and \[2, 3\] cannot be multiplied \(3 != 2\)$/,
  },
  {
    family: "matmul", name: "dot of different lengths", example: "dot(zeros(3), zeros(4))",
    run: () => dot(zeros(3), zeros(4)), type: RangeError,
    message: /^dot: the tensors have 3 and 4 elements; they must have the same number$/,
  },
  {
    family: "matmul", name: "dot of a matrix", example: "dot(zeros(2, 2), zeros(2))",
    run: () => dot(zeros(2, 2), zeros(2)), type: RangeError,
    message: /^dot: expects 1-D tensors, got shapes \[2, 2\] and \[2\]$/,
  },

  // ---- broadcasting ----------------------------------------------------------------
  {
    family: "broadcasting", name: "trailing dims differ", example: "zeros(2, 3).add(zeros(4))",
    run: () => zeros(2, 3).add(zeros(4)), type: RangeError,
    message: /^add: shapes \[2, 3\] and \[4\] cannot be broadcast together \(dim -1: 3 vs 4\)$/,
    after: () => expect(zeros(2, 3).add(ones(3)).sum().item()).toBe(6),
  },
  {
    family: "broadcasting", name: "transposed shapes", example: "zeros(2, 3).mul(zeros(3, 2))",
    run: () => zeros(2, 3).mul(zeros(3, 2)), type: RangeError,
    message: /^mul: shapes \[2, 3\] and \[3, 2\] cannot be broadcast together \(dim -2: 2 vs 3\)$/,
  },
  {
    family: "broadcasting", name: "comparison", example: "zeros(2, 3).lt(zeros(2))",
    run: () => zeros(2, 3).lt(zeros(2)), type: RangeError,
    message: /^lt: shapes \[2, 3\] and \[2\] cannot be broadcast together \(dim -1: 3 vs 2\)$/,
  },
  {
    family: "broadcasting", name: "in-place result would grow", example: "zeros(3).add_(zeros(2, 3))",
    run: () => zeros(3).add_(zeros(2, 3)), type: RangeError,
    message: /^add_: the operand of shape \[2, 3\] does not broadcast to the tensor's shape \[3\]$/,
  },
  {
    family: "broadcasting", name: "copy_ from another shape", example: "zeros(3).copy_(zeros(4))",
    run: () => zeros(3).copy_(zeros(4)), type: RangeError,
    message: /^copy_: shapes \[3\] and \[4\] cannot be broadcast together \(dim -1: 3 vs 4\)$/,
  },
  {
    family: "broadcasting", name: "expand to a different size", example: "zeros(3).expand(2, 4)",
    run: () => zeros(3).expand(2, 4), type: RangeError,
    message: /^expand: the tensor of shape \[3\] cannot be expanded to \[2, 4\] \(dim 1: 3 vs 4\)$/,
  },
  {
    family: "broadcasting", name: "expand to fewer dims", example: "zeros(2, 3).expand(3)",
    run: () => zeros(2, 3).expand(3), type: RangeError,
    message: /^expand: the target shape \[3\] has fewer dims than the tensor's \[2, 3\]$/,
  },
  {
    family: "broadcasting", name: "mseLoss of mismatched shapes", example: "mseLoss(zeros(2, 3), zeros(3, 2))",
    run: () => mseLoss(zeros(2, 3), zeros(3, 2)), type: RangeError,
    message: /^mseLoss: shapes \[2, 3\] and \[3, 2\] cannot be broadcast together \(dim -2: 2 vs 3\)$/,
  },

  // ---- reshape and friends ---------------------------------------------------------
  {
    family: "reshape", name: "wrong number of elements", example: "zeros(2, 3).reshape(4, 2)",
    run: () => zeros(2, 3).reshape(4, 2), type: RangeError,
    message: /^reshape: shape \[4, 2\] is invalid for input of size 6 \(shape \[2, 3\]\)$/,
    after: () => expect(zeros(2, 3).reshape(3, 2).shape).toEqual([3, 2]),
  },
  {
    family: "reshape", name: "-1 cannot be inferred", example: "zeros(2, 3).view(-1, 4)",
    run: () => zeros(2, 3).view(-1, 4), type: RangeError,
    message: /^reshape: shape \[-1, 4\] is invalid for input of size 6$/,
  },
  {
    family: "reshape", name: "two -1 dims", example: "zeros(2, 3).reshape(-1, -1)",
    run: () => zeros(2, 3).reshape(-1, -1), type: TypeError,
    message: /^reshape: only one dimension can be -1, got shape \[-1, -1\]$/,
  },
  {
    family: "reshape", name: "non-integer size", example: "zeros(2, 3).reshape(1.5, 4)",
    run: () => zeros(2, 3).reshape(1.5, 4), type: TypeError,
    message: /^reshape: invalid size 1\.5 in shape \[1\.5, 4\]$/,
  },
  {
    family: "reshape", name: "negative size", example: "zeros(2, 3).reshape(-2, -3)",
    run: () => zeros(2, 3).reshape(-2, -3), type: TypeError,
    message: /^reshape: invalid size -2 in shape \[-2, -3\]$/,
  },
  {
    family: "reshape", name: "permute with too few dims", example: "zeros(2, 3).permute(0)",
    run: () => zeros(2, 3).permute(0), type: RangeError,
    message: /^permute: got 1 dims \[0\] for a tensor of 2 dims$/,
  },
  {
    family: "reshape", name: "permute with a repeated dim", example: "zeros(2, 3).permute(0, 0)",
    run: () => zeros(2, 3).permute(0, 0), type: RangeError,
    message: /^permute: repeated dim in \[0, 0\]$/,
  },
  {
    family: "reshape", name: "t() of a 3-D tensor", example: "zeros(2, 3, 4).t()",
    run: () => zeros(2, 3, 4).t(), type: RangeError,
    message: /^t: expects a tensor with <= 2 dims, but got 3 dims \(shape \[2, 3, 4\]\)$/,
  },

  // ---- indexSelect -----------------------------------------------------------------
  {
    family: "indexSelect", name: "index past the end", example: "zeros(3, 4).indexSelect(0, [0, 3])",
    run: () => zeros(3, 4).indexSelect(0, [0, 3]), type: RangeError,
    message: /^indexSelect: index 3 is out of range for a dim of size 3 \(dim 0 of the tensor of shape \[3, 4\]; expected 0 <= index < 3\)$/,
    after: () => expect(arange(6).reshape(3, 2).indexSelect(0, [2, 0]).toArray()).toEqual([[4, 5], [0, 1]]),
  },
  {
    family: "indexSelect", name: "a negative index (torch's index_select takes none)", example: "zeros(3, 4).indexSelect(1, [-1])",
    run: () => zeros(3, 4).indexSelect(1, [-1]), type: RangeError,
    message: /^indexSelect: index -1 is out of range for a dim of size 4 \(dim 1 of the tensor of shape \[3, 4\]; expected 0 <= index < 4\)$/,
  },
  {
    family: "indexSelect", name: "float index tensor", example: "zeros(3, 4).indexSelect(0, zeros(2))",
    run: () => zeros(3, 4).indexSelect(0, zeros(2)), type: TypeError,
    message: /^indexSelect: index must be an int32 tensor, got float32$/,
  },
  {
    family: "indexSelect", name: "2-D index", example: "zeros(3, 4).indexSelect(0, tensor([[0]]))",
    run: () => zeros(3, 4).indexSelect(0, tensor([[0]])), type: RangeError,
    message: /^indexSelect: index must be 0-d or 1-D, got shape \[1, 1\]$/,
  },
  {
    family: "indexSelect", name: "non-integer index", example: "zeros(3, 4).indexSelect(0, [0.5])",
    run: () => zeros(3, 4).indexSelect(0, [0.5]), type: TypeError,
    message: /^indexSelect: index values must be integers, got 0\.5$/,
  },
  {
    family: "indexSelect", name: "dim out of range", example: "zeros(3, 4).indexSelect(2, [0])",
    run: () => zeros(3, 4).indexSelect(2, [0]), type: RangeError,
    message: /^indexSelect: dim 2 is out of range for a tensor of 2 dims \(expected -2 <= dim < 2\)$/,
  },
  {
    family: "indexSelect", name: "0-d input", example: "indexSelect(tensor(1.5), 0, [0])",
    run: () => indexSelect(tensor(1.5), 0, [0]), type: RangeError,
    message: /^indexSelect: expects a tensor with at least one dim, got a 0-d tensor$/,
  },

  // ---- diag ------------------------------------------------------------------------
  {
    family: "diag", name: "3-D input", example: "diag(zeros(2, 2, 2))",
    run: () => diag(zeros(2, 2, 2)), type: RangeError,
    message: /^diag: expects a 1-D or 2-D tensor, got shape \[2, 2, 2\]$/,
    after: () => expect(diag(f([1, 2])).toArray()).toEqual([[1, 0], [0, 2]]),
  },
  {
    family: "diag", name: "0-d input", example: "diag(tensor(1.5))",
    run: () => diag(tensor(1.5)), type: RangeError,
    message: /^diag: expects a 1-D or 2-D tensor, got shape \[\]$/,
  },

  // ---- nested arrays ---------------------------------------------------------------
  {
    family: "nested arrays", name: "ragged rows", example: "tensor([[1, 2], [3]])",
    run: () => tensor([[1, 2], [3]]), type: TypeError,
    message: /^tensor: ragged nested array: expected a list of length 2 at \[1\], got a list of length 1$/,
    after: () => expect(tensor([[1, 2], [3, 4]]).toArray()).toEqual([[1, 2], [3, 4]]),
  },
  {
    family: "nested arrays", name: "a number where a row should be", example: "tensor([[1, 2], 3])",
    run: () => tensor([[1, 2], 3]), type: TypeError,
    message: /^tensor: ragged nested array: expected a list of length 2 at \[1\], got a number$/,
  },
  {
    family: "nested arrays", name: "ragged deep inside", example: "tensor([[[1], [2]], [[3], [4, 5]]])",
    run: () => tensor([[[1], [2]], [[3], [4, 5]]]), type: TypeError,
    message: /^tensor: ragged nested array: expected a list of length 1 at \[1\]\[1\], got a list of length 2$/,
  },
  {
    family: "nested arrays", name: "a row where a number should be", example: "tensor([1, [2]])",
    run: () => tensor([1, [2]]), type: TypeError,
    message: /^tensor: element \[1\] must be a number or a boolean, got a list \(ragged nesting\)$/,
  },
  {
    family: "nested arrays", name: "a string element", example: 'tensor([1, "a"])',
    run: () => tensor([1, "a"] as never), type: TypeError,
    message: /^tensor: element \[1\] must be a number or a boolean, got the string "a"$/,
  },
  {
    family: "nested arrays", name: "a null element", example: "tensor([[1, null]])",
    run: () => tensor([[1, null]] as never), type: TypeError,
    message: /^tensor: element \[0\]\[1\] must be a number or a boolean, got null$/,
  },
  {
    family: "nested arrays", name: "undefined data", example: "tensor(undefined)",
    run: () => tensor(undefined as never), type: TypeError,
    message: /^tensor: element value must be a number or a boolean, got undefined$/,
  },
  {
    family: "nested arrays", name: "a BigInt element", example: "tensor([1n])",
    run: () => tensor([1n] as never), type: TypeError,
    message: /^tensor: element \[0\] must be a number or a boolean, got bigint$/,
  },
  {
    family: "nested arrays", name: "NaN into int32", example: 'tensor([NaN, 1], { dtype: "int32" })',
    run: () => tensor([NaN, 1], { dtype: "int32" }), type: RangeError,
    message: /^tensor: NaN cannot be stored in an int32 tensor$/,
  },
  {
    family: "nested arrays", name: "an integer too large for int32", example: "tensor([3e9])",
    run: () => tensor([3e9]), type: RangeError,
    message: /^tensor: value 3000000000 does not fit in int32\. The data holds only integers, so tensor\(\) made an int32 tensor \(wasmgrad's stand-in for torch's int64\); pass \{ dtype: "float32" \} for floating point$/,
    after: () => expect(tensor([3e9], { dtype: "float32" }).item()).toBe(3e9),
  },
  {
    family: "nested arrays", name: "an integer too large for an explicit int32", example: 'tensor([1e40], { dtype: "int32" })',
    run: () => tensor([1e40], { dtype: "int32" }), type: RangeError,
    message: /^tensor: value 1e\+40 does not fit in int32$/,
  },

  // ---- dtypes ----------------------------------------------------------------------
  {
    family: "dtype", name: "unknown dtype", example: 'zeros(2, { dtype: "float64" })',
    run: () => zeros(2, { dtype: "float64" as never }), type: TypeError,
    message: /^zeros: unsupported dtype "float64"; expected one of float32, int32, bool$/,
    after: () => expect(zeros(2, { dtype: "int32" }).dtype).toBe("int32"),
  },
  {
    family: "dtype", name: "to() an unknown dtype", example: 'zeros(2).to("float16")',
    run: () => zeros(2).to("float16" as never), type: TypeError,
    message: /^to: unsupported dtype "float16"; expected one of float32, int32, bool$/,
  },
  {
    family: "dtype", name: "subtracting two bools", example: "tensor([true]).sub(tensor([false]))",
    run: () => tensor([true]).sub(tensor([false])), type: TypeError,
    message: /^sub: arithmetic on two bool tensors is not supported; convert one with \.int\(\) or \.float\(\)$/,
  },
  {
    family: "dtype", name: "negating a bool tensor", example: "tensor([true]).neg()",
    run: () => tensor([true]).neg(), type: TypeError,
    message: /^neg: not supported on a bool tensor \(shape \[1\]\); to invert a mask, use x\.eq\(false\)$/,
  },
  {
    family: "dtype", name: "float result into an int32 tensor in place", example: "tensor([1, 2]).add_(0.5)",
    run: () => tensor([1, 2]).add_(0.5), type: TypeError,
    message: /^add_: result type float32 can't be cast to the tensor's dtype int32$/,
  },
  {
    family: "dtype", name: "an integer beyond int32 with an int tensor", example: "tensor([1, 2]).lt(3e9)",
    run: () => tensor([1, 2]).lt(3e9), type: RangeError,
    message: /^wasmgrad: 3000000000 does not fit in int32 \(wasmgrad's stand-in for int64\); use a float32 tensor for it$/,
    after: () => expect(tensor([1, 2]).float().lt(3e9).toArray()).toEqual([true, true]),
  },
  {
    family: "dtype", name: "an int fill value beyond int32", example: "full([2], 3e9)",
    run: () => full([2], 3e9), type: RangeError,
    message: /^wasmgrad: 3000000000 does not fit in int32 \(wasmgrad's stand-in for int64\); use a float32 tensor for it$/,
  },
  {
    family: "dtype", name: "a fractional alpha with int tensors", example: "tensor([1, 2]).add(tensor([1, 1]), 2.5)",
    run: () => tensor([1, 2]).add(tensor([1, 1]), 2.5), type: TypeError,
    message: /^add: for integral input tensors, argument alpha must not be a floating point number, got 2\.5$/,
  },
  {
    family: "dtype", name: "int32 tensor requiring grad", example: 'tensor([1, 2], { dtype: "int32", requiresGrad: true })',
    run: () => tensor([1, 2], { dtype: "int32", requiresGrad: true }), type: TypeError,
    message: /^tensor: only float32 tensors can require gradients, got int32$/,
  },
  {
    family: "dtype", name: "a convolution of an int32 image", example: "F.conv2d(zeros([1, 1, 3, 3], { dtype: \"int32\" }), zeros(1, 1, 2, 2))",
    run: () => F.conv2d(zeros([1, 1, 3, 3], { dtype: "int32" }), zeros(1, 1, 2, 2)), type: TypeError,
    message: /^conv2d: expected a float32 input, got int32; convert with \.float\(\) first$/,
  },
  {
    family: "dtype", name: "max-pooling an int32 image", example: "F.maxPool2d(zeros([1, 2, 2], { dtype: \"int32\" }), 2)",
    run: () => F.maxPool2d(zeros([1, 2, 2], { dtype: "int32" }), 2), type: TypeError,
    message: /^maxPool2d: expected a float32 input, got int32; convert with \.float\(\) first$/,
  },
  {
    family: "dtype", name: "layerNorm of int32 features", example: "F.layerNorm(zeros([2, 3], { dtype: \"int32\" }), [3])",
    run: () => F.layerNorm(zeros([2, 3], { dtype: "int32" }), [3]), type: TypeError,
    message: /^layerNorm: expected a float32 input, got int32; convert with \.float\(\) first$/,
  },
  {
    family: "dtype", name: "dropout of an int32 tensor", example: "F.dropout(zeros([4], { dtype: \"int32\" }), 0.5)",
    run: () => F.dropout(zeros([4], { dtype: "int32" }), 0.5), type: TypeError,
    message: /^dropout: expected a float32 input, got int32; convert with \.float\(\) first$/,
  },
  {
    family: "dtype", name: "l1Loss of int32 tensors", example: "F.l1Loss(tensor([1, 2]), tensor([1, 3]))",
    run: () => F.l1Loss(tensor([1, 2]), tensor([1, 3])), type: TypeError,
    message: /^l1Loss: expected a float32 input, got int32; convert with \.float\(\) first$/,
  },
  {
    family: "dtype", name: "norm of an int32 tensor", example: "tensor([3, 4]).norm()",
    run: () => tensor([3, 4]).norm(), type: TypeError,
    message: /^norm: expected a float32 input, got int32; convert with \.float\(\) first$/,
  },
  {
    family: "dtype", name: "constant padding of an int32 tensor", example: "F.pad(tensor([1, 2]), [1, 1])",
    run: () => F.pad(tensor([1, 2]), [1, 1]), type: TypeError,
    message: /^pad: expected a float32 input, got int32; convert with \.float\(\) first$/,
    after: () => expect(F.pad(tensor([[1, 2, 3]]), [1, 1], "reflect").toArray()).toEqual([[2, 1, 2, 3, 2]]),
  },
  {
    family: "arguments", name: "torch's positional stride and padding of a convolution", example: "F.conv2d(x, w, null, 1, 1)",
    run: () => F.conv2d(zeros(1, 1, 4, 4), zeros(1, 1, 3, 3), null, 1 as never), type: TypeError,
    message: /^conv2d: expected an options object, got a number; name the arguments, e\.g\. \{ stride: 2 \}$/,
    after: () => expect(F.conv2d(zeros(1, 1, 4, 4), zeros(1, 1, 3, 3), null, { padding: 1 }).shape).toEqual([1, 1, 4, 4]),
  },
  {
    family: "arguments", name: "torch's positional stride of a pooling", example: "F.maxPool2d(x, 3, 2)",
    run: () => F.maxPool2d(zeros(1, 1, 6, 6), 3, 2 as never), type: TypeError,
    message: /^maxPool2d: expected an options object, got a number; name the arguments/,
    after: () => expect((F.maxPool2d(zeros(1, 1, 6, 6), 3, { stride: 2, padding: 1 }) as Tensor).shape).toEqual([1, 1, 3, 3]),
  },
  {
    family: "spelling", name: "torch's weight_decay in an optimizer's options", example: "new optim.Adam([w], { weight_decay: 0.01 })",
    run: () => new optim.Adam([zeros(2).requiresGrad_()], { weight_decay: 0.01 } as never), type: TypeError,
    message: /^Adam: weight_decay is torch's spelling \(camelCase here: weightDecay\)$/,
  },
  {
    family: "spelling", name: "torch's ignore_index in a loss's options", example: "F.crossEntropy(x, y, { ignore_index: 0 })",
    run: () => F.crossEntropy(zeros(2, 3), tensor([0, 1]), { ignore_index: 0 } as never), type: TypeError,
    message: /^crossEntropy: ignore_index is torch's spelling \(camelCase here: ignoreIndex\)$/,
  },
  {
    family: "spelling", name: "torch's requires_grad in a factory's options", example: "zeros(2, { requires_grad: true })",
    run: () => zeros(2, { requires_grad: true } as never), type: TypeError,
    message: /^zeros: requires_grad is torch's spelling \(camelCase here: requiresGrad\)$/,
  },
  {
    family: "spelling", name: "torch's ceil_mode in a pooling's options", example: "F.maxPool2d(x, 2, { ceil_mode: true })",
    run: () => F.maxPool2d(zeros(1, 1, 4, 4), 2, { ceil_mode: true } as never), type: TypeError,
    message: /^maxPool2d: ceil_mode is torch's spelling \(camelCase here: ceilMode\)$/,
  },
  {
    family: "spelling", name: "torch's return_indices in a pooling's only options object", example: "F.maxPool2d(x, { kernelSize: 2, return_indices: true })",
    run: () => F.maxPool2d(zeros(1, 1, 4, 4), { kernelSize: 2, return_indices: true } as never), type: TypeError,
    message: /^maxPool2d: return_indices is torch's spelling \(camelCase here: returnIndices\)$/,
  },
  {
    family: "spelling", name: "a snake_case key in a convolution's options in bias's place (there is no padding mode: the message does not promise one)", example: "F.conv2d(x, w, { padding_mode: \"zeros\" })",
    run: () => F.conv2d(zeros(1, 1, 4, 4), zeros(1, 1, 3, 3), { padding_mode: "zeros" } as never), type: TypeError,
    message: /^conv2d: padding_mode is torch's spelling \(camelCase here: paddingMode\)$/,
  },
  {
    family: "spelling", name: "a snake_case key in an options object after positional arguments", example: "x.std(1, { keep_dim: true })",
    run: () => f([[1, 2], [3, 4]]).std(1, { keep_dim: true } as never), type: TypeError,
    message: /^std: keep_dim is torch's spelling \(camelCase here: keepDim\)$/,
  },
  {
    family: "losses", name: "a number where a loss takes its weight, reduction or options", example: "F.crossEntropy(x, y, null, 5)",
    run: () => F.crossEntropy(f([[1, 2]]), tensor([0]), null, 5 as never), type: TypeError,
    message: /^crossEntropy: expected an options object, got a number; name the arguments, e\.g\. \{ stride: 2 \}$/,
  },
  {
    family: "indexing", name: "scatter with torch's reduce=\"multiply\"", example: 'zeros(2, 3).scatter(1, tensor([[0]]), 2, "multiply")',
    run: () => zeros(2, 3).scatter(1, tensor([[0]]), 2, "multiply" as never), type: RangeError,
    message: /^scatter: reduce "multiply" is not supported \("add" is\)$/,
  },
  {
    family: "dtype", name: "mean of an int32 tensor", example: "tensor([1, 2]).mean()",
    run: () => tensor([1, 2]).mean(), type: TypeError,
    message: /^mean: expected a float32 input, got int32; convert with \.float\(\) first$/,
  },
  {
    family: "dtype", name: "integer to a negative power", example: "tensor([1, 2]).pow(-1)",
    run: () => tensor([1, 2]).pow(-1), type: RangeError,
    message: /^pow: integers to negative integer powers are not allowed \(int32 tensor of shape \[2\] to the power -1\)$/,
  },
  {
    family: "dtype", name: "rand of int32", example: 'rand(2, { dtype: "int32" })',
    run: () => rand(2, { dtype: "int32" }), type: TypeError,
    message: /^rand: only float32 is supported, got int32$/,
  },

  // ---- dims ------------------------------------------------------------------------
  {
    family: "dims", name: "sum over a dim past the end", example: "zeros(2, 3).sum(2)",
    run: () => zeros(2, 3).sum(2), type: RangeError,
    message: /^sum: dim 2 is out of range for a tensor of 2 dims \(expected -2 <= dim < 2\)$/,
    after: () => expect(ones(2, 3).sum(-1).toArray()).toEqual([3, 3]),
  },
  {
    family: "dims", name: "sum over a repeated dim", example: "zeros(2, 3).sum([0, 0])",
    run: () => zeros(2, 3).sum([0, 0]), type: RangeError,
    message: /^sum: dim 0, 0 appears more than once in the list of dims$/,
  },
  {
    family: "dims", name: "transpose with a dim past the end", example: "zeros(2, 3).transpose(0, 3)",
    run: () => zeros(2, 3).transpose(0, 3), type: RangeError,
    message: /^transpose: dim 3 is out of range for a tensor of 2 dims \(expected -2 <= dim < 2\)$/,
  },
  {
    family: "dims", name: "non-integer dim", example: "zeros(2, 3).transpose(0.5, 1)",
    run: () => zeros(2, 3).transpose(0.5, 1), type: RangeError,
    message: /^transpose: dim 0\.5 is out of range for a tensor of 2 dims \(expected -2 <= dim < 2\)$/,
  },
  {
    family: "dims", name: "unsqueeze past the end", example: "zeros(2, 3).unsqueeze(4)",
    run: () => zeros(2, 3).unsqueeze(4), type: RangeError,
    message: /^unsqueeze: dim 4 is out of range for a tensor of 3 dims \(expected -3 <= dim < 3\)$/,
  },
  {
    family: "dims", name: "flatten with its start after its end", example: "zeros(2, 3, 4).flatten(2, 1)",
    run: () => zeros(2, 3, 4).flatten(2, 1), type: RangeError,
    message: /^flatten: startDim 2 is after endDim 1$/,
  },
  {
    family: "dims", name: "flatten from a dim past the end", example: "zeros(2, 3).flatten(2)",
    run: () => zeros(2, 3).flatten(2), type: RangeError,
    message: /^flatten: dim 2 is out of range for a tensor of 2 dims \(expected -2 <= dim < 2\)$/,
  },
  {
    family: "dims", name: "max along a dim past the end", example: "zeros(2, 3).max(3)",
    run: () => zeros(2, 3).max(3), type: RangeError,
    message: /^max: dim 3 is out of range for a tensor of 2 dims \(expected -2 <= dim < 2\)$/,
  },
  {
    family: "dims", name: "sort along a dim past the end", example: "zeros(2, 3).sort({ dim: 2 })",
    run: () => zeros(2, 3).sort({ dim: 2 }), type: RangeError,
    message: /^sort: dim 2 is out of range for a tensor of 2 dims \(expected -2 <= dim < 2\)$/,
  },
  {
    family: "dims", name: "size() of a dim past the end", example: "zeros(2, 3).size(5)",
    run: () => zeros(2, 3).size(5), type: RangeError,
    message: /^size: dim 5 is out of range for a tensor of 2 dims \(expected -2 <= dim < 2\)$/,
  },
  {
    family: "dims", name: "max of an empty tensor", example: "zeros(0, 3).max()",
    run: () => zeros(0, 3).max(), type: RangeError,
    message: /^max: the tensor of shape \[0, 3\] is empty; specify a dim or use a non-empty tensor$/,
  },
  {
    family: "dims", name: "item() of several elements", example: "zeros(2).item()",
    run: () => zeros(2).item(), type: Error,
    message: /^item: only one-element tensors can be converted to a number, this one has shape \[2\]$/,
  },

  // ---- autograd --------------------------------------------------------------------
  {
    family: "autograd", name: "backward of a non-scalar without a gradient", example: "x.mul(x).backward()",
    run: () => square().y.backward(), type: Error,
    message: /^backward: grad can be implicitly created only for scalar outputs, but the tensor has shape \[2\]; pass a gradient of the same shape, e\.g\. onesLike\(y\)$/,
    after: () => {
      const { x, y } = square();
      y.backward(ones(2));
      expect(x.grad!.toArray()).toEqual([2, 4]);
      x.grad!.dispose();
    },
  },
  {
    family: "autograd", name: "a gradient of the wrong shape", example: "x.mul(x).backward(ones(3))",
    run: () => square().y.backward(ones(3)), type: Error,
    message: /^backward: gradient has shape \[3\] but the tensor has shape \[2\]$/,
  },
  {
    family: "autograd", name: "an int32 gradient", example: "x.mul(x).backward(tensor([1, 1]))",
    run: () => square().y.backward(tensor([1, 1])), type: TypeError,
    message: /^backward: gradient must be float32, got int32$/,
  },
  {
    family: "autograd", name: "torch's keyword spelling of an option", example: "x.mul(x).sum().backward({ retain_graph: true })",
    run: () => square().y.sum().backward({ retain_graph: true } as never), type: TypeError,
    message: /^backward: retain_graph is torch's spelling \(camelCase here: retainGraph\)$/,
  },
  {
    family: "autograd", name: "a number as the gradient", example: "x.mul(x).sum().backward(2)",
    run: () => square().y.sum().backward(2 as never), type: TypeError,
    message: /^backward: expected a Tensor, got a number$/,
  },
  {
    family: "autograd", name: "an empty inputs list", example: "x.mul(x).sum().backward({ inputs: [] })",
    run: () => square().y.sum().backward({ inputs: [] }), type: RangeError,
    message: /^backward: inputs cannot be empty$/,
  },
  {
    family: "autograd", name: "an input that does not require grad", example: "x.mul(x).sum().backward({ inputs: [zeros(2)] })",
    run: () => square().y.sum().backward({ inputs: [zeros(2)] }), type: Error,
    message: /^backward: input 0 \(shape \[2\]\) does not require grad$/,
  },
  {
    family: "autograd", name: "a flag that is not a boolean", example: "x.requiresGrad = 0",
    run: () => { zeros(2).requiresGrad = 0 as never; }, type: TypeError,
    message: /^requiresGrad: expected true or false, got a number$/,
  },
  {
    family: "autograd", name: "turning off requiresGrad of a non-leaf", example: "x.mul(x).requiresGrad_(false)",
    run: () => square().y.requiresGrad_(false), type: Error,
    message: /^requiresGrad: can only change the flag of leaf tensors; this one was produced by MulBackward0\. Use detach\(\) first$/,
  },
  {
    family: "autograd", name: "an in-place op whose operand requires grad", example: "zeros(2).add_(x)",
    run: () => zeros(2).add_(leaf([1, 2])), type: Error,
    message: /^add_: in-place ops record no graph, and the operand requires grad; use the out-of-place op, or detach\(\) first$/,
    after: () => {
      const x = leaf([1, 2]);
      const y = zeros(2).add_(x.detach());
      expect(y.toArray()).toEqual([1, 2]);
      expect(y.requiresGrad).toBe(false);
    },
  },
  {
    family: "autograd", name: "backward through a freed graph", example: "y = x.mul(x).sum(); y.backward(); y.backward()",
    run: () => {
      const { x, y } = square();
      const s = y.sum();
      s.backward();
      x.grad!.dispose();
      x.grad = null;
      s.backward();
    },
    type: Error,
    message: /^backward: trying to backward through the graph a second time \(MulBackward0 was already freed\); pass \{ retainGraph: true \} to the first backward\(\) if you need to$/,
  },
  {
    family: "autograd", name: "backward of a tensor without a graph", example: "zeros(2).sum().backward()",
    run: () => zeros(2).sum().backward(), type: Error,
    message: /^backward: the tensor does not require grad and has no grad_fn; nothing to differentiate$/,
  },
  {
    family: "autograd", name: "a saved tensor was disposed", example: "y = x.sin(); x.dispose(); y.sum().backward()",
    run: () => {
      const x = leaf([1, 2]);
      const y = x.sin();
      x.dispose();
      y.sum().backward();
    },
    type: Error,
    message: /^backward: a tensor of shape \[2\] that SinBackward0 saved for the backward pass was disposed; keep the tensors of a graph alive until backward\(\) has run$/,
  },
  {
    family: "autograd", name: "a saved tensor was modified in place", example: "y = x.sin(); noGrad(() => x.add_(1)); y.sum().backward()",
    run: () => {
      const x = leaf([1, 2]);
      const y = x.sin();
      noGrad(() => x.add_(1));
      y.sum().backward();
    },
    type: Error,
    message: /^backward: one of the tensors needed for gradient computation \(shape \[2\], saved by SinBackward0\) has been modified by an in-place operation \(version 1, expected 0\)$/,
  },
  {
    family: "autograd", name: "a second derivative through an op without double backward",
    example: "[g] = autograd.grad(F.avgPool2d(x, 2).pow(2).sum(), x, { createGraph: true }); g.sum().backward()",
    run: () => {
      const x = rand([1, 1, 2, 2]).requiresGrad_();
      const [g] = autograd.grad(F.avgPool2d(x, 2).pow(2).sum(), x, { createGraph: true });
      g!.sum().backward();
    },
    type: Error,
    message: /^backward: AvgPool2DBackward0 has no double backward yet, so a second derivative cannot pass through it; differentiate once$/,
  },
  {
    family: "autograd", name: "autograd.grad of an input the outputs do not use", example: "autograd.grad(x.sum(), [x, z])",
    run: () => autograd.grad(leaf([1, 2]).sum(), [leaf([1, 2]), leaf([3])]), type: Error,
    message: /^autograd.grad: input 0 \(shape \[2\]\) was not used in the graph of the outputs; pass \{ allowUnused: true \} to get null for it$/,
  },
  {
    family: "autograd", name: "autograd.grad w.r.t. a tensor without grad", example: "autograd.grad(x.sum(), zeros(2))",
    run: () => autograd.grad(leaf([1, 2]).sum(), zeros(2)), type: Error,
    message: /^autograd.grad: input 0 \(shape \[2\]\) does not require grad$/,
  },
  {
    family: "autograd", name: "in-place update of a leaf that requires grad", example: "x.sub_(1)   // outside noGrad",
    run: () => leaf([1, 2]).sub_(1), type: Error,
    message: /^sub_: a leaf tensor that requires grad \(shape \[2\]\) is being used in an in-place operation; wrap the update in noGrad\(\(\) => \.\.\.\)$/,
    after: () => expect(noGrad(() => leaf([1, 2]).sub_(1)).toArray()).toEqual([0, 1]),
  },
  {
    family: "autograd", name: "in-place update inside a graph", example: "x.mul(2).add_(1)",
    run: () => leaf([1, 2]).mul(2).add_(1), type: Error,
    message: /^add_: in-place ops record no graph, and the tensor is part of one \(made by MulBackward0\); use the out-of-place op, or detach\(\) first$/,
  },
  {
    family: "autograd", name: "requiresGrad of a non-leaf", example: "x.mul(2).requiresGrad = false",
    run: () => {
      leaf([1, 2]).mul(2).requiresGrad = false;
    },
    type: Error,
    message: /^requiresGrad: can only change the flag of leaf tensors; this one was produced by MulBackward0\. Use detach\(\) first$/,
  },

  // ---- disposed tensors ------------------------------------------------------------
  {
    family: "disposed", name: "an op on a disposed tensor", example: "t.dispose(); t.add(1)",
    run: () => {
      const t = zeros(2);
      t.dispose();
      t.add(1);
    },
    type: Error,
    message: /^add: tensor of shape \[2\] \(float32\) was disposed and cannot be used$/,
    after: () => expect(zeros(2).add(1).toArray()).toEqual([1, 1]),
  },
  {
    family: "disposed", name: "reading a disposed tensor", example: "t.dispose(); t.item()",
    run: () => {
      const t = tensor(1.5);
      t.dispose();
      t.item();
    },
    type: Error,
    message: /^item: tensor of shape \[\] \(float32\) was disposed and cannot be used$/,
  },
  {
    family: "disposed", name: "a disposed operand of matmul", example: "b.dispose(); a.matmul(b)",
    run: () => {
      const b = zeros(3, 2);
      b.dispose();
      zeros(2, 3).matmul(b);
    },
    type: Error,
    message: /^matmul: tensor of shape \[3, 2\] \(float32\) was disposed and cannot be used$/,
  },
  {
    family: "disposed", name: "a disposed gradient for backward", example: "g.dispose(); y.backward(g)",
    run: () => {
      const g = ones(2);
      g.dispose();
      square().y.backward(g);
    },
    type: Error,
    message: /^backward: tensor of shape \[2\] \(float32\) was disposed and cannot be used$/,
  },

  // ---- optimizers ------------------------------------------------------------------
  {
    family: "optim", name: "a non-leaf parameter", example: "new optim.SGD([x.mul(2)], { lr: 0.1 })",
    run: () => new optim.SGD([leaf([1, 2]).mul(2)], { lr: 0.1 }), type: Error,
    message: /^SGD: params\[0\] is not a leaf tensor \(produced by MulBackward0\); can't optimize a non-leaf Tensor$/,
    after: () => {
      const p = leaf([1, 2]);
      p.grad = keep(ones(2));
      new optim.SGD([p], { lr: 0.5 }).step();
      expect(p.toArray()).toEqual([0.5, 1.5]);
      p.grad.dispose();
    },
  },
  {
    family: "optim", name: "a parameter given twice", example: "new optim.Adam([p, p])",
    run: () => {
      const p = leaf([1, 2]);
      new optim.Adam([p, p]);
    },
    type: Error,
    message: /^Adam: params\[1\] appears more than once in the parameter list$/,
  },
  {
    family: "optim", name: "no parameters", example: "new optim.SGD([], { lr: 0.1 })",
    run: () => new optim.SGD([], { lr: 0.1 }), type: Error,
    message: /^SGD: optimizer got an empty parameter list$/,
  },
  {
    family: "optim", name: "an int32 parameter", example: "new optim.Adam([tensor([1, 2])])",
    run: () => new optim.Adam([tensor([1, 2])]), type: TypeError,
    message: /^Adam: params\[0\] has dtype int32; only float32 tensors can be optimized$/,
  },
  {
    family: "optim", name: "a NaN learning rate", example: "new optim.SGD([p], { lr: NaN })",
    run: () => new optim.SGD([leaf([1])], { lr: NaN }), type: RangeError,
    message: /^SGD: invalid learning rate \(lr\): NaN \(expected a number >= 0\)$/,
  },
  {
    family: "optim", name: "a beta of 1", example: "new optim.Adam([p], { betas: [1, 0.9] })",
    run: () => new optim.Adam([leaf([1])], { betas: [1, 0.9] }), type: RangeError,
    message: /^Adam: invalid beta parameter at index 0: 1 \(expected a number in \[0, 1\)\)$/,
  },
  {
    family: "optim", name: "a gradient of the wrong shape", example: "p.grad = zeros(3); new optim.SGD([p], { lr: 0.1 }).step()",
    run: () => {
      const p = leaf([1, 2]);
      p.grad = zeros(3);
      new optim.SGD([p], { lr: 0.1 }).step();
    },
    type: Error,
    message: /^SGD\.step: params\[0\] has shape \[2\] but its grad has shape \[3\]$/,
  },

  // ---- linalg ----------------------------------------------------------------------
  {
    family: "linalg", name: "inverse of a non-square matrix", example: "linalg.inv(zeros(2, 3))",
    run: () => linalg.inv(zeros(2, 3)), type: RangeError,
    message: /^linalg\.inv: A must be batches of square matrices, but they are 2 by 3 matrices \(shape \[2, 3\]\)$/,
    after: () => expect(linalg.inv(f([[2, 0], [0, 4]])).toArray()).toEqual([[0.5, 0], [0, 0.25]]),
  },
  {
    family: "linalg", name: "inverse of a singular matrix", example: "linalg.inv(tensor([[1, 2], [2, 4]], { dtype: \"float32\" }))",
    run: () => linalg.inv(f([[1, 2], [2, 4]])), type: Error,
    message: /^linalg\.inv: the matrix is singular: pivot 1 of the LU decomposition is zero, so it has no inverse$/,
  },
  {
    family: "linalg", name: "inverse of a matrix holding NaN", example: "linalg.inv(tensor([[NaN, 2], [2, 4]]))",
    run: () => linalg.inv(f([[NaN, 2], [2, 4]])), type: RangeError,
    message: /^linalg\.inv: the input contains NaN \(at flat index 0\); expected finite values$/,
  },
  {
    family: "linalg", name: "inverse of an int32 matrix", example: "linalg.inv(tensor([[1, 2], [3, 4]]))",
    run: () => linalg.inv(tensor([[1, 2], [3, 4]])), type: TypeError,
    message: /^linalg\.inv: expected a float32 input, got int32; convert with \.float\(\) first$/,
  },
  {
    family: "linalg", name: "inverseGD of a non-square matrix", example: "linalg.inverseGD(zeros(2, 3))",
    run: () => linalg.inverseGD(zeros(2, 3)), type: RangeError,
    message: /^linalg\.inverseGD: M must be square, got shape \[2, 3\]$/,
  },
  {
    family: "linalg", name: "a fractional number of steps", example: "linalg.inverseGD(eye(2), { steps: 1.5 })",
    run: () => linalg.inverseGD(eye(2), { steps: 1.5 }), type: RangeError,
    message: /^linalg\.inverseGD: steps must be a non-negative integer, got 1\.5$/,
  },
  {
    family: "linalg", name: "a NaN learning rate", example: "linalg.inverseGD(eye(2), { steps: 2, lr: NaN })",
    run: () => linalg.inverseGD(eye(2), { steps: 2, lr: NaN }), type: RangeError,
    message: /^linalg\.inverseGD: invalid learning rate \(lr\): NaN \(expected a number >= 0\)$/,
  },
  {
    family: "linalg", name: "svdGD of a vector", example: "linalg.svdGD(zeros(3))",
    run: () => linalg.svdGD(zeros(3)), type: RangeError,
    message: /^linalg\.svdGD: expected a matrix \(2 dims\), got shape \[3\]$/,
  },
  {
    family: "linalg", name: "an unknown optimizer", example: 'linalg.svdGD(eye(3), { steps: 1, optimizer: "rmsprop" })',
    run: () => linalg.svdGD(eye(3), { steps: 1, optimizer: "rmsprop" as never }), type: RangeError,
    message: /^linalg\.svdGD: unknown optimizer "rmsprop"; expected "momentum", "sgd", "adam" or a function \(params\) => optimizer$/,
  },

  // ---- seeds and sizes -------------------------------------------------------------
  {
    family: "seeds and sizes", name: "a NaN seed", example: "manualSeed(NaN)",
    run: () => manualSeed(NaN), type: Error,
    message: /^manualSeed: seed must be a finite integer, got NaN$/,
  },
  {
    family: "seeds and sizes", name: "an infinite seed", example: "manualSeed(Infinity)",
    run: () => manualSeed(Infinity), type: Error,
    message: /^manualSeed: seed must be a finite integer, got Infinity$/,
  },
  {
    family: "seeds and sizes", name: "a fractional seed", example: "manualSeed(1.5)",
    run: () => manualSeed(1.5), type: Error,
    message: /^manualSeed: seed must be a finite integer, got 1\.5$/,
  },
  {
    family: "seeds and sizes", name: "a negative size", example: "rand(-1, 2)",
    run: () => rand(-1, 2), type: TypeError,
    message: /^rand: sizes must be non-negative integers, got \[-1, 2\]$/,
  },
  {
    family: "seeds and sizes", name: "a fractional size", example: "rand(1.5)",
    run: () => rand(1.5), type: TypeError,
    message: /^rand: sizes must be non-negative integers, got \[1\.5\]$/,
  },
  {
    family: "seeds and sizes", name: "a NaN size", example: "zeros(NaN)",
    run: () => zeros(NaN), type: TypeError,
    message: /^zeros: sizes must be non-negative integers, got \[NaN\]$/,
  },
  {
    family: "seeds and sizes", name: "an infinite size", example: "ones([2, Infinity])",
    run: () => ones([2, Infinity]), type: TypeError,
    message: /^ones: sizes must be non-negative integers, got \[2, Infinity\]$/,
  },
  {
    family: "seeds and sizes", name: "a string size", example: 'zeros("3")',
    run: () => zeros("3" as never), type: TypeError,
    message: /^zeros: sizes must be non-negative integers, got \["3"\]$/,
  },
  {
    family: "seeds and sizes", name: "a negative identity size", example: "eye(-2)",
    run: () => eye(-2), type: TypeError,
    message: /^eye: sizes must be non-negative integers, got \[-2, -2\]$/,
  },
  {
    family: "seeds and sizes", name: "a NaN fill size", example: "full([NaN], 1)",
    run: () => full([NaN], 1), type: TypeError,
    message: /^full: sizes must be non-negative integers, got \[NaN\]$/,
  },
  {
    family: "seeds and sizes", name: "an infinite range", example: "arange(0, Infinity)",
    run: () => arange(0, Infinity), type: RangeError,
    message: /^arange: end must be a finite number, got Infinity$/,
  },
  {
    family: "seeds and sizes", name: "a zero step", example: "arange(0, 5, 0)",
    run: () => arange(0, 5, 0), type: RangeError,
    message: /^arange: step must be nonzero$/,
  },
  {
    family: "seeds and sizes", name: "a NaN number of steps", example: "linspace(0, 1, NaN)",
    run: () => linspace(0, 1, NaN), type: RangeError,
    message: /^linspace: number of steps must be a non-negative integer, got NaN$/,
  },
  {
    family: "seeds and sizes", name: "an empty integer range", example: "randint(5, 5, [2])",
    run: () => randint(5, 5, [2]), type: RangeError,
    message: /^randint: expects low < high, got low 5 and high 5$/,
  },
  {
    family: "seeds and sizes", name: "a negative permutation length", example: "randperm(-3)",
    run: () => randperm(-3), type: TypeError,
    message: /^randperm: sizes must be non-negative integers, got \[-3\]$/,
  },
  {
    family: "seeds and sizes", name: "a generator that is not one", example: "rand(2, { generator: 5 })",
    run: () => rand(2, { generator: 5 as never }), type: TypeError,
    message: /^rand: the generator option must be a Generator, got number$/,
  },

  // ---- memory ----------------------------------------------------------------------
  {
    family: "memory", name: "more than WebAssembly can address", example: "zeros(70000, 70000)",
    run: () => zeros(70000, 70000), type: RangeError,
    message: /^zeros: a tensor of shape \[70000, 70000\] needs 19600000000 bytes \(4900000000 elements of 4 bytes\), more than the 4 GiB WebAssembly memory can address$/,
    after: () => {
      const before = memoryStats().memoryBytes;
      expect(full([1 << 18], 2).sum().item()).toBe(2 ** 19); // a 1 MiB tensor still works
      expect(memoryStats().memoryBytes).toBeLessThanOrEqual(Math.max(before, 4 << 20));
    },
  },
  {
    family: "memory", name: "an op whose result is too large", example: "zeros(70000, 1).matmul(zeros(1, 70000))",
    run: () => zeros(70000, 1).matmul(zeros(1, 70000)), type: RangeError,
    message: /^wasmgrad: cannot allocate a float32 tensor of shape \[70000, 70000\]: it needs 19600000000 bytes, more than the 4 GiB WebAssembly memory can address$/,
  },
  {
    family: "memory", name: "a 2^40-element request", example: "empty(2 ** 40)",
    run: () => empty(2 ** 40), type: RangeError,
    message: /^empty: a tensor of shape \[1099511627776\] needs 4398046511104 bytes \(1099511627776 elements of 4 bytes\), more than the 4 GiB WebAssembly memory can address$/,
  },

  // ---- arguments that are not what they should be ----------------------------------
  {
    family: "arguments", name: "a number where a tensor goes", example: "sum(5)",
    run: () => sum(5 as never), type: TypeError,
    message: /^sum: expected a Tensor, got a number$/,
  },
  {
    family: "arguments", name: "a string operand", example: 'zeros(2).add("1")',
    run: () => zeros(2).add("1" as never), type: TypeError,
    message: /^add: expected a Tensor or a number, got a string$/,
  },
  {
    family: "arguments", name: "sort of a plain array", example: "sort([3, 1, 2])",
    run: () => sort([3, 1, 2] as never), type: TypeError,
    message: /^sort: expected a Tensor, got an array$/,
  },
  {
    family: "arguments", name: "scope of a non-function", example: "scope(5)",
    run: () => scope(5 as never), type: TypeError,
    message: /^scope: expected a function, got number$/,
  },
  {
    family: "arguments", name: "noGrad of a non-function", example: "noGrad(undefined)",
    run: () => noGrad(undefined as never), type: TypeError,
    message: /^noGrad: expected a function, got undefined$/,
  },
  {
    family: "arguments", name: "keep of a non-tensor", example: "keep(5)",
    run: () => keep(5 as never), type: TypeError,
    message: /^keep: expected a Tensor, got number$/,
  },
  {
    family: "arguments", name: "an unknown loss reduction", example: 'mseLoss(a, b, "avg")',
    run: () => mseLoss(zeros(2), zeros(2), "avg" as never), type: RangeError,
    message: /^mseLoss: reduction must be "mean", "sum" or "none", got "avg"$/,
  },
  {
    family: "threads", name: "no threads", example: "setNumThreads(0)",
    run: () => setNumThreads(0), type: RangeError,
    message: /^setNumThreads: expected an integer from 1 to 64, got 0$/,
    after: () => expect(getNumThreads()).toBe(1),
  },
  {
    family: "threads", name: "a fraction of a thread", example: "setNumThreads(1.5)",
    run: () => setNumThreads(1.5), type: RangeError,
    message: /^setNumThreads: expected an integer from 1 to 64, got 1.5$/,
  },
  // ---- reductions, scans, softmax and losses (issue 17)
  {
    family: "reductions", name: "std of an int tensor", example: "tensor([1, 2]).std()",
    run: () => tensor([1, 2]).std(), type: TypeError,
    message: /^std: expected a float32 input, got int32; convert with \.float\(\) first$/,
    after: () => expect(f([1, 3]).std().item()).toBeCloseTo(Math.SQRT2, 6),
  },
  {
    family: "reductions", name: "argmax of an empty tensor without dim", example: "zeros(0).argmax()",
    run: () => zeros(0).argmax(), type: RangeError,
    message: /^argmax: cannot reduce over a dim of size 0 \(shape \[0\]\); specify a dim$/,
  },
  {
    family: "reductions", name: "amax over an empty dim", example: "zeros(0, 3).amax(0)",
    run: () => zeros(0, 3).amax(0), type: RangeError,
    message: /^amax: cannot reduce over dim 0 of size 0 \(shape \[0, 3\]\)$/,
    after: () => expect(zeros(0, 3).amax(1).shape).toEqual([0]),
  },
  {
    family: "reductions", name: "prod over a list of dims", example: "x.prod([0, 1])",
    run: () => zeros(2, 2).prod([0, 1]), type: TypeError,
    message: /^prod: dim must be a single integer, got \[0,1\]$/,
  },
  {
    family: "reductions", name: "a dim out of range", example: "zeros(2, 3).logsumexp(2)",
    run: () => zeros(2, 3).logsumexp(2), type: RangeError,
    message: /^logsumexp: dim 2 is out of range for a tensor of 2 dims \(expected -2 <= dim < 2\)$/,
  },
  {
    family: "reductions", name: "logsumexp without dim", example: "x.logsumexp()",
    run: () => zeros(2).logsumexp(undefined as never), type: TypeError,
    message: /^logsumexp: dim is required/,
  },
  {
    family: "reductions", name: "topk with k larger than the dim", example: "zeros(3).topk(4)",
    run: () => zeros(3).topk(4), type: RangeError,
    message: /^topk: k 4 is out of range for dim -1 of size 3 \(expected 0 <= k <= 3\)$/,
  },
  {
    family: "reductions", name: "kthvalue with k 0", example: "zeros(3).kthvalue(0)",
    run: () => zeros(3).kthvalue(0), type: RangeError,
    message: /^kthvalue: k 0 is out of range for dim -1 of size 3 \(expected 1 <= k <= 3\)$/,
  },
  {
    family: "reductions", name: "trace of a vector", example: "zeros(3).trace()",
    run: () => zeros(3).trace(), type: RangeError,
    message: /^trace: expected a matrix \(2 dims\), got shape \[3\]$/,
  },
  {
    family: "reductions", name: "outer of a matrix", example: "outer(zeros(3, 1), zeros(2))",
    run: () => outer(zeros(3, 1), zeros(2)), type: RangeError,
    message: /^outer: expected two 1-D tensors, got shapes \[3, 1\] and \[2\]$/,
  },
  {
    family: "reductions", name: "the nuclear norm", example: 'x.norm("nuc")',
    run: () => zeros(2, 2).norm("nuc"), type: RangeError,
    message: /^norm: p "nuc" needs singular values and is not supported$/,
  },
  {
    family: "reductions", name: "matrixNorm of a vector", example: "linalg.matrixNorm(zeros(3))",
    run: () => linalg.matrixNorm(zeros(3)), type: RangeError,
    message: /^matrixNorm: expected a tensor with 2 or more dims, got shape \[3\]$/,
  },
  {
    family: "reductions", name: "cumsum without dim", example: "x.cumsum()",
    run: () => zeros(2).cumsum(undefined as never), type: TypeError,
    message: /^cumsum: dim is required$/,
  },
  {
    family: "softmax", name: "softmax without dim", example: "x.softmax()",
    run: () => zeros(2).softmax(undefined as never), type: TypeError,
    message: /^softmax: dim is required/,
    after: () => expect(f([0, 0]).softmax(0).toArray()).toEqual([0.5, 0.5]),
  },
  {
    family: "softmax", name: "softmax of an int tensor", example: "tensor([1, 2]).softmax(0)",
    run: () => tensor([1, 2]).softmax(0), type: TypeError,
    message: /^softmax: expected a float32 input, got int32; convert with \.float\(\) first$/,
  },
  {
    family: "losses", name: "a class index past C", example: "F.crossEntropy(zeros(2, 3), tensor([0, 5]))",
    run: () => F.crossEntropy(zeros(2, 3), tensor([0, 5])), type: RangeError,
    message: /^crossEntropy: Target 5 is out of bounds \(3 classes\)\.$/,
    after: () => expect(F.crossEntropy(zeros(2, 4), tensor([0, 3])).item()).toBeCloseTo(Math.log(4), 6),
  },
  {
    family: "losses", name: "a negative class index", example: "F.nllLoss(zeros(2, 3), tensor([0, -2]))",
    run: () => F.nllLoss(zeros(2, 3), tensor([0, -2])), type: RangeError,
    message: /^nllLoss: Target -2 is out of bounds \(3 classes\)\.$/,
  },
  {
    family: "losses", name: "float class indices of another shape", example: "F.crossEntropy(zeros(2, 3), zeros(2))",
    run: () => F.crossEntropy(zeros(2, 3), zeros(2)), type: TypeError,
    message: /^crossEntropy: class-index targets must be int32, got float32$/,
  },
  {
    family: "losses", name: "batch sizes differ", example: "F.crossEntropy(zeros(2, 3), tensor([0, 1, 1]))",
    run: () => F.crossEntropy(zeros(2, 3), tensor([0, 1, 1])), type: RangeError,
    message: /^crossEntropy: expected input batch_size \(2\) to match target batch_size \(3\)$/,
  },
  {
    family: "losses", name: "a weight of the wrong length", example: "F.crossEntropy(zeros(2, 3), tensor([0, 1]), { weight: ones(2) })",
    run: () => F.crossEntropy(zeros(2, 3), tensor([0, 1]), { weight: ones(2) }), type: RangeError,
    message: /^crossEntropy: weight must be 1-D with one entry per class \(3\), got shape \[2\]$/,
  },
  {
    family: "losses", name: "probabilities outside [0, 1]", example: "F.binaryCrossEntropy(f([2]), zeros(1))",
    run: () => F.binaryCrossEntropy(f([2]), zeros(1)), type: RangeError,
    message: /^binaryCrossEntropy: all elements of input should be between 0 and 1, got 2$/,
  },
  {
    family: "losses", name: "binaryCrossEntropy target of another shape", example: "F.binaryCrossEntropy(zeros(2), zeros(3))",
    run: () => F.binaryCrossEntropy(zeros(2), zeros(3)), type: RangeError,
    message: /^binaryCrossEntropy: target shape \[3\] must be the input's shape \[2\]$/,
  },
  {
    family: "losses", name: "klDiv with an unknown reduction", example: 'F.klDiv(a, b, "avg")',
    run: () => F.klDiv(zeros(2), zeros(2), "avg" as never), type: RangeError,
    message: /^klDiv: reduction must be "mean", "sum", "batchmean" or "none", got "avg"$/,
  },
  // ---- layers: convolution, pooling, normalization (issue 17)
  ...[
    ["conv2d", "input channels differ from the weight's", "F.conv2d(zeros(1, 4, 5, 5), zeros(8, 3, 3, 3))", () => F.conv2d(zeros(1, 4, 5, 5), zeros(8, 3, 3, 3)),
      "conv2d: Given groups=1, weight of size [8, 3, 3, 3], expected input[1, 4, 5, 5] to have 3 channels, but got 4 channels instead"],
    ["conv2d", "a 2-D input", "F.conv2d(zeros(2, 3), zeros(8, 3, 3, 3))", () => F.conv2d(zeros(2, 3), zeros(8, 3, 3, 3)),
      "conv2d: Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3]"],
    ["conv2d", "kernel larger than the padded input", "F.conv2d(zeros(1, 3, 2, 2), zeros(8, 3, 3, 3))", () => F.conv2d(zeros(1, 3, 2, 2), zeros(8, 3, 3, 3)),
      "conv2d: Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size"],
    ["conv2d", "channels not matching the groups", "F.conv2d(zeros(1, 4, 5, 5), zeros(6, 2, 3, 3), { groups: 3 })", () => F.conv2d(zeros(1, 4, 5, 5), zeros(6, 2, 3, 3), { groups: 3 }),
      "conv2d: Given groups=3, weight of size [6, 2, 3, 3], expected input[1, 4, 5, 5] to have 6 channels, but got 4 channels instead"],
    ["conv2d", "bias of the wrong size", "F.conv2d(zeros(1, 4, 5, 5), zeros(8, 4, 3, 3), zeros(3))", () => F.conv2d(zeros(1, 4, 5, 5), zeros(8, 4, 3, 3), zeros(3)),
      "conv2d: Given weight of size [8, 4, 3, 3], expected bias to be 1-dimensional with 8 elements, but got bias of size [3] instead"],
    ["conv2d", "padding 'same' with a stride", "F.conv2d(x4, w, { stride: 2, padding: 'same' })", () => F.conv2d(zeros(1, 3, 5, 5), zeros(8, 3, 3, 3), { stride: 2, padding: "same" }),
      "conv2d: padding='same' is not supported for strided convolutions"],
    ["conv2d", "an unknown padding string", "F.conv2d(x4, w, { padding: 'foo' })", () => F.conv2d(zeros(1, 3, 5, 5), zeros(8, 3, 3, 3), { padding: "foo" as "same" }),
      "conv2d: Invalid padding string: 'foo'"],
    ["conv2d", "stride 0", "F.conv2d(x4, w, { stride: 0 })", () => F.conv2d(zeros(1, 3, 5, 5), zeros(8, 3, 3, 3), { stride: 0 }),
      "conv2d: stride must be positive, got [0, 0]"],
    ["conv1d", "a 4-D input", "F.conv1d(zeros(1, 2, 3, 4), zeros(8, 3, 3))", () => F.conv1d(zeros(1, 2, 3, 4), zeros(8, 3, 3)),
      "conv1d: Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [1, 2, 3, 4]"],
    ["linear", "in-features differ", "F.linear(zeros(2, 3), zeros(4, 5))", () => F.linear(zeros(2, 3), zeros(4, 5)),
      "linear: mat1 and mat2 shapes cannot be multiplied (2x3 and 5x4)"],
    ["maxPool2d", "a 2-D input", "F.maxPool2d(zeros(2, 3), 2)", () => F.maxPool2d(zeros(2, 3), 2),
      "maxPool2d: non-empty 3D or 4D (batch mode) tensor expected for input, but got [2, 3]"],
    ["maxPool2d", "padding over half the kernel", "F.maxPool2d(zeros(1, 1, 4, 4), 3, { padding: 2 })", () => F.maxPool2d(zeros(1, 1, 4, 4), 3, { padding: 2 }),
      "maxPool2d: pad should be at most half of kernel size, but got pad=2 and kernel_size=3"],
    ["avgPool2d", "no window fits", "F.avgPool2d(zeros(1, 1, 2, 2), 3)", () => F.avgPool2d(zeros(1, 1, 2, 2), 3),
      "avgPool2d: Given input size: (1x2x2). Calculated output size: (1x0x0). Output size is too small"],
    ["adaptiveAvgPool2d", "a 2-D input", "F.adaptiveAvgPool2d(zeros(2, 3), 2)", () => F.adaptiveAvgPool2d(zeros(2, 3), 2),
      "adaptiveAvgPool2d: Expected 3D or 4D tensor, but got [2, 3]"],
    ["pad", "an odd padding list", "F.pad(zeros(1, 1, 3, 3), [1, 1, 1])", () => F.pad(zeros(1, 1, 3, 3), [1, 1, 1]),
      "pad: Padding length must be divisible by 2, got 3"],
    ["pad", "reflecting more than the dim has", "F.pad(zeros(1, 1, 3, 3), [3, 3, 0, 0], 'reflect')", () => F.pad(zeros(1, 1, 3, 3), [3, 3, 0, 0], "reflect"),
      "pad: Padding size should be less than the corresponding input dimension, but got: padding (3, 3) at dimension 3 of input [1, 1, 3, 3]"],
    ["pad", "an unknown mode", "F.pad(zeros(1, 1, 3, 3), [1, 1], 'circularx')", () => F.pad(zeros(1, 1, 3, 3), [1, 1], "circularx" as "circular"),
      "pad: Unrecognised padding mode circularx"],
    ["layerNorm", "normalizedShape not the trailing dims", "F.layerNorm(zeros(2, 3), [4])", () => F.layerNorm(zeros(2, 3), [4]),
      "layerNorm: Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[2, 3]"],
    ["groupNorm", "channels not divisible by the groups", "F.groupNorm(zeros(2, 6, 4), 4)", () => F.groupNorm(zeros(2, 6, 4), 4),
      "groupNorm: Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 6, 4] and num_groups=4"],
    ["batchNorm", "one value per channel in training", "F.batchNorm(zeros(1, 3), zeros(3), ones(3), { training: true })",
      () => F.batchNorm(zeros(1, 3), zeros(3), ones(3), { training: true }),
      "batchNorm: Expected more than 1 value per channel when training, got input size [1, 3]"],
    ["batchNorm", "running mean of the wrong size", "F.batchNorm(zeros(2, 3), zeros(4), ones(3), { training: true })",
      () => F.batchNorm(zeros(2, 3), zeros(4), ones(3), { training: true }), "batchNorm: running_mean should contain 3 elements not 4"],
    ["batchNorm", "evaluation without running stats", "F.batchNorm(zeros(2, 3), null, null)", () => F.batchNorm(zeros(2, 3), null, null),
      "batchNorm: running_mean must be defined in evaluation mode"],
    ["embedding", "float indices", "F.embedding(tensor([0.5, 1]), zeros(3, 2))", () => F.embedding(tensor([0.5, 1]), zeros(3, 2)),
      "embedding: Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got float32 instead", TypeError],
    ["embedding", "an index past the table", "F.embedding(tensor([0, 5]), zeros(3, 2))", () => F.embedding(tensor([0, 5]), zeros(3, 2)),
      "embedding: index out of range in self: index 5 is not in [0, 3)"],
    ["dropout", "p above 1", "F.dropout(zeros(3), 1.5)", () => F.dropout(zeros(3), 1.5), "dropout: dropout probability has to be between 0 and 1, but got 1.5"],
  ].map(([family, name, example, run, message, type]) => ({
    family, name, example, run, type: (type ?? RangeError) as ErrorType, message: literally(message as string),
    after: () => expect(F.conv2d(ones(1, 2, 3, 3), ones(1, 2, 2, 2), { padding: 1 }).sum().item()).toBe(72),
  }) as Case),
  // ---- elementwise math and activations (issue 17)
  {
    family: "elementwise", name: "frac of an integer tensor", example: "tensor([1, 2]).frac()",
    run: () => tensor([1, 2]).frac(), type: TypeError,
    message: /^frac: not supported on an int32 tensor \(shape \[2\]\); convert it with \.float\(\) first$/,
    after: () => expect(tensor([1.5, -2.25]).frac().toArray()).toEqual([0.5, -0.25]),
  },
  {
    family: "elementwise", name: "floor of a bool tensor", example: "tensor([true]).floor()",
    run: () => tensor([true]).floor(), type: TypeError,
    message: /^floor: not supported on a bool tensor \(shape \[1\]\); convert it with \.float\(\) first$/,
    after: () => expect(tensor([3, -2]).floor().toArray()).toEqual([3, -2]),
  },
  {
    family: "elementwise", name: "clamp with neither bound", example: "x.clamp()",
    run: () => f([1, 2]).clamp(), type: TypeError,
    message: /^clamp: at least one of min and max must be given$/,
    after: () => expect(f([-2, 0.5, 2]).clamp(-1, 1).toArray()).toEqual([-1, 0.5, 1]),
  },
  {
    family: "elementwise", name: "clamp_ changes the dtype", example: "tensor([1, 2]).clamp_(0.5)",
    run: () => tensor([1, 2]).clamp_(0.5), type: TypeError,
    message: /^clamp_: result type float32 can't be cast to the tensor's dtype int32$/,
  },
  {
    family: "elementwise", name: "clamp_ of a leaf that requires grad", example: "x.clamp_(0, 1)",
    run: () => leaf([1, 2]).clamp_(0, 1), type: Error,
    message: /^clamp_: a leaf tensor that requires grad \(shape \[2\]\) is being used in an in-place operation; wrap the update in noGrad\(\(\) => \.\.\.\)$/,
  },
  {
    family: "elementwise", name: "maximum of shapes that do not broadcast", example: "zeros(2, 3).maximum(zeros(4))",
    run: () => zeros(2, 3).maximum(zeros(4)), type: RangeError,
    message: /^maximum: shapes \[2, 3\] and \[4\] cannot be broadcast together \(dim -1: 3 vs 4\)$/,
  },
  {
    family: "elementwise", name: "maximum with a number", example: "x.maximum(0)",
    run: () => f([1, 2]).maximum(0 as never), type: TypeError,
    message: /^maximum: expected a Tensor, got a number$/,
  },
  {
    family: "elementwise", name: "integer fmod by zero", example: "tensor([5, 3]).fmod(0)",
    run: () => tensor([5, 3]).fmod(0), type: RangeError,
    message: /^fmod: integer division by zero \(the divisor is 0\)$/,
    after: () => expect(tensor([5, -5]).fmod(3).toArray()).toEqual([2, -2]),
  },
  {
    family: "elementwise", name: "integer remainder by a tensor holding 0", example: "tensor([5, 3]).remainder(tensor([2, 0]))",
    run: () => tensor([5, 3]).remainder(tensor([2, 0])), type: RangeError,
    message: /^remainder: integer division by zero \(the divisor of shape \[2\] holds a 0\)$/,
  },
  {
    family: "elementwise", name: "fmod of two bool tensors", example: "tensor([true]).fmod(tensor([true]))",
    run: () => tensor([true]).fmod(tensor([true])), type: TypeError,
    message: /^fmod: arithmetic on two bool tensors is not supported; convert one with \.int\(\) or \.float\(\)$/,
  },
  {
    family: "elementwise", name: "where with a float condition", example: "a.where(zeros(2), 0)",
    run: () => f([1, 2]).where(zeros(2), 0), type: TypeError,
    message: /^where: expected the condition to be a bool tensor, got float32 \(shape \[2\]\); compare it, e\.g\. c\.ne\(0\)$/,
    after: () => expect(f([1, 2]).where(tensor([true, false]), -1).toArray()).toEqual([1, -1]),
  },
  {
    family: "elementwise", name: "where of shapes that do not broadcast", example: "zeros(3).where(tensor([true, false]), 0)",
    run: () => zeros(3).where(tensor([true, false]), 0), type: RangeError,
    message: /^where: shapes \[2\] and \[3\] cannot be broadcast together \(dim -1: 2 vs 3\)$/,
  },
  {
    family: "elementwise", name: "where with a string", example: 'a.where(c, "0")',
    run: () => f([1]).where(tensor([true]), "0" as never), type: TypeError,
    message: /^where: expected a Tensor or a number, got a string$/,
  },
  {
    family: "elementwise", name: "lerp of integer tensors", example: "tensor([1, 2]).lerp(tensor([3, 4]), 0.5)",
    run: () => tensor([1, 2]).lerp(tensor([3, 4]), 0.5), type: TypeError,
    message: /^lerp: expected a float32 input, got int32; convert with \.float\(\) first$/,
  },
  {
    family: "elementwise", name: "isclose of different dtypes", example: "tensor([1]).isclose(tensor([1.5]))",
    run: () => tensor([1]).isclose(tensor([1.5])), type: TypeError,
    message: /^isclose: expected both tensors to have the same dtype, got int32 and float32$/,
  },
  {
    family: "elementwise", name: "isclose with a negative tolerance", example: "a.isclose(b, { rtol: -1 })",
    run: () => f([1]).isclose(f([1]), { rtol: -1 }), type: RangeError,
    message: /^isclose: rtol must be a number >= 0, got -1$/,
    after: () => expect(f([1, 2]).allclose(f([1, 2.00001]))).toBe(true),
  },
  {
    family: "elementwise", name: "logicalAnd of shapes that do not broadcast", example: "zeros(2).logicalAnd(zeros(3))",
    run: () => zeros(2).logicalAnd(zeros(3)), type: RangeError,
    message: /^logicalAnd: shapes \[2\] and \[3\] cannot be broadcast together \(dim -1: 2 vs 3\)$/,
  },
  {
    family: "elementwise", name: "round to a fraction of a decimal", example: "x.round(1.5)",
    run: () => f([1.25]).round(1.5), type: TypeError,
    message: /^round: decimals must be an integer, got a number 1\.5$/,
  },
  {
    family: "elementwise", name: "nanToNum with a string", example: 'x.nanToNum({ nan: "0" })',
    run: () => f([NaN]).nanToNum({ nan: "0" as never }), type: TypeError,
    message: /^nanToNum: nan must be a number or null, got a string$/,
  },
  {
    family: "activations", name: "gelu of an integer tensor", example: "F.gelu(tensor([1, 2]))",
    run: () => F.gelu(tensor([1, 2])), type: TypeError,
    message: /^gelu: expected a float32 input, got int32; convert with \.float\(\) first$/,
  },
  {
    family: "activations", name: "an unknown gelu approximation", example: 'F.gelu(x, { approximate: "fast" })',
    run: () => F.gelu(f([1]), { approximate: "fast" as never }), type: RangeError,
    message: /^gelu: approximate must be "none" or "tanh", got "fast"$/,
  },
  {
    family: "activations", name: "silu of a bool tensor", example: "F.silu(tensor([true]))",
    run: () => F.silu(tensor([true])), type: TypeError,
    message: /^silu: not supported on a bool tensor \(shape \[1\]\); convert it with \.float\(\) first$/,
  },
  {
    family: "activations", name: "hardtanh of a bool tensor", example: "F.hardtanh(tensor([true]))",
    run: () => F.hardtanh(tensor([true])), type: TypeError,
    message: /^hardtanh: not supported on a bool tensor \(shape \[1\]\); convert it with \.float\(\) or \.int\(\) first$/,
    after: () => expect(F.relu6(tensor([-1, 3, 9])).toArray()).toEqual([0, 3, 6]),
  },
  {
    family: "activations", name: "leakyRelu with a string slope", example: 'F.leakyRelu(x, "0.1")',
    run: () => F.leakyRelu(f([1]), "0.1" as never), type: TypeError,
    message: /^leakyRelu: negativeSlope must be a number, got a string$/,
  },
  {
    family: "activations", name: "celu with alpha 0", example: "F.celu(x, 0)",
    run: () => F.celu(f([1]), 0), type: RangeError,
    message: /^celu: alpha cannot be 0$/,
  },

  // ---- joining, splitting and indexing (issue 17) ----------------------------------
  {
    family: "joining", name: "cat of mismatched shapes", example: "cat([zeros(2, 3), zeros(3, 3)], 1)",
    run: () => cat([zeros(2, 3), zeros(3, 3)], 1), type: RangeError,
    message: /^cat: sizes of tensors must match except in dim 1, got \[2, 3\] and \[3, 3\] \(tensor 1\)$/,
    after: () => expect(cat([zeros(2, 3), ones(2, 1)], 1).sum().item()).toBe(2),
  },
  {
    family: "joining", name: "cat of tensors with different dims", example: "cat([zeros(2, 3), zeros(3)])",
    run: () => cat([zeros(2, 3), zeros(3)]), type: RangeError,
    message: /^cat: sizes of tensors must match except in dim 0, got \[2, 3\] and \[3\] \(tensor 1\)$/,
  },
  {
    family: "joining", name: "cat of no tensors", example: "cat([])",
    run: () => cat([]), type: RangeError,
    message: /^cat: expected a non-empty array of tensors$/,
  },
  {
    family: "joining", name: "cat of a 0-d tensor", example: "cat([tensor(1)])",
    run: () => cat([tensor(1)]), type: RangeError,
    message: /^cat: a 0-d tensor \(at position 0\) cannot be concatenated$/,
  },
  {
    family: "joining", name: "stack of unequal shapes", example: "stack([zeros(2, 3), zeros(2)])",
    run: () => stack([zeros(2, 3), zeros(2)]), type: RangeError,
    message: /^stack: expects each tensor to be of equal size, but got \[2, 3\] at entry 0 and \[2\] at entry 1$/,
  },
  {
    family: "joining", name: "split sizes that do not add up", example: "zeros(2, 5).split([2, 2], 1)",
    run: () => zeros(2, 5).split([2, 2], 1), type: RangeError,
    message: /^split: split sizes \[2, 2\] must be non-negative integers summing to dim 1's size 5$/,
  },
  {
    family: "joining", name: "a split size of 0", example: "zeros(2, 3).split(0)",
    run: () => zeros(2, 3).split(0), type: RangeError,
    message: /^split: split size must be a positive integer \(0 only for a dim of size 0\), got 0 for dim 0 of size 2$/,
  },
  {
    family: "joining", name: "no chunks", example: "zeros(4).chunk(0)",
    run: () => zeros(4).chunk(0), type: RangeError,
    message: /^chunk: expects chunks to be a positive integer, got 0$/,
  },
  {
    family: "joining", name: "narrow past the end", example: "zeros(2, 3).narrow(1, 2, 2)",
    run: () => zeros(2, 3).narrow(1, 2, 2), type: RangeError,
    message: /^narrow: start \(2\) \+ length \(2\) exceeds dim 1's size \(3\)$/,
  },
  {
    family: "joining", name: "flip of a repeated dim", example: "zeros(2, 3).flip(0, -2)",
    run: () => zeros(2, 3).flip(0, -2), type: RangeError,
    message: /^flip: dim 0 appears multiple times in the list of dims$/,
  },
  {
    family: "joining", name: "repeat with fewer repeats than dims", example: "zeros(2, 3).repeat(2)",
    run: () => zeros(2, 3).repeat(2), type: RangeError,
    message: /^repeat: the number of repeats \(1\) can not be smaller than the number of dims of the tensor \(2\)$/,
  },
  {
    family: "joining", name: "tril of a vector", example: "zeros(3).tril()",
    run: () => zeros(3).tril(), type: RangeError,
    message: /^tril: expects a tensor with at least 2 dims, got shape \[3\]$/,
  },
  {
    family: "joining", name: "glu of an odd dim", example: "F.glu(zeros(2, 3))",
    run: () => F.glu(zeros(2, 3)), type: RangeError,
    message: /^glu: halving dimension must be even, but dim 1 has size 3$/,
  },
  {
    family: "indexing", name: "slice index out of range", example: "zeros(2, 3).slice(null, 3)",
    run: () => zeros(2, 3).slice(null, 3), type: RangeError,
    message: /^slice: index 3 is out of bounds for dim 1 with size 3 \(tensor of shape \[2, 3\]\)$/,
    after: () => expect(zeros(2, 3).slice(null, -3).shape).toEqual([2]),
  },
  {
    family: "indexing", name: "a tensor as a slice index (torch's advanced indexing)", example: "zeros(4).slice(tensor([1, 2]))",
    run: () => zeros(4).slice(tensor([1, 2]) as never), type: TypeError,
    message: /^slice: an index entry must be a number, null, an array \[start, stop, step\], "\.\.\." or "newaxis", got a Tensor$/,
    after: () => expect(zeros(4).indexSelect(0, tensor([1, 2])).shape).toEqual([2]),
  },
  {
    family: "indexing", name: "a negative slice step", example: "zeros(4).slice([null, null, -1])",
    run: () => zeros(4).slice([null, null, -1]), type: RangeError,
    message: /^slice: step must be greater than zero, got -1 \(negative steps: use flip\)$/,
  },
  {
    family: "indexing", name: "more indices than dims", example: "zeros(2, 3).slice(0, 0, 0)",
    run: () => zeros(2, 3).slice(0, 0, 0), type: RangeError,
    message: /^slice: too many indices for a tensor of 2 dims: got 3$/,
  },
  {
    family: "indexing", name: "select out of range", example: "zeros(2, 3).select(0, 5)",
    run: () => zeros(2, 3).select(0, 5), type: RangeError,
    message: /^select: index 5 is out of bounds for dim 0 with size 2 \(tensor of shape \[2, 3\]\)$/,
  },
  {
    family: "indexing", name: "gather index out of range", example: "zeros(2, 3).gather(1, tensor([[5]]))",
    run: () => zeros(2, 3).gather(1, tensor([[5]])), type: RangeError,
    message: /^gather: index 5 is out of bounds for dim 1 with size 3$/,
    after: () => expect(tensor([[1, 2, 3]]).gather(1, tensor([[2, 0]])).toArray()).toEqual([[3, 1]]),
  },
  {
    family: "indexing", name: "a negative gather index", example: "zeros(2, 3).gather(0, tensor([[-1]]))",
    run: () => zeros(2, 3).gather(0, tensor([[-1]])), type: RangeError,
    message: /^gather: index -1 is out of bounds for dim 0 with size 2$/,
  },
  {
    family: "indexing", name: "a float index", example: "zeros(2, 3).gather(1, zeros(2, 1))",
    run: () => zeros(2, 3).gather(1, zeros(2, 1)), type: TypeError,
    message: /^gather: index must be an int32 tensor \(torch's int64\), got float32$/,
  },
  {
    family: "indexing", name: "gather index of another rank", example: "zeros(2, 3).gather(1, tensor([1]))",
    run: () => zeros(2, 3).gather(1, tensor([1])), type: RangeError,
    message: /^gather: index must have as many dims as the input: got index of shape \[1\] for input of shape \[2, 3\]$/,
  },
  {
    family: "indexing", name: "scatter index out of range", example: "zeros(2, 3).scatter(0, tensor([[0, 2]]), 1)",
    run: () => zeros(2, 3).scatter(0, tensor([[0, 2]]), 1), type: RangeError,
    message: /^scatter: index 2 is out of bounds for dim 0 with size 2$/,
  },
  {
    family: "indexing", name: "scatter src of another dtype", example: "zeros(2, 3).scatter(1, tensor([[1]]), tensor([[1]]))",
    run: () => zeros(2, 3).scatter(1, tensor([[1]]), tensor([[1]])), type: TypeError,
    message: /^scatter: expected src to have the input's dtype float32, got int32$/,
  },
  {
    family: "indexing", name: "indexAdd source of the wrong shape", example: "zeros(2, 3).indexAdd(1, tensor([1]), ones(2, 2))",
    run: () => zeros(2, 3).indexAdd(1, tensor([1]), ones(2, 2)), type: RangeError,
    message: /^indexAdd: source must have shape \[2, 1\] \(the input's with dim 1 the number of indices\), got \[2, 2\]$/,
  },
  {
    family: "indexing", name: "a mask that is not bool", example: "zeros(3).maskedFill(ones(3), 1)",
    run: () => zeros(3).maskedFill(ones(3), 1), type: TypeError,
    message: /^maskedFill: mask must be a bool tensor, got float32$/,
  },
  {
    family: "indexing", name: "a fill value that is not 0-d", example: "zeros(3).maskedFill(m, tensor([1, 2, 3]))",
    run: () => zeros(3).maskedFill(ones(3, { dtype: "bool" }), tensor([1, 2, 3])), type: RangeError,
    message: /^maskedFill: the value must be a number or a 0-d tensor, got a tensor of shape \[3\]$/,
  },
  {
    family: "indexing", name: "assigning into a leaf that requires grad", example: "x.sliceAssign_([0], 5)",
    run: () => leaf([1, 2]).sliceAssign_([0], 5), type: Error,
    message: /^sliceAssign_: a leaf tensor that requires grad \(shape \[2\]\) is being used in an in-place operation; wrap the update in noGrad\(\(\) => \.\.\.\)$/,
  },
  {
    family: "indexing", name: "a value that does not fit the slice", example: "zeros(4, 3).sliceAssign_([[1, 3]], ones(2))",
    run: () => zeros(4, 3).sliceAssign_([[1, 3]], ones(2)), type: RangeError,
    message: /^sliceAssign_: shapes \[2\] and \[2, 3\] cannot be broadcast together \(dim -1: 2 vs 3\)$/,
  },
];

// ---- the checks ------------------------------------------------------------------------

/** The library after an error: scopes closed, grad mode on, and a few valid ops right. */
function expectUsable(): void {
  expect(scopeDepth()).toBe(0);
  expect(isGradEnabled()).toBe(true);
  scope(() => {
    expect(f([[1, 2], [3, 4]]).matmul(eye(2).mul(2)).toArray()).toEqual([[2, 4], [6, 8]]);
    expect(tensor([1, 2, 3]).add(tensor([[10], [20]])).toArray()).toEqual([[11, 12, 13], [21, 22, 23]]);
    const x = leaf([3]);
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([6]);
    x.grad!.dispose();
    manualSeed(314);
    const r = rand(3).toArray() as number[];
    expect(r[0]).toBeCloseTo(0.7196, 4);
    expect(r[1]).toBeCloseTo(0.6295, 4);
  });
}

const observed = new Map<Case, string>();

beforeAll(() => {
  // one-time allocations (kernel scratch blocks) happen here, not inside a case
  scope(() => {
    zeros(2, 3, 4).matmul(zeros(4, 5));
    zeros(2, 3).add(zeros(3));
    const { x, y } = square();
    y.sum().backward();
    x.grad!.dispose();
  });
  expectUsable();
});

describe("the catalogue of bad input (docs/ERRORS.md)", () => {
  it("has at least 40 cases, each named once", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => `${c.family}: ${c.name}`)).size).toBe(cases.length);
  });

  for (const c of cases) {
    it(`${c.family}: ${c.name} — ${c.example}`, () => {
      const before = memoryStats().bytesInUse;
      let error: unknown = null;
      scope(() => {
        try {
          c.run();
        } catch (e) {
          error = e;
        }
      });
      expect(error, "expected an error").not.toBeNull();
      expect((error as Error).constructor, String(error)).toBe(c.type);
      expect((error as Error).message).toMatch(c.message);
      observed.set(c, (error as Error).message);
      // nothing the failed call allocated is kept
      expect(memoryStats().bytesInUse).toBeLessThanOrEqual(before);
      if (c.after) scope(c.after);
      expectUsable();
      expect(memoryStats().bytesInUse).toBeLessThanOrEqual(before);
    });
  }

  it("docs/ERRORS.md lists every case", () => {
    const doc = readFileSync(new URL("../docs/ERRORS.md", import.meta.url), "utf8");
    for (const c of cases) expect(doc, `missing: ${c.example}`).toContain(`\`${c.example.replace(/\|/g, "\\|")}\``);
  });
});

afterAll(() => {
  if (!process.env.WRITE_ERRORS_DOC || observed.size !== cases.length) return;
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const lines = [
    "# Errors: the catalogue of bad input",
    "",
    "Every call below throws an `Error` (the type is in the third column) whose message names the",
    "operation, the offending shapes or values, and what was expected. None of them leaves anything",
    "behind: no memory is kept, no scope stays open, grad mode is restored, and the next valid call",
    "gives the right answer. `test/errors.test.ts` checks each case (type, message, and the library",
    "afterwards); this page is generated from it (`WRITE_ERRORS_DOC=1 npx vitest run test/errors.test.ts`).",
    "",
    "In the examples `x` is a float32 leaf with `requiresGrad: true`, `p` a parameter, `a`, `b`, `t`, `g` tensors.",
    "",
    `${cases.length} cases.`,
    "",
    "| # | family | case | example | error | message |",
    "|---|---|---|---|---|---|",
  ];
  cases.forEach((c, i) => {
    lines.push(`| ${i + 1} | ${c.family} | ${cell(c.name)} | \`${cell(c.example)}\` | ${c.type.name} | ${cell(observed.get(c)!)} |`);
  });
  lines.push(
    "",
    "## Memory",
    "",
    "Running out of memory is a `RangeError` that names the size (and, for factories, the op and the",
    "shape), thrown before anything is allocated: the memory and every tensor are as they were.",
    "Forgetting to free tensors is not an error: see the README's Memory section for how linear memory",
    "stays bounded anyway.",
    "",
  );
  writeFileSync(new URL("../docs/ERRORS.md", import.meta.url), lines.join("\n"));
});
