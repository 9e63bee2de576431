// The service behind examples/worker: the blog series' inverse (part 2) and SVD
// (part 3) by gradient descent, as JSON over HTTP. Runtime-neutral: it takes
// the wasmgrad module (already initialized) and a Request, and returns a
// Response, so the same code runs in workerd, on Cloudflare, or in Node.
//
//   POST /inverse  {matrix, steps?, lr?, momentum?, optimizer?, weightDecay?, seed?, side?, points?}
//   POST /svd      {matrix, steps?, lr?, momentum?, optimizer?, weightDecay?, seed?, points?}
//   GET  /         a short description (text)
//   GET  /stats    the module's linear memory (memoryStats()) and the request count
//
// Every bad input is a 400 with {error}; the work of one request is bounded
// (LIMITS) before any of it starts, because a Worker cannot interrupt itself:
// the clock does not move while it computes. A matrix with no inverse (singular,
// or singular to float32 precision) is a 422 on /inverse; every answer says
// whether the descent converged (TOLERANCE), and a `warning` says what is wrong
// when it did not.

/** The bounds on one request. See README.md ("Limits") for what they cost. */
export const LIMITS = Object.freeze({
  /** The largest number of rows or columns. */
  maxDim: 64,
  /** The most gradient steps. */
  maxSteps: 20_000,
  /** The largest request body, in bytes (a 64×64 matrix in JSON is about 85 KB at full precision). */
  maxBodyBytes: 256 * 1024,
  /**
   * The most work units per request: steps × (m·n·max(m, n) + 32768) × weight,
   * weight 1 for /svd and 1/5 for /inverse. A unit is about 5 ns of CPU on a
   * 2020s server core, so the budget is about 3.5 s, well under the 30 s of CPU
   * that a paid Workers plan allows by default.
   */
  maxWork: 700_000_000,
  /** The most loss values returned (the curve is downsampled to this). */
  maxPoints: 1000,
});

/**
 * When an answer counts as converged (`"converged": true`); otherwise it comes
 * with a `warning` naming the residual that is too large. S₁ is the largest
 * singular value (the scale of M).
 */
export const TOLERANCE = Object.freeze({
  /** /inverse: max |X·M − I| (and/or |M·X − I|, by `side`): X·M equals I to 4 decimals. */
  inverse: 1e-4,
  /** /svd: max |U·diag(S)·Vᵀ − M| ≤ this × S₁. */
  reconstruction: 1e-3,
  /** /svd: max |UᵀU − I| and max |V·Vᵀ − I|. */
  orthogonality: 1e-2,
  /** /svd: max |S − linalg.svd(M)'s S| ≤ this × S₁ (Adam's weight decay moves S by about 1e-3 × S₁). */
  singularValues: 5e-3,
});
/** float32's machine epsilon: a matrix with S_min ≤ n · EPS32 · S₁ is singular to float32 precision. */
const EPS32 = 2 ** -23;

/** Per-step cost model (see LIMITS.maxWork): a fixed dispatch overhead plus the matrix products. */
const STEP_OVERHEAD = 32_768;
const WEIGHT = { inverse: 1 / 5, svd: 1 };
const FLOAT32_MAX = 3.4028234663852886e38;

export function workOf(op, m, n, steps) {
  return steps * (m * n * Math.max(m, n) + STEP_OVERHEAD) * WEIGHT[op];
}

/** The most steps allowed for an m×n matrix (at most LIMITS.maxSteps). */
export function maxStepsFor(op, m, n) {
  return Math.min(LIMITS.maxSteps, Math.floor(LIMITS.maxWork / workOf(op, m, n, 1)));
}

const DEFAULTS = {
  inverse: { steps: 10_000, optimizer: "momentum", seed: 314, side: "left", points: 200 },
  svd: { steps: 20_000, optimizer: "momentum", seed: 314, points: 200 },
};
const FIELDS = {
  inverse: ["matrix", "steps", "lr", "momentum", "optimizer", "weightDecay", "seed", "side", "points"],
  svd: ["matrix", "steps", "lr", "momentum", "optimizer", "weightDecay", "seed", "points"],
};

