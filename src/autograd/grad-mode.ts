// Whether ops record the graph: torch.no_grad / enable_grad.

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

function withGradMode<T>(op: string, mode: boolean, fn: () => T): T {
  if (typeof fn !== "function") throw new TypeError(`${op}: expected a function, got ${fn === null ? "null" : typeof fn}`);
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs fn without recording the autograd graph (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode("noGrad", false, fn);
}

/** Runs fn with graph recording on, even inside noGrad (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode("enableGrad", true, fn);
}

export function setGradEnabled(mode: boolean): void {
  enabled = mode;
}
