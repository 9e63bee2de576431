// torch.nn.Module. A module's parameters, buffers and submodules are its own
// properties, found by what they hold, in the order they were assigned (torch's
// registration order, and so its state-dict order):
//   - a Module is a submodule;
//   - a Tensor made a parameter (nn.Parameter(t), registerParameter, or any leaf
//     tensor that requires grad when it is first seen) is a parameter;
//   - a Tensor registered with registerBuffer is a buffer (the name stays a
//     buffer when a new tensor is assigned to it, as in torch);
//   - anything else (numbers, arrays, other tensors) is a plain attribute.
// JS objects cannot be called, so `model.forward(x)` runs the module, and
// `model.call(x)` is torch's `model(x)` (the same today; hooks would go there).

import { Tensor } from "../tensor";
import { keep } from "../lifetime";
import { noGrad } from "../autograd/grad-mode";
import { fillRaw } from "../ops/dispatch";
import { fmt } from "../shape";
import { guardTorchSpellings } from "../spelling";

const parameters = new WeakSet<Tensor>();

/**
 * torch.nn.Parameter: marks t as a parameter (a leaf that requires grad, kept out of
 * any scope()) and returns it. A module registers it when it is assigned to a property.
 */
export function Parameter(t: Tensor, requiresGrad = true): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`nn.Parameter: expected a Tensor, got ${t === null ? "null" : typeof t}`);
  t.assertAlive("nn.Parameter");
  if (!t.isLeaf) throw new Error(`nn.Parameter: expected a leaf tensor, this one was produced by ${t.gradFn!.name}; use t.detach()`);
  keep(t).requiresGrad_(requiresGrad);
  parameters.add(t);
  return t;
}

