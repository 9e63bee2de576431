// The edge-worker service (examples/worker) in workerd, bundled as wrangler
// bundles it and served on 127.0.0.1: the series' answers, honest answers
// (a 422 for a matrix with no inverse, "converged": false and a warning when a
// descent did not get there), every kind of bad input, the work limit, and a
// bounded load test (1,000 requests, 16 at a time) with zero failures and no
// growth of the module's linear memory.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { golden } from "./helpers/golden";

const root = fileURLToPath(new URL("..", import.meta.url));
// Node's copy of the same bundle, for bit-for-bit comparisons and the input matrices
const wg = await import(/* @vite-ignore */ `${root}dist/wasmgrad.js`);
const { startWorker } = await import(/* @vite-ignore */ `${root}examples/worker/serve.mjs`);
const { LIMITS, TOLERANCE, maxStepsFor } = await import(/* @vite-ignore */ `${root}examples/worker/src/service.js`);

const G = golden("seed_programs.json").cases;
const REQUEST_TIMEOUT = 60_000;

let worker: { url: string; pid: number; logs: () => string; close: () => Promise<void> };
beforeAll(async () => {
  worker = await startWorker({ port: 0 });
}, 90_000);
afterAll(async () => {
  await worker?.close();
});

type Reply = { status: number; body: any; text: string; headers: Headers };
async function call(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Reply> {
  const { json, ...rest } = init;
  const res = await fetch(worker.url + path, {
    method: json !== undefined || rest.body !== undefined ? "POST" : "GET",
    body: json !== undefined ? JSON.stringify(json) : rest.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT),
    ...rest,
  });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    // a text answer (GET /)
  }
  return { status: res.status, body, text, headers: res.headers };
}

