// What every optimizer shares: its parameter groups (torch's param_groups: the
// parameters and the options they are updated with), zeroGrad, the
// per-parameter state it keeps between steps, and state dicts. A step calls one
// fused kernel per parameter (assembly/optim.ts), so it allocates nothing but
// the state on the first step, and that state outlives any scope() the step runs in.

import { Tensor } from "../tensor";
import { keep } from "../lifetime";
import { fmt, sameShape } from "../shape";
import { fillRaw } from "../ops/dispatch";
import { k } from "../backend/module";
import { guardTorchSpellings } from "../spelling";

/** A parameter group: its parameters and the options of every update of them (the optimizer's defaults where unset). */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  /** Set by the LR schedulers: the lr they start from. */
  initialLr?: number;
  [option: string]: unknown;
}

/** What the constructors and addParamGroup take: `{ params, ...options }`. */
export type ParamGroupSpec = { params: Iterable<Tensor> | Tensor } & Record<string, unknown>;

/** The parameters (tensors), or parameter groups. */
export type Params = Iterable<Tensor> | Iterable<ParamGroupSpec>;

/** An optimizer's state dict: the state of each parameter by its index, and the groups with indices for parameters. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  paramGroups: (Omit<ParamGroup, "params"> & { params: number[] })[];
}

export abstract class Optimizer {
  readonly paramGroups: ParamGroup[] = [];
  private all: Tensor[] = [];
  private stateTensors: Tensor[] = [];

  protected constructor(
    readonly name: string,
    params: Params,
    /** The options a group takes when it does not set them. */
    readonly defaults: Record<string, unknown>,
  ) {
    if (params === null || typeof params !== "object" || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== "function") {
      throw new TypeError(`${name}: params must be an array (or iterable) of tensors or of parameter groups, got ${params === null ? "null" : typeof params}`);
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new Error(`${name}: optimizer got an empty parameter list`);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : (list as ParamGroupSpec[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** The tensors this optimizer updates, in the order given (all groups). */
  get params(): readonly Tensor[] {
    return this.all;
  }

  /** The first group's learning rate; setting it sets every group's. */
  get lr(): number {
    return this.paramGroups[0].lr;
  }

  set lr(value: number) {
    for (const g of this.paramGroups) g.lr = value;
  }

  /** Adds a group of parameters with its own options (torch's add_param_group). */
  addParamGroup(group: ParamGroupSpec): void {
    const name = this.name;
    if (group === null || typeof group !== "object" || !("params" in group)) throw new TypeError(`${name}: a parameter group must be an object { params, ...options }`);
    const ps = group.params instanceof Tensor ? [group.params] : group.params;
    if (ps instanceof Set) throw new TypeError(`${name}: optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use an array instead.`);
    if (ps === null || typeof ps !== "object" || typeof ps[Symbol.iterator] !== "function") throw new TypeError(`${name}: a group's params must be a Tensor or an array of tensors`);
    const list = [...ps];
    const seen = new Set(this.all);
    list.forEach((p, j) => {
      const i = this.all.length + j;
      if (!(p instanceof Tensor)) throw new TypeError(`${name}: params[${i}] is not a Tensor`);
      p.assertAlive(name);
      if (p.dtype !== "float32") throw new TypeError(`${name}: params[${i}] has dtype ${p.dtype}; only float32 tensors can be optimized`);
      if (!p.isLeaf) throw new Error(`${name}: params[${i}] is not a leaf tensor (produced by ${p.gradFn!.name}); can't optimize a non-leaf Tensor`);
      if (seen.has(p)) throw new Error(`${name}: params[${i}] appears more than once in the parameter list`);
      seen.add(p);
    });
    const g = { ...this.defaults, ...group, params: list } as ParamGroup;
    this.checkGroup(g);
    this.paramGroups.push(g);
    this.all = [...this.all, ...list];
  }

  /** Validates (and normalizes) a group's options, with torch's messages. */
  protected abstract checkGroup(group: ParamGroup): void;

  /**
   * Resets the gradients of all parameters: fills them with zeros in place
   * (torch 1.13's default), or with setToNone disposes them and sets .grad to null.
   */
  zeroGrad(setToNone = false): void {
    for (const p of this.all) {
      if (p.grad === null) continue;
      if (setToNone) {
        p.grad.dispose();
        p.grad = null;
      } else if (!p.grad.isDisposed) {
        p.grad.bumpVersion();
        fillRaw(p.grad, 0);
      }
    }
  }

  /** Updates every parameter that has a gradient. */
  abstract step(): void;

  /** Calls visit(group, p, i) for each parameter of each group, i its index among all. */
  protected each(visit: (group: ParamGroup, p: Tensor, i: number) => void): void {
    let i = 0;
    for (const g of this.paramGroups) for (const p of g.params) visit(g, p, i++);
  }

  /** Frees the optimizer's state (momentum buffers, moments); the parameters are untouched. */
  dispose(): void {
    for (const t of this.stateTensors) t.dispose();
    this.stateTensors = [];
    this.resetState();
  }

  protected abstract resetState(): void;

  /** A parameter's state for stateDict (null: none yet). */
  protected abstract stateFor(p: Tensor): Record<string, Tensor | number> | null;

  /** Sets a parameter's state from a state dict entry (its tensors already copied into stateBuffers). */
  protected abstract setStateFor(p: Tensor, state: Record<string, Tensor | number>): void;

  /** Throws if a state dict's entry for a parameter lacks what the optimizer needs. */
  protected checkState(_state: Record<string, Tensor | number>): void {}

  /** The state of each parameter (by index: the tensors themselves, not copies) and the groups' options, as torch's state_dict. */
  stateDict(): OptimizerStateDict {
    const index = new Map(this.all.map((p, i) => [p, i]));
    const state: OptimizerStateDict["state"] = {};
    this.all.forEach((p, i) => {
      const s = this.stateFor(p);
      if (s) state[i] = s;
    });
    return { state, paramGroups: this.paramGroups.map((g) => ({ ...g, params: g.params.map((p) => index.get(p)!) })) };
  }

  /** Loads a state dict of an optimizer of the same groups: checked whole first; the state tensors are copied. */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const n = this.name;
    const groups = stateDict?.paramGroups;
    if (!Array.isArray(groups) || stateDict.state === null || typeof stateDict.state !== "object") throw new TypeError(`${n}.loadStateDict: expected { state, paramGroups }`);
    if (groups.length !== this.paramGroups.length) throw new Error(`${n}.loadStateDict: loaded state dict has a different number of parameter groups (${groups.length}, the optimizer has ${this.paramGroups.length})`);
    groups.forEach((g, i) => {
      if (!Array.isArray(g.params) || g.params.length !== this.paramGroups[i].params.length) {
        throw new Error(`${n}.loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group ${i})`);
      }
    });
    const ids = groups.flatMap((g) => g.params);
    const byId = new Map(ids.map((id, i) => [id, this.all[i]]));
    for (const [id, s] of Object.entries(stateDict.state)) {
      const p = byId.get(Number(id));
      if (!p) throw new Error(`${n}.loadStateDict: state for parameter ${id}, which no group lists`);
      this.checkState(s);
      for (const [key, v] of Object.entries(s)) {
        if (v instanceof Tensor && (v.isDisposed || !sameShape(v.shape, p.shape) || v.dtype !== "float32")) {
          throw new Error(`${n}.loadStateDict: state "${key}" of parameter ${id} is ${v.isDisposed ? "disposed" : `${v.dtype} ${fmt(v.shape)}`}, expected float32 ${fmt(p.shape)}`);
        }
      }
    }
    groups.forEach((g, i) => Object.assign(this.paramGroups[i], { ...g, params: this.paramGroups[i].params }));
    this.dispose();
    for (const [id, s] of Object.entries(stateDict.state)) {
      const p = byId.get(Number(id))!;
      const copy: Record<string, Tensor | number> = {};
      for (const [key, v] of Object.entries(s)) {
        if (v instanceof Tensor) {
          const t = this.stateBuffer(p);
          k().copy32(v.ptr, t.ptr, t.numel);
          copy[key] = t;
        } else copy[key] = v;
      }
      this.setStateFor(p, copy);
    }
  }

  /** A zero-filled float32 buffer like p that lives until dispose(), whatever scope it is created in. */
  protected stateBuffer(p: Tensor): Tensor {
    const t = keep(Tensor.empty(p.shape));
    fillRaw(t, 0);
    this.stateTensors.push(t);
    return t;
  }

  /** The parameter's gradient, checked; null when it has none (the parameter is skipped, as in torch). */
  protected gradOf(p: Tensor, i: number): Tensor | null {
    p.assertAlive(`${this.name}.step`);
    const g = p.grad;
    if (g === null) return null;
    g.assertAlive(`${this.name}.step`);
    if (!sameShape(g.shape, p.shape)) {
      throw new Error(`${this.name}.step: params[${i}] has shape ${fmt(p.shape)} but its grad has shape ${fmt(g.shape)}`);
    }
    return g;
  }
}

/** Throws unless value is a finite number >= min (and < max when given), naming the option. */
export function checkOption(op: string, name: string, value: unknown, min: number, max?: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || (max !== undefined && value >= max)) {
    const range = max === undefined ? `>= ${min}` : `in [${min}, ${max})`;
    throw new RangeError(`${op}: invalid ${name}: ${String(value)} (expected a number ${range})`);
  }
  return value;
}

// opt.zero_grad() and friends: a TypeError naming the camelCase spelling (src/spelling.ts)
guardTorchSpellings(Optimizer, (opt) => (opt as Optimizer).name, { param_groups: "paramGroups", add_param_group: "addParamGroup" });
