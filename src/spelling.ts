// Loud mistakes for PyTorch hands. Plain JS returns undefined for a property
// that does not exist, so `x.requires_grad`, `opt.zero_grad()` or `x[0]` would
// pass silently (or fail far away). A class guarded here gets, behind its own
// prototype, a trap that only a failed lookup reaches: a torch spelling of one
// of the class's members, or an integer index, is a TypeError that names the
// wasmgrad spelling. Every other missing property is undefined, as JS has it
// (tools probe objects for `then`, `toJSON`, `$$typeof`, ...), and lookups that
// succeed never reach the trap.

const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The wasmgrad spelling of `key` on `obj`, when `key` is missing there and is a torch spelling: from `renamed`, or its camelCase form. */
function wasmgradSpelling(obj: object, key: string, renamed: Record<string, string>): string | null {
  if (Object.prototype.hasOwnProperty.call(renamed, key)) return renamed[key];
  if (!/[a-z0-9]_[a-z0-9]/.test(key)) return null;
  // torch's trailing underscore (in place) stays: requires_grad_ -> requiresGrad_
  const c = camel(key);
  return c in obj ? c : null;
}

/**
 * torch's keyword spelling in an options object ({ weight_decay }, { ignore_index },
 * { requires_grad }) is an error naming wasmgrad's, not an option silently ignored.
 */
export function checkOptionSpelling(op: string, options: object): void {
  for (const key in options) if (/[a-z0-9]_[a-z0-9]/.test(key)) throw new TypeError(`${op}: ${key} is torch's spelling (camelCase here: ${camel(key)})`);
}

const isIndex = (key: string): boolean => /^(0|[1-9]\d*)$/.test(key);

/**
 * Makes the missing members of `cls`'s instances (and its subclasses') that a
 * PyTorch user would reach for throw a TypeError naming the right spelling.
 * `nameOf` names the object in the message (the bundle is minified, so
 * constructor names are not kept); `renamed` maps torch names that are not
 * simply camelCased; `onIndex` says what to write instead of obj[i].
 */
export function guardTorchSpellings(
  cls: { prototype: object },
  nameOf: (obj: object) => string,
  renamed: Record<string, string> = {},
  onIndex?: (i: string) => string,
): void {
  const proto = cls.prototype;
  const fail = (obj: object, key: string | symbol): void => {
    if (typeof key !== "string") return;
    const name = nameOf(obj);
    if (onIndex && isIndex(key)) throw new TypeError(`${name}: [${key}] is not indexing in JS (it would be undefined); ${onIndex(key)}`);
    const right = wasmgradSpelling(obj, key, renamed);
    if (right !== null) throw new TypeError(`${name}: .${key} is torch's spelling; wasmgrad spells it .${right}`);
  };
  const trap = new Proxy(Object.getPrototypeOf(proto) as object, {
    get(target, key, receiver) {
      fail(receiver, key);
      return Reflect.get(target, key, receiver);
    },
    set(target, key, value, receiver) {
      fail(receiver, key);
      return Reflect.set(target, key, value, receiver);
    },
  });
  Object.setPrototypeOf(proto, trap);
}

/**
 * The class, as users reach it: `new optim.Adam(...)` works as before, while
 * `optim.Adam(...)`, as Python writes it, says what to write instead of the
 * engine's "Class constructor Ae cannot be invoked without 'new'" (a minified name).
 */
export function requireNew<C extends abstract new (...args: never[]) => unknown>(cls: C, name: string): C {
  return new Proxy(cls, {
    apply(): never {
      throw new TypeError(`${name} is a class: create one with new ${name}(...)`);
    },
  });
}