const DESCRIPTION = `wasmgrad edge service: a matrix inverse and an SVD found by gradient descent
(the "matrix operations with an optimizer" series), computed with wasmgrad in WebAssembly.

POST /inverse  {"matrix": [[...], ...], "steps"?: 10000, "lr"?: 0.9, "momentum"?: 0.9,
                "optimizer"?: "momentum" | "sgd" | "adam", "weightDecay"?: 0, "seed"?: 314,
                "side"?: "left" | "right" | "both", "points"?: 200}
  -> {"result": {"inverse", "residual", "conditionNumber"}, "converged", "warning"?, "losses", "lossSteps", "steps", "ms"}
     Finds X with X @ M = I (side "left") by minimizing mean((X @ M - I)^2).
     A singular matrix (or singular to float32 precision) has no inverse: 422 with {"error", "singular": true, ...}.
POST /svd      {"matrix": [[...], ...] (m >= n), "steps"?: 20000, "optimizer"?: "momentum" | "sgd" | "adam",
                "lr"?: 0.9 (1e-3 for adam), "momentum"?: 0.9, "weightDecay"?: 0 (1e-5 for adam), "seed"?: 314, "points"?: 200}
  -> {"result": {"U", "S", "V", "residual", "reference": {"S"}}, "converged", "warning"?, "losses", "lossSteps", "steps", "ms"}
     Finds M = U @ diag(S) @ V.T by minimizing the series' loss; reference.S is linalg.svd's (direct).
GET  /stats    linear memory in use (wasmgrad's memoryStats()) and the number of requests served

Every answer says "converged": true or false; false comes with a "warning" naming the residual that is
over its tolerance (or the divergence): do not use those numbers as an inverse or an SVD.
Limits: rows and columns <= ${LIMITS.maxDim}, steps <= ${LIMITS.maxSteps}, body <= ${LIMITS.maxBodyBytes} bytes,
and steps * (m*n*max(m,n) + ${STEP_OVERHEAD}) * (1 for svd, 1/5 for inverse) <= ${LIMITS.maxWork}.
Bad input gets a 400 with {"error": reason}; a matrix with no inverse, a 422 on /inverse.
`;

class BadRequest extends Error {
  /** `details`: more fields for the JSON answer, beside `error`. */
  constructor(message, status = 400, details = {}) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

const json = (body, status = 200, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });

/** Reads the body as text, refusing more than LIMITS.maxBodyBytes without buffering it all. */
async function readBody(request) {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > LIMITS.maxBodyBytes) {
    throw new BadRequest(`the body is ${declared} bytes; at most ${LIMITS.maxBodyBytes} are accepted`, 413);
  }
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > LIMITS.maxBodyBytes) {
      await reader.cancel().catch(() => {});
      throw new BadRequest(`the body is over ${LIMITS.maxBodyBytes} bytes, the most accepted`, 413);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequest("the body is not valid UTF-8");
  }
}