// The series' matrices, built by Node's wasmgrad exactly as the notebooks build them.
const asRows = (t: any): number[][] => t.toArray();
const seeded = (seed: number, f: () => any) => (wg.manualSeed(seed), f());
const MATRICES: Record<string, number[][]> = {
  inverse_M1: asRows(seeded(314, () => wg.rand(4, 4))),
  inverse_M2: asRows(wg.diag(wg.tensor([1, 2, 3, 4], { dtype: "float32" }))),
  M1: asRows(seeded(314, () => wg.rand(5, 4))),
  M2: asRows(seeded(315, () => wg.rand(4, 4))),
  M3: asRows(seeded(316, () => wg.rand(7, 4))),
  M4: asRows(seeded(317, () => wg.rand(3, 4).T)),
  M5: asRows(seeded(317, () => wg.rand(4, 3))),
};
const flat = (rows: number[][]) => rows.flat();
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe("the worker in workerd", () => {
  it("GET / describes the service; GET /stats reports linear memory", async () => {
    const r = await call("/");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(r.text).toContain("POST /inverse");
    expect(r.text).toContain("POST /svd");
    expect(r.text).toContain(`<= ${LIMITS.maxDim}`);
    const s = await call("/stats");
    expect(s.status).toBe(200);
    expect(s.body.memory).toEqual({
      memoryBytes: expect.any(Number), bytesInUse: expect.any(Number), peakBytesInUse: expect.any(Number),
      spills: expect.any(Number), restores: expect.any(Number),
    });
  });

  it("the inverse of the series' M1 and M2 (10,000 steps): X·M = I, PyTorch's numbers", async () => {
    for (const name of ["M1", "M2"]) {
      const g = G[`01_inverse_${name}`];
      const r = await call("/inverse", { json: { matrix: MATRICES[`inverse_${name}`] } });
      expect(r.status, r.text).toBe(200);
      expect(r.body.steps).toBe(10_000);
      expect(r.body.result.residual).toBeLessThan(1e-5); // X·M prints as the identity to 4 decimals
      expect(r.body.converged).toBe(true);
      expect(r.body).not.toHaveProperty("warning");
      // the condition number S₁ / S_min, from linalg.svd of the same float32 matrix
      const S = wg.linalg.svd(wg.tensor(MATRICES[`inverse_${name}`], { dtype: "float32" })).S.data();
      expect(r.body.result.conditionNumber).toBe(S[0] / S[3]);
      if (name === "M2") expect(r.body.result.conditionNumber).toBe(4); // diag(1, 2, 3, 4)
      expect(maxAbsDiff(flat(r.body.result.inverse), g.approximate_inverse.values)).toBeLessThan(5e-4);
      // the downsampled curve: 200 points from step 0 to the last, PyTorch's first and last losses
      expect(r.body.losses).toHaveLength(200);
      expect(r.body.lossSteps[0]).toBe(0);
      expect(r.body.lossSteps.at(-1)).toBe(9_999);
      expect(rel(r.body.losses[0], g.losses["0"])).toBeLessThan(1e-6);
      expect(r.body.finalLoss).toBeLessThan(1e-11);
      expect(r.body.ms).toBeGreaterThanOrEqual(0);
    }
  });

  it("the SVD of the series' M1 (20,000 steps) with each optimizer: the singular values and factors the series printed", async () => {
    const printed: Record<string, string[]> = {
      momentum: ["2.3398", "0.6873", "0.2592", "0.1177"],
      sgd: ["2.3398", "0.6873", "0.2592", "0.1177"],
      adam: ["2.3382", "0.6890", "0.2601", "0.1181"],
    };
    for (const [optimizer, prefix, tol] of [["momentum", "02", 1e-4], ["sgd", "02a", 1e-4], ["adam", "02b", 1e-3]] as const) {
      const g = G[`${prefix}_svd_M1`];
      const r = await call("/svd", { json: { matrix: MATRICES.M1, optimizer } });
      expect(r.status, r.text).toBe(200);
      expect(r.body.steps).toBe(20_000);
      const { U, S, V, residual } = r.body.result;
      expect(maxAbsDiff(S, g.diag.values), `${optimizer}: S`).toBeLessThan(tol);
      expect(maxAbsDiff(flat(U), g.U.values), `${optimizer}: U`).toBeLessThan(tol);
      expect(maxAbsDiff(flat(V), g.V.values), `${optimizer}: V`).toBeLessThan(tol);
      expect(S.map((x: number) => x.toFixed(4))).toEqual(printed[optimizer]);
      expect(residual.reconstruction).toBeLessThan(optimizer === "adam" ? 2e-4 : 1e-5);
      expect(residual.orthogonalityU).toBeLessThan(optimizer === "adam" ? 4e-3 : 1e-5);
      expect(residual.orthogonalityV).toBeLessThan(optimizer === "adam" ? 4e-3 : 1e-5);
      expect(Math.abs(r.body.finalLoss - g.losses.final)).toBeLessThan(tol * g.losses.final + 1e-10);
      // beside linalg.svd's singular values (the direct method): within the tolerance, so converged
      expect(r.body.result.reference.S.map((x: number) => x.toFixed(4))).toEqual(["2.3398", "0.6873", "0.2592", "0.1177"]);
      expect(residual.singularValues).toBe(Math.max(...S.map((s: number, i: number) => Math.abs(s - r.body.result.reference.S[i]))));
      expect(residual.singularValues).toBeLessThan(optimizer === "adam" ? 2e-3 : 1e-5);
      expect(r.body.converged, r.body.warning).toBe(true);
      expect(r.body).not.toHaveProperty("warning");
    }
  });

  it("the SVD of the series' five matrices: the service gives Node's bits, on PyTorch's track (1,001 steps)", async () => {
    for (const name of ["M1", "M2", "M3", "M4", "M5"]) {
      const g = G[`02_svd_${name}`];
      const r = await call("/svd", { json: { matrix: MATRICES[name], steps: 1001, points: 1000 } });
      expect(r.status, r.text).toBe(200);
      const node = wg.linalg.svdGD(wg.tensor(MATRICES[name], { dtype: "float32" }), { steps: 1001 });
      // the same bundle in Node and in workerd: the same numbers, bit for bit
      expect(r.body.result.S).toEqual(Array.from(node.S.data()));
      expect(flat(r.body.result.U)).toEqual(Array.from(node.U.data()));
      expect(r.body.losses).toEqual(r.body.lossSteps.map((i: number) => node.losses[i]));
      wg.dispose(node);
      // and PyTorch's losses at the steps the golden file records
      for (const [i, tol] of [[0, 1e-6], [1, 1e-6], [2, 1e-6], [10, 1e-4], [100, 1e-4], [1000, 1e-4]] as const) {
        const at = r.body.lossSteps.indexOf(i);
        expect(at, `step ${i} is in the curve`).toBeGreaterThanOrEqual(0);
        expect(rel(r.body.losses[at], g.losses[String(i)]), `${name} loss ${i}`).toBeLessThan(tol);
      }
    }
  });

  it("a diverging descent stops at the first non-finite loss and says so", async () => {
    const r = await call("/svd", { json: { matrix: [[3, 0], [0, 1], [1, 1]], steps: 20_000 } });
    expect(r.status).toBe(200);
    expect(r.body.diverged).toBe(true);
    expect(r.body.converged).toBe(false);
    expect(r.body.steps).toBeLessThan(100);
    expect(r.body.warning).toBe(`diverged: the loss stopped being finite at step ${r.body.steps - 1}; try a smaller "lr"`);
    expect(r.body.finalLoss).toBeNull();
    expect(r.body.losses.at(-1)).toBeNull(); // JSON has no NaN
  });
});

