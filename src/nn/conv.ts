// torch.nn's convolutions: Conv1d, Conv2d, ConvTranspose2d. Initialized as
// torch's _ConvNd: W ~ kaimingUniform_(a = √5), b ~ U(±1/√fanIn).

import { Tensor } from "../tensor";
import { conv1d, conv2d, convTranspose2d } from "../ops/conv";
import { pad, type PadMode } from "../ops/pool";
import { Module, checkInts, pyTuple, shapeError } from "./module";
import { kaimingUniform_, uniform_, calculateFanInAndFanOut } from "./init";
import { param } from "./linear";

export interface ConvModuleOptions {
  stride?: number | number[];
  /** An int or list; "same" or "valid" (not for transposed convolutions). */
  padding?: number | number[] | "same" | "valid";
  dilation?: number | number[];
  groups?: number;
  bias?: boolean;
  /** ConvTranspose2d: extra rows and columns on one side of the output. */
  outputPadding?: number | number[];
  paddingMode?: "zeros" | PadMode;
}

const tuple = (name: string, what: string, v: number | number[], n: number, least: number): number[] => {
  const t = typeof v === "number" ? new Array<number>(n).fill(v) : [...v];
  if (t.length !== n || t.some((x) => !Number.isInteger(x) || x < least)) throw new RangeError(`${name}: ${what} must be an integer >= ${least} or a list of ${n}, got ${JSON.stringify(v)}`);
  return t;
};

abstract class ConvNd extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly outputPadding: number[];
  readonly groups: number;
  readonly paddingMode: "zeros" | PadMode;

  constructor(
    private readonly nd: number, readonly transposed: boolean, readonly inChannels: number, readonly outChannels: number,
    kernelSize: number | number[], o: ConvModuleOptions,
  ) {
    super();
    const name = this.typeName;
    const groups = o.groups ?? 1;
    checkInts(name, { inChannels, outChannels, groups });
    if (inChannels % groups !== 0) throw new RangeError(`${name}: in_channels must be divisible by groups`);
    if (outChannels % groups !== 0) throw new RangeError(`${name}: out_channels must be divisible by groups`);
    this.kernelSize = tuple(name, "kernelSize", kernelSize, nd, 1);
    this.stride = tuple(name, "stride", o.stride ?? 1, nd, 1);
    this.dilation = tuple(name, "dilation", o.dilation ?? 1, nd, 1);
    this.outputPadding = tuple(name, "outputPadding", o.outputPadding ?? 0, nd, 0);
    const p = o.padding ?? 0;
    if (typeof p === "string") {
      if (p !== "same" && p !== "valid") throw new RangeError(`${name}: Invalid padding string '${p}', should be one of ["valid", "same"]`);
      if (transposed) throw new RangeError(`${name}: padding '${p}' is not supported for transposed convolutions`);
      if (p === "same" && this.stride.some((s) => s !== 1)) throw new RangeError(`${name}: padding='same' is not supported for strided convolutions`);
    }
    this.padding = typeof p === "string" ? p : tuple(name, "padding", p, nd, 0);
    this.groups = groups;
    this.paddingMode = o.paddingMode ?? "zeros";
    if (!["zeros", "reflect", "replicate", "circular"].includes(this.paddingMode)) {
      throw new RangeError(`${name}: padding_mode must be one of zeros, reflect, replicate, circular, got '${this.paddingMode}'`);
    }
    if (transposed && this.paddingMode !== "zeros") throw new RangeError(`${name}: Only "zeros" padding mode is supported for ${name}`);
    this.weight = transposed ? param(inChannels, outChannels / groups, ...this.kernelSize) : param(outChannels, inChannels / groups, ...this.kernelSize);
    this.bias = o.bias ?? true ? param(outChannels) : null;
    this.resetParameters();
  }

  /** torch's: W ~ kaimingUniform_(a = √5), that is U(±1/√fanIn); b ~ U(±1/√fanIn). */
  resetParameters(): void {
    kaimingUniform_(this.weight, Math.sqrt(5));
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
    }
  }

  /** The input as the convolution takes it: [N, C, ...] or [C, ...] with C = inChannels. */
  protected checkInput(x: Tensor): void {
    if (!(x instanceof Tensor)) return;
    const n = this.nd;
    if ((x.ndim !== n + 1 && x.ndim !== n + 2) || x.shape[x.ndim - n - 1] !== this.inChannels) {
      const sp = n === 1 ? "L" : "H, W";
      throw shapeError(this, `[N, ${this.inChannels}, ${sp}] or [${this.inChannels}, ${sp}]`, x);
    }
  }

  /** reflect, replicate or circular padding applied before the convolution (torch's padding_mode). */
  protected padded(x: Tensor): [Tensor, number[] | "same" | "valid"] {
    if (this.paddingMode === "zeros") return [x, this.padding];
    const amounts = this.padding === "valid" ? this.kernelSize.map(() => [0, 0])
      : this.padding === "same" ? this.kernelSize.map((k, i) => { const t = this.dilation[i] * (k - 1), l = Math.floor(t / 2); return [l, t - l]; })
      : this.padding.map((p) => [p, p]);
    return [pad(x, amounts.reverse().flat(), this.paddingMode), this.kernelSize.map(() => 0)];
  }

  extraRepr(): string {
    const zeros = (v: number[]) => v.every((x) => x === 0), ones = (v: number[]) => v.every((x) => x === 1);
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === "string") s += `, padding=${this.padding}`;
    else if (!zeros(this.padding)) s += `, padding=${pyTuple(this.padding)}`;
    if (!ones(this.dilation)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (!zeros(this.outputPadding)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ", bias=False";
    if (this.paddingMode !== "zeros") s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/** 1-D convolution over [N, C, L]. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvModuleOptions = {}) {
    super(1, false, inChannels, outChannels, kernelSize, options);
  }
  forward(input: Tensor): Tensor {
    this.checkInput(input);
    const [x, padding] = this.padded(input);
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding, dilation: this.dilation, groups: this.groups });
  }
}

/** 2-D convolution over [N, C, H, W]. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvModuleOptions = {}) {
    super(2, false, inChannels, outChannels, kernelSize, options);
  }
  forward(input: Tensor): Tensor {
    this.checkInput(input);
    const [x, padding] = this.padded(input);
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding, dilation: this.dilation, groups: this.groups });
  }
}

/** The adjoint of Conv2d (a "deconvolution"), weight [inChannels, outChannels/groups, kh, kw]. */
export class ConvTranspose2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: Omit<ConvModuleOptions, "padding"> & { padding?: number | number[] } = {}) {
    super(2, true, inChannels, outChannels, kernelSize, options);
  }
  forward(input: Tensor): Tensor {
    this.checkInput(input);
    return convTranspose2d(input, this.weight, this.bias, {
      stride: this.stride, padding: this.padding as number[], outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups,
    });
  }
}
