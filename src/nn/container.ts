// torch.nn's containers: Sequential, ModuleList, ModuleDict. Sequential and
// ModuleList hold their modules as properties "0", "1", ... (so seq[0] works,
// and the state dict's keys are torch's 0.weight, 1.bias, ...).

import { Module } from "./module";

function checkModule(owner: string, m: unknown, where: string): Module {
  if (!(m instanceof Module)) throw new TypeError(`${owner}: ${where} is not a Module (got ${m === null ? "null" : typeof m})`);
  return m;
}

/** Modules held under indices 0..length-1. */
abstract class Indexed extends Module {
  [index: number]: Module;

  get length(): number {
    return Object.keys(this).filter((k) => /^\d+$/.test(k)).length;
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): Module {
    const n = this.length;
    if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`${this.typeName}: index ${i} is out of range (length ${n})`);
    return this[i < 0 ? i + n : i];
  }

  /** Adds a module at the end; returns this. */
  append(m: Module): this {
    this[this.length] = checkModule(this.typeName, m, "append's argument");
    return this;
  }

  extend(ms: Iterable<Module>): this {
    for (const m of ms) this.append(m);
    return this;
  }

  *[Symbol.iterator](): Iterator<Module> {
    for (let i = 0; i < this.length; i++) yield this[i];
  }
}

/** Runs its modules one after another: forward(x) = m_n(...m_1(m_0(x))). */
export class Sequential extends Indexed {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    const first = modules[0] as unknown;
    if (modules.length === 1 && !(first instanceof Module) && first !== null && typeof first === "object") {
      // torch's Sequential(OrderedDict(...)): named modules
      for (const [name, m] of Object.entries(first as Record<string, Module>)) this.registerModule(name, checkModule("Sequential", m, `module "${name}"`));
    } else {
      modules.forEach((m, i) => (this[i] = checkModule("Sequential", m, `argument ${i}`)));
    }
  }

  get length(): number {
    return this.own("m").length;
  }

  *[Symbol.iterator](): Iterator<Module> {
    for (const [, m] of this.own("m")) yield m as Module;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(input: any): any {
    let x = input;
    for (const [, m] of this.own("m")) x = (m as Module).forward(x);
    return x;
  }
}

/** A list of modules, registered (their parameters are the list's); it has no forward. */
export class ModuleList extends Indexed {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }
}

/** Modules by name, in insertion order (torch's ModuleDict); it has no forward. */
export class ModuleDict extends Module {
  private items = new Map<string, Module>();

  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    this.update(modules);
  }

  protected entries(): [string, unknown][] {
    return [...Object.entries(this), ...this.items];
  }

  get(key: string): Module | undefined {
    return this.items.get(key);
  }

  set(key: string, m: Module): this {
    this.checkKey(key);
    this.items.set(key, checkModule("ModuleDict", m, `module "${key}"`));
    return this;
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  delete(key: string): boolean {
    return this.items.delete(key);
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  values(): IterableIterator<Module> {
    return this.items.values();
  }

  get size(): number {
    return this.items.size;
  }

  update(modules: Record<string, Module> | Iterable<[string, Module]>): this {
    const pairs = Symbol.iterator in Object(modules) ? (modules as Iterable<[string, Module]>) : Object.entries(modules);
    for (const [k, m] of pairs) this.set(k, m);
    return this;
  }

  private checkKey(key: string): void {
    if (typeof key !== "string" || key === "" || key.includes(".")) throw new TypeError(`ModuleDict: a key must be a non-empty string without ".", got ${JSON.stringify(key)}`);
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.items.keys();
  }
}