function parseJson(text) {
  if (text.trim() === "") throw new BadRequest('the body is empty; send JSON such as {"matrix": [[2, 0], [0, 4]]}');
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BadRequest(`the body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new BadRequest(`the body must be a JSON object such as {"matrix": [[2, 0], [0, 4]]}, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`);
  }
  return value;
}

const describe = (v) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "string" ? JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v) : typeof v === "object" ? "an object" : String(v));

/** Validates `matrix` (rectangular, finite float32 numbers, within LIMITS.maxDim) and returns it flat. */
function parseMatrix(matrix) {
  if (matrix === undefined) throw new BadRequest('"matrix" is missing: send an array of rows, such as [[2, 0], [0, 4]]');
  if (!Array.isArray(matrix)) throw new BadRequest(`"matrix" must be an array of rows, got ${describe(matrix)}`);
  const m = matrix.length;
  if (m === 0) throw new BadRequest('"matrix" is empty; it needs at least one row');
  if (m > LIMITS.maxDim) throw new BadRequest(`"matrix" has ${m} rows; at most ${LIMITS.maxDim} are allowed`);
  if (!Array.isArray(matrix[0])) throw new BadRequest(`"matrix" must be an array of rows (arrays of numbers); row 0 is ${describe(matrix[0])}`);
  const n = matrix[0].length;
  if (n === 0) throw new BadRequest('"matrix" has empty rows; each row needs at least one number');
  if (n > LIMITS.maxDim) throw new BadRequest(`"matrix" has ${n} columns; at most ${LIMITS.maxDim} are allowed`);
  const flat = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = matrix[i];
    if (!Array.isArray(row)) throw new BadRequest(`"matrix" row ${i} is ${describe(row)}, not an array of numbers`);
    if (row.length !== n) throw new BadRequest(`"matrix" is ragged: row 0 has ${n} numbers, row ${i} has ${row.length}`);
    for (let j = 0; j < n; j++) {
      const v = row[j];
      if (typeof v !== "number") throw new BadRequest(`"matrix"[${i}][${j}] is ${describe(v)}, not a number`);
      // JSON has no NaN or Infinity, but 1e999 parses as Infinity, and float32 overflows at 3.4e38
      if (!Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) {
        throw new BadRequest(`"matrix"[${i}][${j}] is ${v}: values must be finite and at most ${FLOAT32_MAX} in magnitude (float32)`);
      }
      flat[i * n + j] = v;
    }
  }
  return { flat, m, n };
}

function number(body, name, { min, max, integer = false, minExclusive = false, maxExclusive = false }) {
  const v = body[name];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new BadRequest(`"${name}" must be a finite number, got ${describe(v)}`);
  if (integer && !Number.isInteger(v)) throw new BadRequest(`"${name}" must be an integer, got ${v}`);
  const lowOk = minExclusive ? v > min : v >= min;
  const highOk = maxExclusive ? v < max : v <= max;
  if (!lowOk || !highOk) {
    throw new BadRequest(`"${name}" must be in ${minExclusive ? "(" : "["}${min}, ${max}${maxExclusive ? ")" : "]"}, got ${v}`);
  }
  return v;
}

/** Validates the whole request for `op` and fills in the defaults. */
export function parseRequest(op, body) {
  const unknown = Object.keys(body).filter((k) => !FIELDS[op].includes(k));
  if (unknown.length > 0) {
    throw new BadRequest(`unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")} for /${op}; the fields are ${FIELDS[op].join(", ")}`);
  }
  const { flat, m, n } = parseMatrix(body.matrix);
  if (op === "inverse" && m !== n) throw new BadRequest(`/inverse needs a square matrix, got ${m}×${n}`);
  if (op === "svd" && m < n) {
    throw new BadRequest(`/svd needs at least as many rows as columns (U is m×n with orthonormal columns), got ${m}×${n}; send the transpose and swap U and V`);
  }
  const o = { ...DEFAULTS[op] };
  if (body.optimizer !== undefined) {
    if (!["momentum", "sgd", "adam"].includes(body.optimizer)) {
      throw new BadRequest(`"optimizer" must be "momentum" (the series' hand-written update), "sgd" or "adam", got ${describe(body.optimizer)}`);
    }
    o.optimizer = body.optimizer;
  }
  if (body.steps !== undefined) o.steps = number(body, "steps", { min: 1, max: LIMITS.maxSteps, integer: true });
  if (body.lr !== undefined) o.lr = number(body, "lr", { min: 0, max: 10, minExclusive: true });
  if (body.momentum !== undefined) o.momentum = number(body, "momentum", { min: 0, max: 1, maxExclusive: true });
  if (body.weightDecay !== undefined) o.weightDecay = number(body, "weightDecay", { min: 0, max: 1 });
  if (body.seed !== undefined) o.seed = number(body, "seed", { min: 0, max: 2 ** 32 - 1, integer: true });
  if (body.points !== undefined) o.points = number(body, "points", { min: 2, max: LIMITS.maxPoints, integer: true });
  if (op === "inverse" && body.side !== undefined) {
    if (!["left", "right", "both"].includes(body.side)) throw new BadRequest(`"side" must be "left" (X @ M = I), "right" (M @ X = I) or "both", got ${describe(body.side)}`);
    o.side = body.side;
  }
  if (o.optimizer === "momentum" && body.weightDecay !== undefined && body.weightDecay !== 0) {
    throw new BadRequest('"weightDecay" needs optimizer "sgd" or "adam"; the hand-written "momentum" update has none');
  }
  const allowed = maxStepsFor(op, m, n);
  if (o.steps > allowed) {
    throw new BadRequest(`${o.steps} steps on a ${m}×${n} matrix is over the work limit: at most ${allowed} steps for that size on /${op}`);
  }
  return { m, n, flat, ...o };
}