/** The state dict: names (torch's dotted keys) to tensors, in torch's order. */
export type StateDict = Record<string, Tensor>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Python's repr of a float (1e-05, 0.1, 1.0), for the modules' text. */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const [m, e] = x.toExponential().split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= 16) return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/** Python's repr of a tuple of ints: (3,) or (3, 3). */
export const pyTuple = (v: readonly number[]): string => (v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`);

const isModule = (v: unknown): v is Module => v instanceof Module;

export class Module {
  /** Training mode (dropout active, batch statistics); train() and eval() set it on the whole tree. */
  training = true;
  private buffersOf = new Set<string>();
  private transient = new Set<string>();

  /** The module's class name as torch prints it. */
  get typeName(): string {
    const c = this.constructor as { typeName?: string; name: string };
    return Object.prototype.hasOwnProperty.call(c, "typeName") ? c.typeName! : c.name;
  }

  /** Runs the module; a subclass defines it. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(..._args: any[]): any {
    throw new Error(`Module [${this.typeName}] is missing the required "forward" function`);
  }

  /** torch's model(x): runs forward. */
  call(...args: Parameters<this["forward"]>): ReturnType<this["forward"]> {
    return this.forward(...args);
  }

  // ---- registration --------------------------------------------------------------

  /** The own properties that are modules, parameters or buffers, in assignment order. */
  protected entries(): [string, unknown][] {
    return Object.entries(this);
  }

  protected own(kind: "p" | "b" | "m"): [string, Tensor | Module][] {
    const out: [string, Tensor | Module][] = [];
    for (const [name, v] of this.entries()) {
      if (kind === "m") {
        if (isModule(v)) out.push([name, v]);
      } else if (v instanceof Tensor) {
        const buffer = this.buffersOf.has(name);
        if (kind === "b" ? buffer : !buffer && (parameters.has(v) || (v.isLeaf && v.requiresGrad && !v.isDisposed && Parameter(v)))) out.push([name, v]);
      }
    }
    return out;
  }

  private checkName(what: string, name: string): void {
    if (typeof name !== "string" || name === "" || name.includes(".")) {
      throw new TypeError(`${this.typeName}.register${what}: the name must be a non-empty string without ".", got ${JSON.stringify(name)}`);
    }
  }

  /** Adds a parameter (torch's register_parameter); null keeps the name without a tensor. */
  registerParameter(name: string, param: Tensor | null): void {
    this.checkName("Parameter", name);
    this.buffersOf.delete(name);
    this.setOwn(name, param === null || parameters.has(param) ? param : Parameter(param));
  }

  /** Adds a buffer: state saved in the state dict that is not trained (unless persistent is false). */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    this.checkName("Buffer", name);
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`${this.typeName}.registerBuffer: cannot assign a ${typeof tensor} as buffer "${name}" (a Tensor or null expected)`);
    this.buffersOf.add(name);
    if (persistent) this.transient.delete(name);
    else this.transient.add(name);
    this.setOwn(name, tensor === null ? null : keep(tensor));
  }

  /** Adds a submodule (the same as assigning it to a property). */
  registerModule(name: string, module: Module | null): void {
    this.checkName("Module", name);
    if (module !== null && !isModule(module)) throw new TypeError(`${this.typeName}.registerModule: ${name} is not a Module`);
    this.setOwn(name, module);
  }

  /** Sets an own property (defined, so that a torch spelling like running_mean passes the spelling guard). */
  private setOwn(name: string, value: unknown): void {
    Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
  }

  addModule(name: string, module: Module | null): void {
    this.registerModule(name, module);
  }

  // ---- traversal -------------------------------------------------------------------

  /** Every module of the tree, each once, as [dotted name, module] (this one is ""). */
  *namedModules(prefix = "", memo = new Set<Module>()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [name, m] of this.own("m") as [string, Module][]) yield* m.namedModules(prefix ? `${prefix}.${name}` : name, memo);
  }

  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  *namedChildren(): Generator<[string, Module]> {
    const seen = new Set<Module>();
    for (const [name, m] of this.own("m") as [string, Module][]) if (!seen.has(m)) seen.add(m), yield [name, m];
  }

  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  private *named(kind: "p" | "b", prefix: string, recurse: boolean): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [name, t] of m.own(kind) as [string, Tensor][]) {
        if (!seen.has(t)) seen.add(t), yield [mp ? `${mp}.${name}` : name, t];
      }
    }
  }

  /** [dotted name, parameter] pairs, each parameter once (torch's named_parameters). */
  namedParameters(prefix = "", recurse = true): Generator<[string, Tensor]> {
    return this.named("p", prefix, recurse);
  }

  *parameters(recurse = true): Generator<Tensor> {
    for (const [, p] of this.namedParameters("", recurse)) yield p;
  }

  namedBuffers(prefix = "", recurse = true): Generator<[string, Tensor]> {
    return this.named("b", prefix, recurse);
  }

  *buffers(recurse = true): Generator<Tensor> {
    for (const [, b] of this.namedBuffers("", recurse)) yield b;
  }

  /** The submodule at a dotted path ("encoder.fc1"). */
  getSubmodule(target: string): Module {
    let m: Module = this;
    if (target === "") return m;
    for (const part of target.split(".")) {
      const next = (m as unknown as Record<string, unknown>)[part];
      if (!isModule(next)) throw new Error(`${m.typeName} has no submodule \`${part}\` (looking for "${target}")`);
      m = next;
    }
    return m;
  }

  // ---- modes and gradients --------------------------------------------------------------

  /** Sets training mode on this module and every submodule; returns this. */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new TypeError(`${this.typeName}.train: training mode is expected to be boolean, got ${typeof mode}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** train(false). (Set on the prototype below: the bundle's check for a global `eval(` would match a method of that name.) */
  declare eval: () => this;

  /** Calls fn on every submodule (children first, as torch) and then on this one; returns this. */
  apply(fn: (m: Module) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  /** Sets requiresGrad on every parameter (freezes the module with false); returns this. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Resets the parameters' gradients: zeros in place (torch 1.13's default) or, with setToNone, null. */
  zeroGrad(setToNone = false): void {
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (setToNone) p.grad.dispose(), (p.grad = null);
      else if (!p.grad.isDisposed) p.grad.bumpVersion(), fillRaw(p.grad, 0);
    }
  }

  /** Frees every parameter and buffer of the tree (and their gradients). */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) t.grad?.dispose(), t.dispose();
  }

  // ---- state dicts ------------------------------------------------------------------------

  private stateEntries(prefix: string, out: [string, Tensor][]): [string, Tensor][] {
    for (const [name, p] of this.own("p")) out.push([prefix + name, p as Tensor]);
    for (const [name, b] of this.own("b")) if (!this.transient.has(name)) out.push([prefix + name, b as Tensor]);
    for (const [name, m] of this.own("m")) (m as Module).stateEntries(`${prefix}${name}.`, out);
    return out;
  }

  /**
   * Parameters and persistent buffers by torch's keys (`0.weight`, `encoder.fc1.bias`,
   * `bn.running_mean`), in torch's order: a module's parameters, its buffers, then each
   * submodule's. The tensors share the module's memory (detached, as torch's).
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [k, t] of this.stateEntries("", [])) out[k] = t.detach();
    return out;
  }

  /**
   * Copies a state dict into the module's tensors. Every key, shape and dtype is checked
   * first, and on any mismatch nothing is loaded: the error lists the missing and
   * unexpected keys (with strict, the default) and each size or dtype mismatch, as torch's.
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    if (stateDict === null || typeof stateDict !== "object") {
      throw new TypeError(`Expected state_dict to be dict-like, got ${stateDict === null ? "null" : typeof stateDict}.`);
    }
    const given = new Map(stateDict instanceof Map ? stateDict : Object.entries(stateDict));
    const mine = this.stateEntries("", []);
    const names = new Set(mine.map(([k]) => k));
    const missingKeys = mine.map(([k]) => k).filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !names.has(k));
    const errors: string[] = [];
    for (const [k, t] of mine) {
      if (!given.has(k)) continue;
      const v = given.get(k);
      if (!(v instanceof Tensor)) errors.push(`While copying the parameter named "${k}", expected a Tensor from checkpoint but received ${v === null ? "null" : typeof v}`);
      else if (v.isDisposed) errors.push(`While copying the parameter named "${k}", the tensor from checkpoint was disposed`);
      else if (fmt(v.shape) !== fmt(t.shape)) errors.push(`size mismatch for ${k}: copying a param with shape ${fmt(v.shape)} from checkpoint, the shape in current model is ${fmt(t.shape)}.`);
      else if (v.dtype !== t.dtype) errors.push(`dtype mismatch for ${k}: copying a param of dtype ${v.dtype} from checkpoint, the dtype in current model is ${t.dtype}.`);
    }
    const list = (ks: string[]) => ks.map((k) => `"${k}"`).join(", ");
    if (strict && unexpectedKeys.length > 0) errors.unshift(`Unexpected key(s) in state_dict: ${list(unexpectedKeys)}. `);
    if (strict && missingKeys.length > 0) errors.unshift(`Missing key(s) in state_dict: ${list(missingKeys)}. `);
    if (errors.length > 0) throw new Error(`Error(s) in loading state_dict for ${this.typeName}:\n\t${errors.join("\n\t")}`);
    noGrad(() => {
      for (const [k, t] of mine) if (given.has(k)) t.copy_(given.get(k)!);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- text -------------------------------------------------------------------------------

  /** The settings torch prints inside the parentheses (a subclass overrides it). */
  extraRepr(): string {
    return "";
  }

  /** The module tree as torch prints it. */
  toString(): string {
    const lines = this.extraRepr() ? this.extraRepr().split("\n") : [];
    const kids = [...this.own("m")].map(([name, m]) => `(${name}): ${String(m).replace(/\n/g, "\n  ")}`);
    const all = [...lines, ...kids];
    if (all.length === 0) return `${this.typeName}()`;
    if (lines.length === 1 && kids.length === 0) return `${this.typeName}(${lines[0]})`;
    return `${this.typeName}(\n  ${all.join("\n  ")}\n)`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

Object.defineProperty(Module.prototype, "eval", {
  value: function (this: Module) {
    return this.train(false);
  },
  writable: true,
  configurable: true,
});

// model.state_dict(), model.zero_grad(), ...: a TypeError naming the camelCase spelling
guardTorchSpellings(Module, (m) => (m as Module).typeName, { add_module: "addModule", get_submodule: "getSubmodule", extra_repr: "extraRepr" });

/** Checks a module's constructor arguments: positive integers. */
export function checkInts(name: string, what: Record<string, unknown>, least = 1): void {
  for (const [k, v] of Object.entries(what)) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < least) {
      throw new RangeError(`${name}: ${k} must be an integer >= ${least}, got ${String(v)}`);
    }
  }
}

/** The error of a module called with an input of the wrong shape: names the layer and what it expects. */
export function shapeError(m: Module, expected: string, x: Tensor): RangeError {
  return new RangeError(`${m}: expected input of shape ${expected}, got ${fmt(x.shape)}`);
}
