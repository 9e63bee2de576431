// torch.optim.SGD: stochastic gradient descent with optional momentum,
// dampening, Nesterov momentum, L2 weight decay and maximize, with torch's
// exact update (assembly/optim.ts, sgd_step_f32).

import type { Tensor } from "../tensor";
import { k } from "../backend/module";
import { exec } from "../backend/tape";
import { Optimizer, checkOption } from "./optimizer";
import { checkOptionSpelling } from "../spelling";

export interface SGDOptions {
  /** Learning rate (required, as in torch). */
  lr: number;
  momentum?: number;
  dampening?: number;
  /** L2 penalty: weightDecay·param is added to the gradient. */
  weightDecay?: number;
  nesterov?: boolean;
  /** Ascend the objective instead of descending it. */
  maximize?: boolean;
}

/**
 * For each parameter p with gradient g (torch 1.13's update):
 *
 *     g = g + weightDecay·p
 *     buf = g (first step), else buf = momentum·buf + (1 - dampening)·g
 *     g = nesterov ? g + momentum·buf : buf
 *     p = p - lr·g
 */
export class SGD extends Optimizer {
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly maximize: boolean;
  #buffers = new Map<Tensor, Tensor>();

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    super("SGD", params);
    if (options === null || typeof options !== "object") throw new TypeError("SGD: options with at least { lr } are required");
    checkOptionSpelling("SGD", options);
    this.lr = checkOption("SGD", "learning rate (lr)", options.lr, 0);
    this.momentum = checkOption("SGD", "momentum", options.momentum ?? 0, 0);
    this.dampening = checkOption("SGD", "dampening", options.dampening ?? 0, -Infinity);
    this.weightDecay = checkOption("SGD", "weightDecay", options.weightDecay ?? 0, 0);
    this.nesterov = options.nesterov ?? false;
    this.maximize = options.maximize ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError("SGD: Nesterov momentum requires a momentum and zero dampening");
    }
  }

  protected update(p: Tensor, g: Tensor): void {
    let buf = this.#buffers.get(p);
    let first = buf === undefined;
    if (this.momentum !== 0 && !buf) this.#buffers.set(p, (buf = this.stateBuffer(p)));
    const pp = p.ptr, gp = g.ptr, bp = buf ? buf.ptr : 0, n = p.numel();
    p.bumpVersion();
    // A thunk, so that a captured step replays it with the optimizer's current settings.
    exec(() => {
      // torch casts each Python-double scalar to float32 where the tensor op takes it.
      k().sgd_step_f32(
        pp, gp, bp, n,
        Math.fround(-this.lr), Math.fround(this.momentum), Math.fround(1 - this.dampening), Math.fround(this.weightDecay),
        this.nesterov, this.maximize, first,
      );
      first = false;
    });
  }

  /** The momentum buffer of a parameter (torch's state[p]["momentum_buffer"]), if it exists yet. */
  momentumBuffer(p: Tensor): Tensor | null {
    return this.#buffers.get(p) ?? null;
  }

  protected resetState(): void {
    this.#buffers.clear();
  }
}