/** Keeps at most `max` evenly spaced values, first and last included, with their step numbers. */
export function downsample(values, max) {
  const n = values.length;
  const steps = [], out = [];
  const count = Math.min(n, max);
  for (let i = 0; i < count; i++) {
    const j = count === 1 ? 0 : Math.round((i * (n - 1)) / (count - 1));
    steps.push(j);
    out.push(Number.isFinite(values[j]) ? values[j] : null);
  }
  return { steps, values: out };
}

const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const fmt = (v) => (Number.isFinite(v) ? v.toExponential(2) : String(v));

/**
 * The singular values of M by linalg.svd (one-sided Jacobi in float64), its
 * numerical rank (S_i > n · EPS32 · S₁) and condition number S₁ / S_min
 * (Infinity when S_min is 0).
 */
function spectrum(linalg, M) {
  const S = Array.from(linalg.svd(M).S.data());
  const n = Math.min(...M.shape);
  const top = S[0] ?? 0, bottom = S[S.length - 1] ?? 0;
  const rank = S.filter((s) => s > n * EPS32 * top).length;
  return { S, rank, condition: bottom > 0 ? top / bottom : Infinity };
}

function run(wg, op, req) {
  const { tensor, linalg, eye, diag, scope } = wg;
  // Everything the request creates is freed when the scope ends (only plain arrays leave it).
  return scope(() => {
    const M = tensor(req.flat, { dtype: "float32" }).reshape([req.m, req.n]);
    let diverged = false;
    // stop as soon as the loss stops being a number: nothing useful comes after
    const onStep = (_step, loss) => {
      if (!Number.isFinite(loss)) {
        diverged = true;
        return false;
      }
    };
    const common = { steps: req.steps, optimizer: req.optimizer, seed: req.seed, onStep };
    for (const k of ["lr", "momentum", "weightDecay"]) if (req[k] !== undefined) common[k] = req[k];
    const t0 = performance.now();
    let result, losses;
    let problems = [], advice = ""; // what is over its tolerance, and what to do about it
    if (op === "inverse") {
      // no descent for a matrix that has no inverse: say so instead of returning a made-up one
      const { S, rank, condition } = spectrum(linalg, M);
      if (rank < req.n) {
        const exact = S[req.n - 1] === 0;
        throw new BadRequest(
          `the matrix is ${exact ? "singular" : "singular to float32 precision"} (rank ${rank} of ${req.n}: smallest singular value ${fmt(S[req.n - 1])}, ` +
            `largest ${fmt(S[0])}${exact ? "" : `, condition number ${fmt(condition)}`}; the service computes in float32), so it has no inverse: gradient descent would only find a least-squares fit, not an inverse`,
          422,
          { singular: true, rank, conditionNumber: condition, singularValues: S },
        );
      }
      const r = linalg.inverseGD(M, { ...common, side: req.side });
      losses = r.losses;
      const X = r.inverse;
      const I = eye(req.n);
      const left = () => maxAbs(X.matmul(M).sub(I).data()), right = () => maxAbs(M.matmul(X).sub(I).data());
      const residual = req.side === "right" ? right() : req.side === "both" ? Math.max(left(), right()) : left();
      result = { inverse: X.toArray(), residual, conditionNumber: condition };
      const product = { left: "X·M − I", right: "M·X − I", both: "X·M − I| and |M·X − I" }[req.side];
      if (!(residual <= TOLERANCE.inverse)) problems.push(`max |${product}| = ${fmt(residual)} (over ${TOLERANCE.inverse}; condition number ${fmt(condition)})`);
      advice = `X is not an inverse of M; try more "steps"${condition > 1e4 ? " (an ill-conditioned matrix converges slowly, and float32 limits the accuracy)" : ""}`;
      if (S[0] < 1e-3 || S[0] > 1e3) advice += ` or scale M to entries of about 1 (its largest singular value is ${fmt(S[0])}; the default "lr" suits entries of about 1)`;
    } else {
      const r = linalg.svdGD(M, common);
      losses = r.losses;
      const { U, S, V } = r;
      const I = eye(req.n);
      const ref = Array.from(linalg.svd(M).S.data());
      const scale = ref[0] > 0 ? ref[0] : 1;
      const residual = {
        reconstruction: maxAbs(U.matmul(diag(S)).matmul(V.T).sub(M).data()),
        orthogonalityU: maxAbs(U.T.matmul(U).sub(I).data()),
        orthogonalityV: maxAbs(V.matmul(V.T).sub(I).data()),
        singularValues: maxAbs(Array.from(S.data(), (s, i) => s - ref[i])),
      };
      result = { U: U.toArray(), S: Array.from(S.data()), V: V.toArray(), residual, reference: { S: ref } };
      if (!(residual.reconstruction <= TOLERANCE.reconstruction * scale)) {
        problems.push(`max |U·diag(S)·Vᵀ − M| = ${fmt(residual.reconstruction)} (over ${TOLERANCE.reconstruction} × S₁)`);
      }
      for (const [k, what] of [["orthogonalityU", "UᵀU − I"], ["orthogonalityV", "V·Vᵀ − I"]]) {
        if (!(residual[k] <= TOLERANCE.orthogonality)) problems.push(`max |${what}| = ${fmt(residual[k])} (over ${TOLERANCE.orthogonality})`);
      }
      if (!(residual.singularValues <= TOLERANCE.singularValues * scale)) {
        problems.push(`S differs from linalg.svd's by up to ${fmt(residual.singularValues)} (over ${TOLERANCE.singularValues} × S₁; see reference.S)`);
      }
      advice = 'the factors are not an SVD of M; try more "steps", another "optimizer" or "seed"';
    }
    const ms = performance.now() - t0;
    const curve = downsample(losses, req.points);
    let warning = null;
    if (diverged) warning = `diverged: the loss stopped being finite at step ${losses.length - 1}; try a smaller "lr"`;
    else if (problems.length > 0) warning = `not converged after ${losses.length} steps: ${problems.join(", ")}: ${advice}`;
    // the verdict first: a reader sees at once whether to trust the numbers
    const body = {
      converged: warning === null,
      ...(warning !== null ? { warning } : {}),
      ...(diverged ? { diverged: true } : {}),
      result,
      losses: curve.values,
      lossSteps: curve.steps,
      finalLoss: Number.isFinite(losses[losses.length - 1]) ? losses[losses.length - 1] : null,
      steps: losses.length,
      ms: Math.round(ms * 10) / 10,
    };
    return body;
  });
}

