// torch.autograd.grad: the backward pass over several outputs at once,
// returning the gradients of chosen tensors instead of accumulating into .grad.

import type { Tensor } from "../tensor";
import { checkRoot, checkInput, run, tensorList, type BackwardOptions } from "./backward";
import { fmt } from "../shape";
import { named } from "../ops/dispatch";

export interface GradOptions extends BackwardOptions {
  /** The gradient of each output (torch's grad_outputs); null or absent: ones, for one-element outputs. */
  gradOutputs?: Tensor | readonly (Tensor | null)[] | null;
  /** Return null for an input the outputs do not depend on, instead of throwing (torch's allow_unused). */
  allowUnused?: boolean;
}

function seedsFor(op: string, outputs: readonly Tensor[], gradOutputs: GradOptions["gradOutputs"]): (Tensor | null)[] {
  const seeds = gradOutputs == null ? outputs.map(() => null) : tensorList(op, "gradOutputs", gradOutputs);
  if (seeds.length !== outputs.length) {
    throw new Error(`${op}: got ${seeds.length} gradOutputs for ${outputs.length} outputs; pass one per output (null for ones)`);
  }
  outputs.forEach((o, i) => checkRoot(op, o, seeds[i]));
  return seeds;
}

/**
 * The gradients of the sum of `outputs` (weighted by gradOutputs) with respect
 * to each of `inputs`, leaving every .grad as it is. With createGraph the
 * results are part of a graph and can be differentiated again. The arguments
 * after `inputs` are torch's, by position (gradOutputs, retainGraph,
 * createGraph) or, from any position on, in an options object.
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  gradOutputs?: GradOptions | GradOptions["gradOutputs"],
  retainGraph?: boolean | GradOptions,
  createGraph?: boolean | GradOptions,
): (Tensor | null)[] {
  const options = named<GradOptions>("autograd.grad", { gradOutputs, retainGraph, createGraph });
  const outs = tensorList("autograd.grad", "outputs", outputs) as Tensor[];
  const ins = tensorList("autograd.grad", "inputs", inputs) as Tensor[];
  const seeds = seedsFor("autograd.grad", outs, options.gradOutputs);
  ins.forEach((t, i) => checkInput("autograd.grad", t, i));
  const found = run(outs, seeds, options, ins);
  const unused = found.indexOf(null);
  if (unused >= 0 && !options.allowUnused) {
    if (!options.createGraph) for (const g of found) g?.dispose();
    throw new Error(
      `autograd.grad: input ${unused} (shape ${fmt(ins[unused].shape)}) was not used in the graph of the outputs; ` +
        "pass { allowUnused: true } to get null for it",
    );
  }
  return found;
}