describe("honest answers: no inverse of a singular matrix, and a warning whenever the descent did not converge", () => {
  it("a singular matrix on /inverse: 422, rank and singular values, no made-up inverse", async () => {
    const r = await call("/inverse", { json: { matrix: [[1, 2], [2, 4]] } });
    expect(r.status, r.text).toBe(422);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(r.body.error).toBe(
      "the matrix is singular (rank 1 of 2: smallest singular value 0.00e+0, largest 5.00e+0; the service computes in float32), " +
        "so it has no inverse: gradient descent would only find a least-squares fit, not an inverse",
    );
    expect(r.body.singular).toBe(true);
    expect(r.body.rank).toBe(1);
    expect(r.body.conditionNumber).toBeNull(); // infinite: JSON has no Infinity
    expect(r.body.singularValues).toEqual([5, 0]);
    expect(r.body).not.toHaveProperty("result");
    // all zeros: rank 0; and 4.0000001 is 4 in float32, so singular too
    const zero = await call("/inverse", { json: { matrix: [[0, 0, 0], [0, 0, 0], [0, 0, 0]] } });
    expect(zero.status).toBe(422);
    expect(zero.body.rank).toBe(0);
    expect((await call("/inverse", { json: { matrix: [[1, 2], [2, 4.0000001]] } })).body.rank).toBe(1);
  });

  it("singular to float32 precision (condition number over 1 / (n·eps)): 422 with the condition number", async () => {
    const matrix = [[1, 1], [1, 1 + 1e-7]]; // 1 + 1e-7 is 1 + 2⁻²³ in float32
    const r = await call("/inverse", { json: { matrix } });
    expect(r.status, r.text).toBe(422);
    expect(r.body.error).toMatch(/^the matrix is singular to float32 precision \(rank 1 of 2: smallest singular value 5\.96e-8, largest 2\.00e\+0, condition number 3\.36e\+7;/);
    const S = wg.linalg.svd(wg.tensor(matrix, { dtype: "float32" })).S.data();
    expect(r.body.singularValues).toEqual(Array.from(S));
    expect(r.body.conditionNumber).toBe(S[0] / S[1]);
    expect(r.body.conditionNumber).toBeGreaterThan(1 / (2 * 2 ** -23));
  });

  it("an ill-conditioned matrix whose descent has not converged: 200, converged false, a warning with the residual and the condition number", async () => {
    const matrix = [[1, 1], [1, 1.001]];
    const r = await call("/inverse", { json: { matrix, steps: 3000 } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.converged).toBe(false);
    const { residual, conditionNumber, inverse } = r.body.result;
    expect(residual).toBeGreaterThan(0.1); // the newcomer's "residual 0.5": far from an inverse
    // the residual is max |X·M − I| of the returned X, recomputed here with the same bundle
    const X = wg.tensor(inverse, { dtype: "float32" }), M = wg.tensor(matrix, { dtype: "float32" });
    expect(residual).toBe(Math.max(...Array.from(X.matmul(M).sub(wg.eye(2)).data(), Math.abs)));
    // the condition number of the symmetric [[1, 1], [1, d]]: (λ₊ / λ₋), λ± = (1 + d)/2 ± √(((1 − d)/2)² + 1)
    const d = Math.fround(1.001), c = (1 + d) / 2, r2 = Math.sqrt(((1 - d) / 2) ** 2 + 1);
    expect(conditionNumber).toBeCloseTo((c + r2) / (c - r2), -1);
    expect(r.body.warning).toBe(
      `not converged after 3000 steps: max |X·M − I| = ${residual.toExponential(2)} (over ${TOLERANCE.inverse}; condition number ${conditionNumber.toExponential(2)}): ` +
        'X is not an inverse of M; try more "steps"',
    );
    // a well-conditioned matrix with too few steps: the same warning, without the conditioning remark
    const few = await call("/inverse", { json: { matrix: [[1, 0], [0, 2]], steps: 5 } });
    expect(few.body.converged).toBe(false);
    expect(few.body.warning).toMatch(/^not converged after 5 steps: max \|X·M − I\| = \d\.\d\de-1 \(over 0\.0001; condition number 2\.00e\+0\): X is not an inverse of M; try more "steps"$/);
    // a badly scaled matrix: the advice says so
    const tiny = await call("/inverse", { json: { matrix: [[1e-30]], steps: 100 } });
    expect(tiny.body.warning).toMatch(/scale M to entries of about 1 \(its largest singular value is 1\.00e-30/);
  });

  it('side "both" checks X·M and M·X, "right" checks M·X', async () => {
    const matrix = MATRICES.inverse_M1;
    const M = wg.tensor(matrix, { dtype: "float32" });
    for (const side of ["left", "right", "both"]) {
      const r = await call("/inverse", { json: { matrix, side, steps: 200 } });
      expect(r.status, r.text).toBe(200);
      const X = wg.tensor(r.body.result.inverse, { dtype: "float32" });
      const left = Math.max(...Array.from(X.matmul(M).sub(wg.eye(4)).data(), Math.abs));
      const right = Math.max(...Array.from(M.matmul(X).sub(wg.eye(4)).data(), Math.abs));
      expect(r.body.result.residual, side).toBe(side === "left" ? left : side === "right" ? right : Math.max(left, right));
      expect(r.body.converged).toBe(false); // 200 steps are not enough for M1
      expect(r.body.warning).toContain(side === "both" ? "max |X·M − I| and |M·X − I| = " : side === "right" ? "max |M·X − I| = " : "max |X·M − I| = ");
    }
  });

  it("an SVD descent stuck away from the SVD (the series' M5, momentum, 20,000 steps): converged false, the residuals and linalg.svd's S named", async () => {
    const r = await call("/svd", { json: { matrix: MATRICES.M5 } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.steps).toBe(20_000);
    const { S, residual, reference } = r.body.result;
    const ref = Array.from(wg.linalg.svd(wg.tensor(MATRICES.M5, { dtype: "float32" })).S.data());
    expect(reference.S).toEqual(ref);
    expect(reference.S.map((x: number) => x.toFixed(4))).toEqual(["1.8323", "0.8321", "0.3363"]);
    // the descent found the two largest and a zero for the third: the reconstruction misses by 0.18
    expect(S.map((x: number) => x.toFixed(4))).toEqual(["1.8323", "0.8321", "0.0000"]);
    expect(residual.singularValues).toBeCloseTo(0.3363, 4);
    expect(residual.reconstruction).toBeGreaterThan(0.1);
    expect(r.body.converged).toBe(false);
    expect(r.body.warning).toBe(
      `not converged after 20000 steps: max |U·diag(S)·Vᵀ − M| = ${residual.reconstruction.toExponential(2)} (over ${TOLERANCE.reconstruction} × S₁), ` +
        `S differs from linalg.svd's by up to ${residual.singularValues.toExponential(2)} (over ${TOLERANCE.singularValues} × S₁; see reference.S): ` +
        'the factors are not an SVD of M; try more "steps", another "optimizer" or "seed"',
    );
    // Adam gets there (within its weight decay's bias): converged
    const adam = await call("/svd", { json: { matrix: MATRICES.M5, optimizer: "adam" } });
    expect(adam.body.converged, adam.body.warning).toBe(true);
    expect(adam.body.result.residual.singularValues).toBeLessThan(2e-3);
  });
});

describe("bad input: a 400 (or 404 / 405 / 413) with a reason, never a crash", () => {
  const good = MATRICES.M1;
  const cases: [string, string, RequestInit & { json?: unknown }, number, RegExp][] = [
    ["not JSON", "/svd", { body: "{matrix: [[1]]" }, 400, /not JSON/],
    ["plain text", "/inverse", { body: "hello" }, 400, /not JSON/],
    ["an empty body", "/svd", { method: "POST" }, 400, /body is empty/],
    ["invalid UTF-8", "/svd", { body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }, 400, /not valid UTF-8/],
    ["a JSON array", "/svd", { json: [[1, 2], [3, 4]] }, 400, /must be a JSON object.*got an array/],
    ["JSON null", "/svd", { body: "null" }, 400, /must be a JSON object.*got null/],
    ["a JSON number", "/inverse", { body: "42" }, 400, /must be a JSON object.*got number/],
    ["no matrix", "/svd", { json: { steps: 10 } }, 400, /"matrix" is missing/],
    ["matrix a string", "/svd", { json: { matrix: "1 2; 3 4" } }, 400, /"matrix" must be an array of rows/],
    ["matrix a flat list", "/inverse", { json: { matrix: [1, 2, 3, 4] } }, 400, /row 0 is 1/],
    ["an empty matrix", "/svd", { json: { matrix: [] } }, 400, /"matrix" is empty/],
    ["empty rows", "/svd", { json: { matrix: [[], []] } }, 400, /empty rows/],
    ["a ragged matrix", "/svd", { json: { matrix: [[1, 2], [3]] } }, 400, /ragged: row 0 has 2 numbers, row 1 has 1/],
    ["a row not an array", "/inverse", { json: { matrix: [[1, 2], 3] } }, 400, /row 1 is 3/],
    ["a string entry", "/svd", { json: { matrix: [[1, "2"], [3, 4]] } }, 400, /\[0\]\[1\] is "2", not a number/],
    ["a null entry", "/svd", { json: { matrix: [[1, 2], [null, 4]] } }, 400, /\[1\]\[0\] is null, not a number/],
    ["a boolean entry", "/inverse", { json: { matrix: [[true, 0], [0, 1]] } }, 400, /is true, not a number/],
    ["a nested entry", "/svd", { json: { matrix: [[[1], 2], [3, 4]] } }, 400, /is an array, not a number/],
    ["1e999 (Infinity)", "/svd", { body: '{"matrix": [[1e999, 0], [0, 1]]}' }, 400, /is Infinity: values must be finite/],
    ["-1e999", "/inverse", { body: '{"matrix": [[1, 0], [0, -1e999]]}' }, 400, /is -Infinity/],
    ["over float32's range", "/svd", { json: { matrix: [[1e39, 0], [0, 1]] } }, 400, /must be finite and at most 3\.40\d+e\+38/],
    ["deeply nested JSON", "/svd", { body: "[".repeat(50_000) + "]".repeat(50_000) }, 400, /./],
    ["inverse of a non-square matrix", "/inverse", { json: { matrix: [[1, 2, 3], [4, 5, 6]] } }, 400, /needs a square matrix, got 2×3/],
    ["SVD of a wide matrix", "/svd", { json: { matrix: [[1, 2, 3], [4, 5, 6]] } }, 400, /at least as many rows as columns.*got 2×3/],
    ["65 rows", "/svd", { json: { matrix: Array.from({ length: 65 }, () => [1]) } }, 400, /65 rows; at most 64/],
    ["65 columns", "/svd", { json: { matrix: [Array(65).fill(1)] } }, 400, /65 columns; at most 64/],
    ["65×65", "/inverse", { json: { matrix: Array.from({ length: 65 }, () => Array(65).fill(1)) } }, 400, /at most 64/],
    ["steps over 20,000", "/svd", { json: { matrix: good, steps: 20_001 } }, 400, /"steps" must be in \[1, 20000\], got 20001/],
    ["steps 0", "/inverse", { json: { matrix: [[2]], steps: 0 } }, 400, /"steps" must be in \[1, 20000\]/],
    ["steps negative", "/inverse", { json: { matrix: [[2]], steps: -5 } }, 400, /"steps" must be in/],
    ["steps fractional", "/svd", { json: { matrix: good, steps: 10.5 } }, 400, /"steps" must be an integer/],
    ["steps a string", "/svd", { json: { matrix: good, steps: "100" } }, 400, /"steps" must be a finite number, got "100"/],
    ["over the work limit", "/svd", { json: { matrix: Array.from({ length: 64 }, () => Array(64).fill(0.5)), steps: 20_000 } }, 400, /over the work limit: at most \d+ steps/],
    ["an unknown optimizer", "/svd", { json: { matrix: good, optimizer: "rmsprop" } }, 400, /"optimizer" must be "momentum".*got "rmsprop"/],
    ["lr 0", "/svd", { json: { matrix: good, lr: 0 } }, 400, /"lr" must be in \(0, 10\]/],
    ["lr negative", "/inverse", { json: { matrix: [[2]], lr: -1 } }, 400, /"lr" must be in/],
    ["lr too large", "/inverse", { json: { matrix: [[2]], lr: 11 } }, 400, /"lr" must be in/],
    ["momentum 1", "/svd", { json: { matrix: good, momentum: 1 } }, 400, /"momentum" must be in \[0, 1\)/],
    ["weightDecay with the hand-written update", "/svd", { json: { matrix: good, weightDecay: 0.1 } }, 400, /"weightDecay" needs optimizer "sgd" or "adam"/],
    ["weightDecay negative", "/svd", { json: { matrix: good, optimizer: "adam", weightDecay: -1 } }, 400, /"weightDecay" must be in/],
    ["seed negative", "/svd", { json: { matrix: good, seed: -1 } }, 400, /"seed" must be in/],
    ["seed over 32 bits", "/svd", { json: { matrix: good, seed: 2 ** 32 } }, 400, /"seed" must be in/],
    ["side unknown", "/inverse", { json: { matrix: [[2]], side: "top" } }, 400, /"side" must be "left"/],
    ["side on /svd", "/svd", { json: { matrix: good, side: "left" } }, 400, /unknown field "side" for \/svd/],
    ["points 1", "/svd", { json: { matrix: good, points: 1 } }, 400, /"points" must be in \[2, 1000\]/],
    ["a misspelt field", "/svd", { json: { matrix: good, setps: 10 } }, 400, /unknown field "setps"/],
    ["a body over 256 KB", "/svd", { body: JSON.stringify({ matrix: [[1]], pad: "x".repeat(300_000) }) }, 413, /at most 262144 are accepted/],
    ["GET /svd", "/svd", { method: "GET" }, 405, /use POST \/svd/],
    ["PUT /inverse", "/inverse", { method: "PUT", body: "{}" }, 405, /use POST \/inverse/],
    ["POST /", "/", { method: "POST", body: "{}" }, 405, /use GET \//],
    ["an unknown path", "/qr", { json: { matrix: good } }, 404, /no such endpoint \/qr/],
  ];
  for (const [what, path, init, status, reason] of cases) {
    it(`${what}: ${status}`, async () => {
      const r = await call(path, init);
      expect(r.status, r.text).toBe(status);
      expect(r.headers.get("content-type")).toMatch(/^application\/json/);
      expect(r.body.error).toMatch(reason);
    });
  }

  it("a streamed body over 256 KB without a content-length: 413 as soon as the limit is passed, before the body ends", async () => {
    // a raw socket: chunked transfer, 320 KB sent and the body never finished; the answer must come anyway
    const { port } = new URL(worker.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(port), "127.0.0.1");
      let reply = "";
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`no answer within 20 s (got ${JSON.stringify(reply)})`));
      }, 20_000);
      const finish = () => {
        clearTimeout(timer);
        sock.destroy();
        resolve(reply);
      };
      sock.on("data", (d) => {
        reply += d;
        if (/\r\n\r\n[\s\S]*\}/.test(reply)) finish();
      });
      sock.on("error", finish);
      sock.on("close", finish);
      sock.on("connect", () => {
        sock.write("POST /svd HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (let i = 0; i < 5; i++) sock.write(`10000\r\n${" ".repeat(0x10000)}\r\n`);
      });
    });
    expect(reply).toMatch(/^HTTP\/1\.1 413/);
    expect(reply).toMatch(/over 262144 bytes/);
  });

  it("the largest allowed request (64×64, the most steps the work limit gives) finishes in seconds; one step more is refused", async () => {
    const n = LIMITS.maxDim;
    const steps = maxStepsFor("svd", n, n);
    expect(steps).toBeGreaterThan(1000);
    wg.manualSeed(1);
    const matrix = asRows(wg.rand(n, n));
    const over = await call("/svd", { json: { matrix, steps: steps + 1, optimizer: "adam" } });
    expect(over.status).toBe(400);
    expect(over.body.error).toContain(`at most ${steps} steps for that size`);
    const t0 = performance.now();
    const r = await call("/svd", { json: { matrix, steps, optimizer: "adam" } });
    const wall = performance.now() - t0;
    console.log(`largest /svd request: 64×64, ${steps} steps, ${r.body.ms} ms in the worker, ${wall.toFixed(0)} ms round trip`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.steps).toBe(steps);
    expect(wall).toBeLessThan(30_000); // a Workers paid plan's default CPU budget, on a shared 2-core machine
    const inv = maxStepsFor("inverse", n, n);
    expect(inv).toBeGreaterThan(steps);
  });

  it("is still healthy after all of that", async () => {
    const r = await call("/inverse", { json: { matrix: [[1, 0], [0, 2]], steps: 500 } });
    expect(r.status).toBe(200);
    expect(r.body.result.residual).toBeLessThan(1e-6);
  });
});