/** Replaces non-finite numbers (which JSON cannot carry) with null, in place. */
function finiteOrNull(v) {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] === "number") {
        if (!Number.isFinite(v[i])) v[i] = null;
      } else finiteOrNull(v[i]);
    }
  } else if (v && typeof v === "object") {
    for (const k of Object.keys(v)) {
      if (typeof v[k] === "number") {
        if (!Number.isFinite(v[k])) v[k] = null;
      } else finiteOrNull(v[k]);
    }
  }
  return v;
}

/** Makes the fetch handler for an initialized wasmgrad module. */
export function createService(wg) {
  let served = 0;
  return async function handle(request) {
    served++;
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, "") || "/";
    try {
      if (path === "/") {
        if (request.method !== "GET" && request.method !== "HEAD") throw new BadRequest("use GET / (or POST /inverse, POST /svd)", 405);
        return new Response(DESCRIPTION, { headers: { "content-type": "text/plain; charset=utf-8" } });
      }
      if (path === "/stats") {
        if (request.method !== "GET") throw new BadRequest("use GET /stats", 405);
        return json({ memory: wg.memoryStats(), requests: served });
      }
      const op = path === "/inverse" ? "inverse" : path === "/svd" ? "svd" : null;
      if (!op) return json({ error: `no such endpoint ${path}; see GET /` }, 404);
      if (request.method !== "POST") throw new BadRequest(`use POST /${op} with a JSON body`, 405);
      const req = parseRequest(op, parseJson(await readBody(request)));
      return json(finiteOrNull(run(wg, op, req)));
    } catch (e) {
      if (e instanceof BadRequest) {
        return json(finiteOrNull({ error: e.message, ...e.details }), e.status, e.status === 405 ? { allow: path === "/inverse" || path === "/svd" ? "POST" : "GET" } : {});
      }
      // a bug, not bad input: report it without taking the worker down
      console.error(e);
      return json({ error: `internal error: ${e instanceof Error ? e.message : String(e)}` }, 500);
    }
  };
}
