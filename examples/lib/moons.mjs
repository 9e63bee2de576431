// The two-moons classifier, shared by examples/moons.mjs (Node) and the demo's
// worker (part 4): the data, the network and the picture of its decision, each
// line with the torch code it mirrors. test/fixtures/gen_moons.py is the same
// program in PyTorch; test/moons.test.ts checks one against the other.
//
// The data is sklearn's make_moons (the classic micrograd demo): the upper moon
// (cos t, sin t) and the lower moon (1 - cos t, 0.5 - sin t) for t in [0, pi],
// plus Gaussian noise; here t is drawn at random rather than evenly spaced.
// cos and sin are drawn without cos and sin: (cos t, sin t)
// is the direction of a pair of randn, (a, |b|) / sqrt(a² + b²), which is
// uniform in t on [0, pi], and is made of products, a square root and
// quotients, each rounded exactly in float32 by wasmgrad and by torch alike; so
// the same seed gives torch's points bit for bit. (wasmgrad's cos and sin are
// musl's, torch's SLEEF's: 1 ulp apart for about one value in twenty.)
import { F, randn, rand, stack, cat, arange, tensor, noGrad, scope } from "../../dist/wasmgrad.js";

/** The picture's rectangle in data coordinates: both moons and their noise, with a margin. */
export const BOUNDS = { x0: -1.5, x1: 2.5, y0: -1, y1: 1.5 };

export const ACTIVATIONS = { relu: F.relu, tanh: F.tanh };

/** n points on each moon, labelled 0 (upper) and 1 (lower); draws 4n normal numbers from the generator. */
export function twoMoons(n, noise) {
  return scope(() => twoMoonsIn(n, noise)); // the intermediates are freed; X and y stay
}

function twoMoonsIn(n, noise) {
  const G = randn(2 * n, 2); //                                    G = torch.randn(2 * n, 2)
  const a = G.select(1, 0), b = G.select(1, 1); //                 a, b = G[:, 0], G[:, 1]
  const r = a.mul(a).add(b.mul(b)).sqrt(); //                      r = (a * a + b * b).sqrt()
  const cos = a.div(r), sin = b.abs().div(r); //                   cos, sin = a / r, b.abs() / r
  const upper = stack([cos.slice([0, n]), sin.slice([0, n])], 1); // upper = torch.stack([cos[:n], sin[:n]], 1)
  const lower = stack([cos.slice([n]).neg().add(1), sin.slice([n]).neg().add(0.5)], 1); // torch.stack([1 - cos[n:], 0.5 - sin[n:]], 1)
  const X = cat([upper, lower]).add(randn(2 * n, 2).mul(noise)); // X = torch.cat([upper, lower]) + torch.randn(2 * n, 2) * noise
  const y = arange(2 * n).ge(n).int(); //                          y = (torch.arange(2 * n) >= n).long()
  return { X, y };
}

/**
 * An MLP of F.linear layers, widths [2, h, ..., 2], `activation` between them.
 * nn.Linear's initial distribution, U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for weight and
 * bias, drawn as rand * 2 - 1 scaled (nn.init is not in this build): rand * 2 - 1 is
 * exact and the scaling one rounding, so these are torch's bits for the same seed.
 */
export function mlp(widths, activation = "relu") {
  const act = ACTIVATIONS[activation];
  if (!act) throw new RangeError(`mlp: activation must be one of ${Object.keys(ACTIVATIONS).join(", ")} (got ${activation})`);
  // uniform(shape, bound) = ((torch.rand(*shape) * 2 - 1) * bound).requires_grad_()
  const uniform = (shape, bound) => rand(...shape).mul(2).sub(1).mul(bound).requiresGrad_();
  const params = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const bound = 1 / Math.sqrt(widths[i]);
    params.push(uniform([widths[i + 1], widths[i]], bound), uniform([widths[i + 1]], bound));
  }
  const last = params.length / 2 - 1;
  const forward = (x) => {
    let h = x;
    for (let i = 0; i <= last; i++) {
      h = F.linear(h, params[2 * i], params[2 * i + 1]); //      h = F.linear(h, W, b)
      if (i < last) h = act(h); //                               h = F.relu(h) (or torch.tanh(h))
    }
    return h;
  };
  return { params, forward };
}

/** The class the model predicts for each point: model(X).argmax(1), under no_grad. */
export const predict = (forward, X) => noGrad(() => scope(() => forward(X).argmax(1).data().slice()));

/** The fraction of points the model classifies right: (model(X).argmax(1) == y).float().mean(). */
export const accuracy = (forward, X, y) => noGrad(() => scope(() => forward(X).argmax(1).eq(y).float().mean().item()));

/** The centres of a cols × rows grid over BOUNDS, row by row from the top (the largest y). */
export function gridPoints(cols, rows) {
  const { x0, x1, y0, y1 } = BOUNDS;
  const xy = new Float32Array(2 * cols * rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      xy[2 * (r * cols + c)] = x0 + ((c + 0.5) * (x1 - x0)) / cols;
      xy[2 * (r * cols + c) + 1] = y1 - ((r + 0.5) * (y1 - y0)) / rows;
    }
  }
  return xy;
}

/** The model's probability of class 1 at each grid centre: model(grid).softmax(1)[:, 1], under no_grad. */
export function probabilityGrid(forward, cols, rows) {
  return noGrad(() => scope(() => forward(tensor(gridPoints(cols, rows)).reshape([cols * rows, 2])).softmax(1).select(1, 1).data().slice()));
}