describe("load: 1,000 requests, 16 at a time", () => {
  it("zero failures, the same answer every time, and no growth of linear memory", async () => {
    const inverseReq = { matrix: MATRICES.inverse_M1, steps: 100, points: 20 };
    const svdReq = { matrix: MATRICES.M1, steps: 50, points: 10, optimizer: "adam" };
    const badReqs = [
      ['{"matrix": [[1, 2], [3]]}', /ragged/],
      ['{"matrix": "x"}', /must be an array/],
      ["not json", /not JSON/],
    ] as const;
    // warm up: the first requests grow linear memory to its working size
    const first = { inverse: await call("/inverse", { json: inverseReq }), svd: await call("/svd", { json: svdReq }) };
    for (let i = 0; i < 10; i++) await call(i % 2 ? "/inverse" : "/svd", { json: i % 2 ? inverseReq : svdReq });
    const before = (await call("/stats")).body;
    const rssBefore = rssKB(worker.pid);

    const TOTAL = 1000, CONCURRENCY = 16;
    let next = 0, failures = 0;
    const problems: string[] = [];
    const t0 = performance.now();
    const lane = async () => {
      while (next < TOTAL) {
        const i = next++;
        const kind = i % 5 === 4 ? "bad" : i % 2 ? "inverse" : "svd";
        try {
          if (kind === "bad") {
            const [body, reason] = badReqs[i % badReqs.length];
            const r = await call(i % 3 ? "/svd" : "/inverse", { body });
            if (r.status !== 400 || !reason.test(r.body?.error)) throw new Error(`bad input answered ${r.status} ${r.text.slice(0, 200)}`);
          } else {
            const r = await call(`/${kind}`, { json: kind === "inverse" ? inverseReq : svdReq });
            if (r.status !== 200) throw new Error(`${kind} answered ${r.status} ${r.text.slice(0, 200)}`);
            // deterministic: every answer equals the first, whatever ran beside it
            const ref = first[kind].body;
            if (JSON.stringify(r.body.result) !== JSON.stringify(ref.result) || JSON.stringify(r.body.losses) !== JSON.stringify(ref.losses)) {
              throw new Error(`${kind} request ${i} gave a different answer`);
            }
          }
        } catch (e) {
          failures++;
          if (problems.length < 5) problems.push(String(e));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    const seconds = (performance.now() - t0) / 1000;
    const after = (await call("/stats")).body;
    const rssAfter = rssKB(worker.pid);
    console.log(
      `load: ${TOTAL} requests, ${CONCURRENCY} concurrent, in ${seconds.toFixed(1)} s (${(TOTAL / seconds).toFixed(0)}/s); ` +
        `linear memory ${before.memory.memoryBytes} -> ${after.memory.memoryBytes} bytes, in use ${before.memory.bytesInUse} -> ${after.memory.bytesInUse}; ` +
        `workerd RSS ${rssBefore} -> ${rssAfter} KB; requests served ${after.requests}`,
    );
    expect(problems).toEqual([]);
    expect(failures).toBe(0);
    expect(after.requests - before.requests).toBe(TOTAL + 1);
    // every tensor of every request was freed, and memory never had to grow
    expect(after.memory.bytesInUse).toBe(before.memory.bytesInUse);
    expect(after.memory.memoryBytes).toBe(before.memory.memoryBytes);
    if (rssBefore && rssAfter) expect(rssAfter - rssBefore).toBeLessThan(64 * 1024); // the JS heap may settle; no leak per request
  });
});

/** The resident set size of a process in KB (Linux), or null elsewhere. */
function rssKB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
