// torch.optim.SGD: stochastic gradient descent with optional momentum,
// dampening, Nesterov momentum, L2 weight decay and maximize, with torch's
// exact update (assembly/optim.ts, sgd_step_f32).

import type { Tensor } from "../tensor";
import { k } from "../backend/module";
import { exec } from "../backend/tape";
import { Optimizer, checkOption, type ParamGroup, type Params } from "./optimizer";

export interface SGDOptions {
  /** Learning rate (required, as in torch: here or in every group). */
  lr?: number;
  momentum?: number;
  dampening?: number;
  /** L2 penalty: weightDecay·param is added to the gradient. */
  weightDecay?: number;
  nesterov?: boolean;
  /** Ascend the objective instead of descending it. */
  maximize?: boolean;
}

type SGDGroup = ParamGroup & Required<Omit<SGDOptions, "lr">>;

/**
 * For each parameter p with gradient g (torch 1.13's update):
 *
 *     g = g + weightDecay·p
 *     buf = g (first step), else buf = momentum·buf + (1 - dampening)·g
 *     g = nesterov ? g + momentum·buf : buf
 *     p = p - lr·g
 */
export class SGD extends Optimizer {
  private buffers = new Map<Tensor, Tensor>();

  constructor(params: Params, options?: SGDOptions) {
    if (options !== undefined && (options === null || typeof options !== "object")) throw new TypeError("SGD: options with at least { lr } are required");
    const o = options ?? {};
    super("SGD", params, { ...(options ? { lr: o.lr } : {}), momentum: o.momentum ?? 0, dampening: o.dampening ?? 0, weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ?? false, maximize: o.maximize ?? false });
  }

  protected checkGroup(g: SGDGroup): void {
    if (g.lr === undefined && !("lr" in this.defaults)) throw new TypeError("SGD: options with at least { lr } are required (or an lr in every parameter group)");
    checkOption("SGD", "learning rate (lr)", g.lr, 0);
    checkOption("SGD", "momentum", g.momentum, 0);
    checkOption("SGD", "dampening", g.dampening, -Infinity);
    checkOption("SGD", "weightDecay", g.weightDecay, 0);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new RangeError("SGD: Nesterov momentum requires a momentum and zero dampening");
    }
  }

  step(): void {
    for (const g of this.paramGroups) checkOption("SGD", "learning rate (lr)", g.lr, 0);
    this.each((group, p, i) => {
      const g = this.gradOf(p, i);
      if (!g) return;
      const o = group as SGDGroup;
      let buf = this.buffers.get(p);
      let first = buf === undefined;
      if (o.momentum !== 0 && !buf) this.buffers.set(p, (buf = this.stateBuffer(p)));
      const pp = p.ptr, gp = g.ptr, bp = buf ? buf.ptr : 0, n = p.numel;
      p.bumpVersion();
      // A thunk, so that a captured step replays it with the group's current settings.
      exec(() => {
        // torch casts each Python-double scalar to float32 where the tensor op takes it.
        k().sgd_step_f32(
          pp, gp, bp, n,
          Math.fround(-o.lr), Math.fround(o.momentum), Math.fround(1 - o.dampening), Math.fround(o.weightDecay),
          o.nesterov, o.maximize, first,
        );
        first = false;
      });
    });
  }

  /** The momentum buffer of a parameter (torch's state[p]["momentum_buffer"]), if it exists yet. */
  momentumBuffer(p: Tensor): Tensor | null {
    return this.buffers.get(p) ?? null;
  }

  protected stateFor(p: Tensor): Record<string, Tensor> | null {
    const b = this.buffers.get(p);
    return b ? { momentumBuffer: b } : null;
  }

  protected setStateFor(p: Tensor, s: Record<string, Tensor | number>): void {
    if (s.momentumBuffer) this.buffers.set(p, s.momentumBuffer as Tensor);
  }

  protected resetState(): void {
    this.buffers.clear();
  }
}
