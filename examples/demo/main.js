// The demo page's main thread: the forms, the charts and the results. Every
// computation runs in worker.js (one Web Worker per part, so parts 2, 3 and 4
// can run at once); the page only draws, at most once per animation frame.
import { lineChart } from "../lib/chart.mjs";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
/** Stop through a shared flag when the page is cross-origin isolated (the demo server makes it so), else by terminating the worker. */
const SHARED_STOP = self.crossOriginIsolated === true && typeof SharedArrayBuffer === "function" && !params.has("nosab");
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const MAX_CURVES = 10;

// What the tests (and a curious reader, in the console) can look at.
const demo = (window.__demo = { stopMode: SHARED_STOP ? "shared flag" : "terminate the worker", progress: { part2: 0, part3: 0, part4: 0 }, runs: { part1: 0, part2: 0, part3: 0, part4: 0 } });

const nf = new Intl.NumberFormat("en-US");
const fmtLoss = (v) => (v === null || v === undefined ? "—" : Number.isFinite(v) ? v.toExponential(3) : String(v));
const fmtSmall = (v) => (v === null || v === undefined ? "—" : Number.isFinite(v) ? (v === 0 ? "0" : v.toExponential(2)) : String(v));
const fmtMs = (ms) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);
const fmtKB = (b) => `${nf.format(Math.round(b / 1024))} KB`;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k === "style") e.style.cssText = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
const matrixBox = (caption, text) => el("div", { class: "matrix" }, el("div", { class: "caption", text: caption }), el("pre", { text }));

/** Draws at most once per frame, whatever the rate of updates. */
function frameThrottled(draw) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  };
}

/** The chart's width in SVG units: the box's own width (so the labels keep their size on a phone), within [min, max]. */
const chartWidth = (box, min, max) => Math.round(Math.min(max, Math.max(min, box.clientWidth || max)));

/** Calls draw() again when the box's width changes (a phone turned, a window resized). */
function redrawOnResize(box, draw) {
  let width = box.clientWidth;
  new ResizeObserver(() => {
    if (box.clientWidth === width) return;
    width = box.clientWidth;
    draw();
  }).observe(box);
}

const labelOf = (input) => {
  const label = input.closest("label");
  return label ? label.firstChild.textContent.trim() : input.name;
};

/** What is wrong with a field, in words, with its allowed range; null when it is fine. */
function problemWith(input) {
  const v = input.validity;
  if (v.valid && !(input.type === "number" && input.value === "")) return null; // an empty number field is not "valid" here
  const name = labelOf(input);
  const whole = input.step !== "any" && Number(input.step || 1) === 1;
  const range = input.min !== "" && input.max !== "" ? ` from ${input.min} to ${input.max}` : input.min !== "" ? ` of at least ${input.min}` : input.max !== "" ? ` of at most ${input.max}` : "";
  const got = v.badInput ? "what is there is not a number" : input.value === "" ? "it is empty" : `got ${input.value}`;
  return `${name} must be ${whole ? "a whole number" : "a number"}${range} (${got})`;
}

/**
 * The form's own check, shown in the page (the form has novalidate, so the
 * browser's bubble, which says nothing about the range, never shows): every
 * field out of range is marked and named with its allowed range, as you type
 * and when you press Run. Returns check(): true when the form is valid.
 */
function validation(form, box) {
  const check = () => {
    const problems = [];
    for (const e of form.elements) {
      if (!e.willValidate) continue;
      const p = problemWith(e);
      if (p) problems.push(p);
      if (p) e.setAttribute("aria-invalid", "true");
      else e.removeAttribute("aria-invalid");
    }
    box.textContent = problems.join(" · ");
    box.hidden = problems.length === 0;
    return problems.length === 0;
  };
  form.addEventListener("input", check);
  return check;
}

function readForm(form) {
  const out = {};
  for (const e of form.elements) {
    if (!e.name) continue;
    out[e.name] = e.type === "number" ? (e.value.trim() === "" ? NaN : Number(e.value)) : e.value;
  }
  return out;
}

/** One Web Worker for one part of the page, with run and stop. */
class Runner {
  constructor(name, handlers) {
    this.name = name;
    this.handlers = handlers;
    this.seq = 0;
    this.current = null;
    this.spawn();
  }

  spawn() {
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: `wasmgrad ${this.name}` });
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.worker.onmessage = (e) => {
      const msg = e.data;
      if (msg.type === "ready") return this.markReady(msg);
      if (msg.id !== this.current) return; // a stale message from a run the page moved past
      if (msg.type === "done" || msg.type === "error") this.current = null;
      this.handlers[msg.type]?.(msg);
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      const id = this.current;
      this.current = null;
      this.handlers.error?.({ id, message: `the worker failed: ${e.message || "could not load worker.js"}` });
    };
  }

  get running() {
    return this.current !== null;
  }

  async run(job, runParams) {
    await this.ready;
    const id = ++this.seq;
    this.current = id;
    this.stopBuffer = SHARED_STOP ? new SharedArrayBuffer(4) : null;
    this.worker.postMessage({ type: "run", id, job, params: runParams, stop: this.stopBuffer });
    return id;
  }

  stop() {
    if (!this.running) return;
    if (this.stopBuffer) {
      Atomics.store(new Int32Array(this.stopBuffer), 0, 1); // the descent sees it at its next step and returns what it has
    } else {
      const id = this.current;
      this.current = null;
      this.worker.terminate();
      this.spawn();
      this.handlers.terminated?.({ id });
    }
  }
}

function setState(section, state, extra = {}) {
  section.dataset.state = state;
  for (const [k, v] of Object.entries(extra)) section.dataset[k] = String(v);
}

// ---- part 1 --------------------------------------------------------------------------

{
  const section = $("part1");
  const form = $("p1-form");
  const check = validation(form, $("p1-form-error"));
  const chartBox = $("p1-chart");
  let plot = null;
  const drawPlot = () => {
    if (!plot) return;
    const width = chartWidth(chartBox, 380, 560);
    chartBox.innerHTML = lineChart(
      [
        { name: "sin(t)", x: plot.x, y: plot.sin },
        { name: "autograd: t.grad", x: plot.x, y: plot.grad, mode: "markers", marker: "ring", size: width < 480 ? 3 : 4 },
        { name: "cos(t)", x: plot.x, y: plot.cos, dash: true }, // drawn over the rings: both stay visible
      ],
      { title: "Automatic differentiation of sin", xLabel: "t", yLabel: "sin(t), cos(t), t.grad", width, height: Math.round(width * 0.62) },
    );
  };
  redrawOnResize(chartBox, drawPlot);
  const runner = new Runner("part 1", {
    done({ result, memory }) {
      const lines = $("p1-lines");
      lines.replaceChildren(
        ...result.lines.map((l) => el("div", { class: "line" + (l.error ? " error" : "") }, el("div", { class: "code", text: l.code }), el("pre", { text: l.value }))),
      );
      plot = result.plot;
      drawPlot();
      $("p1-status").textContent = `max |t.grad − cos(t)| = ${fmtSmall(result.maxGradError)} · wasm linear memory ${fmtKB(memory.memoryBytes)}, ${fmtKB(memory.bytesInUse)} in use after the run`;
      $("p1-status").className = "status muted";
      demo.runs.part1++;
      setState(section, "done");
    },
    error({ message }) {
      $("p1-status").textContent = message;
      $("p1-status").className = "status error";
      setState(section, "error");
    },
  });
  let timer = 0;
  const update = () => {
    if (!check()) return; // the message under the form says which field and its range
    setState(section, "running");
    runner.run("part1", readForm(form));
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 200);
  });
  form.addEventListener("submit", (e) => e.preventDefault());
  runner.ready.then((r) => {
    $("env").textContent = `wasmgrad is loaded in Web Workers · Stop works by ${demo.stopMode}${SHARED_STOP ? " (the page is cross-origin isolated)" : ""}`;
    void r;
    update();
  });
}

// ---- the shared machinery of parts 2, 3 and 4: live loss curves -----------------------

/**
 * A part with a form, Run/Stop/Clear and live loss curves. The hooks: onProgress(msg) and
 * onCurveDone / onDone(result) for what the part draws besides the curves, statusNote(msg or
 * result) for words of its own in the status line, handlers for messages of its own.
 */
function lossPart({ key, section, form, chartId, statusId, progressId, runId, stopId, clearId, title, job, params, describeRun, onProgress, onCurveDone, onDone, statusNote = () => "", handlers = {}, placeholder }) {
  const curves = []; // { name, xs, ys, color }
  let colorIndex = 0;
  let xMax = 1;
  const chart = $(chartId);
  const status = $(statusId);
  const bar = $(progressId);
  const runButton = $(runId), stopButton = $(stopId), clearButton = $(clearId);
  const showPlaceholder = () => chart.replaceChildren(el("div", { class: "placeholder", text: placeholder }));
  showPlaceholder();
  const check = validation(form, $(`${form.id}-error`));

  const draw = frameThrottled(() => {
    const shown = curves.filter((c) => c.ys.length > 0);
    if (shown.length === 0) return showPlaceholder();
    const width = chartWidth(chart, 380, 900);
    chart.innerHTML = lineChart(
      shown.map((c) => ({ name: c.name, x: c.xs, y: c.ys, color: c.color })),
      { title, xLabel: "step", yLabel: "loss (log scale)", logY: true, xMin: 0, xMax, width, height: Math.round(Math.max(300, width * 0.44)) },
    );
  });
  redrawOnResize(chart, draw);

  let run = null; // { id, names, steps, curves: [] }
  const setStatus = (text, cls = "status") => {
    status.textContent = text;
    status.className = cls;
  };
  const finish = () => {
    runButton.disabled = false;
    stopButton.disabled = true;
  };

  const runner = new Runner(key, {
    progress(msg) {
      demo.progress[key]++;
      const c = run.curves[msg.curve] ?? addCurve(run, msg.curve);
      c.xs = msg.curveData.xs;
      c.ys = msg.curveData.ys;
      const done = msg.curve * run.steps + msg.step;
      bar.value = done / (run.steps * run.names.length);
      const which = run.names.length > 1 ? `${run.names[msg.curve]} (${msg.curve + 1} of ${run.names.length}) · ` : "";
      setStatus(`${which}step ${nf.format(msg.step)} / ${nf.format(msg.steps)} · loss ${fmtLoss(msg.loss)}${statusNote(msg)} · ${fmtMs(msg.ms)} · ${nf.format(Math.round(msg.step / (msg.ms / 1000)))} steps/s`);
      section.dataset.step = String(msg.step);
      onProgress?.(msg);
      draw();
    },
    "curve-done"({ result }) {
      const c = run.curves[result.curve] ?? addCurve(run, result.curve);
      c.xs = result.curveData.xs;
      c.ys = result.curveData.ys;
      onCurveDone?.(result, c, run);
      draw();
    },
    done({ result, memory }) {
      const results = result.results ?? [result];
      for (const r of results) {
        const c = run.curves[r.curve] ?? addCurve(run, r.curve);
        c.xs = r.curveData.xs;
        c.ys = r.curveData.ys;
      }
      draw();
      const stopped = results.some((r) => r.stopped);
      const diverged = results.filter((r) => r.diverged).length;
      const last = results[results.length - 1];
      // each matrix's own final loss, named (one loss alone when there is one matrix)
      const finals = results.length > 1
        ? `final losses ${results.map((r) => `${run.names[r.curve]} ${fmtLoss(r.loss)}`).join(", ")}`
        : `final loss ${fmtLoss(last.loss)}`;
      const total = results.reduce((s, r) => s + r.ms, 0);
      const totalSteps = results.reduce((s, r) => s + r.steps, 0);
      bar.value = stopped ? bar.value : 1;
      setStatus(
        (stopped ? `stopped at step ${nf.format(last.steps)} of ${nf.format(last.requested)}` : diverged ? `diverged (the loss overflowed) in ${diverged} run${diverged > 1 ? "s" : ""}: try a smaller learning rate` : `done: ${nf.format(totalSteps)} steps`) +
          ` · ${fmtMs(total)} · ${finals}${statusNote(last)} · wasm memory ${fmtKB(memory.memoryBytes)}, ${fmtKB(memory.bytesInUse)} in use after the run`,
        "status " + (diverged ? "error" : stopped ? "" : "done"),
      );
      onDone(result, run);
      demo.runs[key]++;
      setState(section, stopped ? "stopped" : diverged ? "diverged" : "done", { steps: last.steps, points: curves.reduce((s, c) => s + c.ys.length, 0) });
      run = null;
      finish();
    },
    error({ message }) {
      setStatus(message, "status error");
      setState(section, "error");
      run = null;
      finish();
    },
    terminated() {
      // the fallback stop: the worker is gone, and with it the final result; what was drawn so far stays
      setStatus(`stopped at step ${nf.format(Number(section.dataset.step ?? 0))} (the worker was ended, so there is no final result to show: serve the page with \`npm run demo\` to keep it)`);
      setState(section, "stopped");
      run = null;
      finish();
    },
    ...handlers,
  });

  function addCurve(r, index) {
    const c = { name: r.curveNames[index], xs: [], ys: [], color: PALETTE[colorIndex++ % PALETTE.length] };
    curves.push(c);
    while (curves.length > MAX_CURVES) curves.shift();
    r.curves[index] = c;
    return c;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (runner.running) return;
    if (!check()) {
      form.querySelector("[aria-invalid]")?.focus();
      return;
    }
    const p = params(readForm(form));
    const { names, curveNames, steps, meta } = describeRun(p);
    xMax = Math.max(...curves.map((c) => c.xs.at(-1) ?? 0), steps);
    run = { names, curveNames, steps, meta, curves: [] };
    runButton.disabled = true;
    stopButton.disabled = false;
    bar.value = 0;
    section.dataset.step = "0";
    setState(section, "running");
    setStatus("starting…");
    await runner.run(job, p);
  });
  stopButton.addEventListener("click", () => {
    stopButton.disabled = true;
    setStatus(status.textContent + " · stopping…");
    runner.stop();
  });
  clearButton.addEventListener("click", () => {
    const keep = run ? new Set(run.curves) : new Set();
    curves.splice(0, curves.length, ...curves.filter((c) => keep.has(c)));
    xMax = run ? run.steps : 1;
    draw();
  });
  return { runner };
}

// ---- part 2 --------------------------------------------------------------------------

lossPart({
  key: "part2",
  section: $("part2"),
  form: $("p2-form"),
  chartId: "p2-chart",
  statusId: "p2-status",
  progressId: "p2-progress",
  runId: "p2-run",
  stopId: "p2-stop",
  clearId: "p2-clear",
  title: "MSE loss of X·M vs I",
  job: "inverse",
  placeholder: "The loss curve appears here, live, when you press Run.",
  params: (f) => f,
  describeRun(p) {
    const m = p.kind === "diag" ? `diag(1…${p.n})` : `rand(${p.n}, ${p.n}) seed ${p.seed}`;
    return { names: [m], curveNames: [`${m} · lr ${p.lr} · momentum ${p.momentum}`], steps: p.steps };
  },
  onDone(r) {
    const box = $("p2-results");
    const metrics = el(
      "ul",
      { class: "metrics" },
      el("li", {}, "max |X·M − I| = ", el("span", { class: "v " + (r.residual < 1e-4 ? "good" : "bad"), text: fmtSmall(r.residual) }), r.residual < 5e-5 ? "  (X·M prints as the identity to 4 decimals)" : r.residual >= 1e-4 ? "  (not converged: X is not an inverse of M yet; more steps may help)" : ""),
      r.errorVsInv !== null ? el("li", {}, "max |X − linalg.inv(M)| = ", el("span", { class: "v", text: fmtSmall(r.errorVsInv) })) : el("li", { class: "error-text", text: r.referenceError }),
      el("li", { text: `${nf.format(r.steps)} steps in ${fmtMs(r.ms)}, final loss ${fmtLoss(r.loss)}` }),
    );
    box.replaceChildren(
      el("h3", { text: "Result" }),
      el(
        "div",
        { class: "matrices" },
        matrixBox("M", r.M),
        matrixBox("X (gradient descent)", r.X),
        matrixBox("X·M", r.XM),
        r.reference ? matrixBox("linalg.inv(M)", r.reference) : null,
      ),
      metrics,
    );
    $("part2").dataset.residual = String(r.residual);
  },
});

// ---- part 3 --------------------------------------------------------------------------

{
  const form = $("p3-form");
  const defaults = {
    momentum: { lr: 0.9, momentum: 0.9, weightDecay: 0 },
    sgd: { lr: 0.9, momentum: 0.9, weightDecay: 0 },
    adam: { lr: 0.001, momentum: 0.9, weightDecay: 1e-5 },
  };
  const OPT_NAMES = { momentum: "momentum", sgd: "optim.SGD", adam: "optim.Adam" };
  form.elements.optimizer.addEventListener("change", () => {
    const o = form.elements.optimizer.value;
    const d = defaults[o];
    form.elements.lr.value = String(d.lr);
    form.elements.momentum.value = String(d.momentum);
    form.elements.weightDecay.value = String(d.weightDecay);
    form.elements.momentum.disabled = o === "adam"; // Adam's betas stay at torch's defaults
    form.elements.weightDecay.disabled = o === "momentum"; // the hand-written update has none
  });
  const summary = el("tbody");
  const details = el("div");
  const resultsBox = $("p3-results");

  const COLUMNS = ["matrix", "optimizer", "steps", "final loss", "S (gradient descent)", "S (linalg.svd)", "max |U·S·Vᵀ − M|"];
  // data-label: the column's name, shown beside each value when a narrow screen stacks the table's rows
  const cell = (i, attrs, ...children) => el("td", { ...attrs, "data-label": COLUMNS[i] }, ...children);
  const row = (r, c) =>
    el(
      "tr",
      {},
      cell(0, {}, el("span", {}, el("span", { class: "swatch", style: `background:${c.color}` }), r.label)),
      cell(1, { class: "mono", text: OPT_NAMES[r.optimizer] ?? "" }),
      cell(2, { class: "num", text: `${nf.format(r.steps)}${r.stopped ? " (stopped)" : ""}` }),
      cell(3, { class: "num", text: fmtLoss(r.loss) }),
      cell(4, { class: "mono " + (r.residuals["max |S − svd's S|"] < 5e-4 ? "good" : "bad"), text: r.S.join(", ") }),
      cell(5, { class: "mono", text: r.ref.S.join(", ") }),
      cell(6, { class: "num", text: fmtSmall(r.residuals["max |U·diag(S)·Vᵀ − M|"]) }),
    );

  const detail = (r, open) =>
    el(
      "details",
      open ? { open: "" } : {},
      el("summary", { text: `${r.label} · ${OPT_NAMES[r.optimizer]}: the factors beside linalg.svd's` }),
      el(
        "div",
        { class: "side" },
        el("div", {}, el("h4", { text: "gradient descent (linalg.svdGD)" }), el("div", { class: "matrices" }, matrixBox("S = sorted d²", `[${r.S.join(", ")}]`), matrixBox("U", r.U), matrixBox("V", r.V))),
        el(
          "div",
          {},
          el("h4", { text: "direct (linalg.svd), column signs matched" }),
          el("div", { class: "matrices" }, matrixBox("S", `[${r.ref.S.join(", ")}]`), matrixBox("U", r.ref.U), matrixBox("V = Vhᵀ", r.ref.V)),
        ),
      ),
      el(
        "ul",
        { class: "metrics" },
        ...Object.entries(r.residuals).map(([k, v]) => el("li", {}, `${k} = `, el("span", { class: "v " + (v < 1e-3 ? "good" : "bad"), text: fmtSmall(v) }))),
      ),
      el("div", { class: "matrix" }, matrixBox("M", r.M)),
    );

  let shownRun = null;
  const showRun = (run) => {
    if (shownRun === run) return;
    shownRun = run;
    summary.replaceChildren();
    details.replaceChildren();
    resultsBox.replaceChildren(
      el("h3", { text: "Results" }),
      el(
        "div",
        { class: "table-wrap" },
        el(
          "table",
          { class: "summary" },
          el("thead", {}, el("tr", {}, ...COLUMNS.map((h) => el("th", { text: h })))),
          summary,
        ),
      ),
      details,
    );
  };

  lossPart({
    key: "part3",
    section: $("part3"),
    form,
    chartId: "p3-chart",
    statusId: "p3-status",
    progressId: "p3-progress",
    runId: "p3-run",
    stopId: "p3-stop",
    clearId: "p3-clear",
    title: "SVD loss by gradient descent",
    job: "svd",
    placeholder: "The loss curves appear here, live, when you press Run.",
    params(f) {
      return {
        optimizer: f.optimizer,
        matrices: f.matrix === "all" ? ["M1", "M2", "M3", "M4", "M5"] : [f.matrix],
        steps: f.steps,
        lr: f.lr,
        momentum: f.momentum,
        weightDecay: f.optimizer === "momentum" ? 0 : f.weightDecay,
      };
    },
    describeRun(p) {
      return { names: p.matrices, curveNames: p.matrices.map((m) => `${m} · ${OPT_NAMES[p.optimizer]}`), steps: p.steps, meta: { optimizer: p.optimizer } };
    },
    onCurveDone(r, c, run) {
      showRun(run);
      r.optimizer = run.meta.optimizer;
      summary.append(row(r, c));
      details.append(detail(r, details.childElementCount === 0));
    },
    onDone(result, run) {
      showRun(run);
      $("part3").dataset.s = result.results.map((r) => r.S.join(",")).join(";");
    },
  });
}

// ---- part 4 --------------------------------------------------------------------------

{
  const section = $("part4");
  const canvas = $("p4-canvas");
  const COLORS = ["#1f77b4", "#ff7f0e"]; // class 0 (the upper moon), class 1 (the lower)
  const TINTS = COLORS.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
  const heat = document.createElement("canvas"); // one pixel a grid cell, scaled up smoothly
  let view = null; // the run's points ({ xy, labels, grid, bounds }) and its latest { boundary, wrong }

  /** The square of grid centres (c, r)…(c + 1, r + 1): the segments where p crosses ½, by linear interpolation along its edges. */
  function crossings(p, cols, c, r) {
    const corners = [[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1]];
    const v = corners.map(([cc, rr]) => p[rr * cols + cc] - 0.5);
    if (!v.every(Number.isFinite)) return [];
    const cuts = [];
    for (let k = 0; k < 4; k++) {
      const a = v[k], b = v[(k + 1) % 4];
      if (a > 0 === b > 0) continue;
      const t = a / (a - b), [ca, ra] = corners[k], [cb, rb] = corners[(k + 1) % 4];
      cuts.push([ca + t * (cb - ca), ra + t * (rb - ra)]);
    }
    return cuts; // 2 cuts, or 4 at a saddle: paired in order
  }

  const drawBoundary = frameThrottled(() => {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = "12px system-ui, sans-serif";
    if (!view) {
      ctx.fillStyle = "#9aa1ac";
      ctx.textAlign = "center";
      ctx.fillText("The decision boundary appears here, live, when you press Run.", w / 2, h / 2, w - 16);
      return;
    }
    const { cols, rows } = view.grid, { x0, x1, y0, y1 } = view.bounds, p = view.boundary;
    // the shade: each cell tinted toward the class the model prefers, the more the surer it is
    heat.width = cols;
    heat.height = rows;
    const hctx = heat.getContext("2d");
    const img = hctx.createImageData(cols, rows);
    for (let i = 0; i < p.length; i++) {
      const tint = TINTS[p[i] > 0.5 ? 1 : 0], t = Number.isFinite(p[i]) ? Math.abs(p[i] - 0.5) * 0.9 : 0;
      for (let k = 0; k < 3; k++) img.data[4 * i + k] = Math.round(255 + (tint[k] - 255) * t);
      img.data[4 * i + 3] = 255;
    }
    hctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(heat, 0, 0, w, h); // cell (c, r)'s centre lands on ((c + ½)·w/cols, (r + ½)·h/rows), the grid's own
    // the axes: the whole numbers inside the rectangle (x = -1, 0, 1, 2 and y = 0, 1), labelled at the edges
    const X = (x) => ((x - x0) / (x1 - x0)) * w, Y = (y) => ((y1 - y) / (y1 - y0)) * h;
    ctx.strokeStyle = "rgba(0, 0, 0, .12)";
    ctx.fillStyle = "#5d6675";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = Math.floor(x0) + 1; x < x1; x++) (ctx.moveTo(X(x), 0), ctx.lineTo(X(x), h), ctx.fillText(String(x), X(x) + 3, h - 4));
    for (let y = Math.floor(y0) + 1; y < y1; y++) (ctx.moveTo(0, Y(y)), ctx.lineTo(w, Y(y)), ctx.fillText(String(y), 4, Y(y) - 3));
    ctx.stroke();
    // the boundary: where the probability is ½ (marching squares over the grid's centres)
    const gx = (c) => ((c + 0.5) / cols) * w, gy = (r) => ((r + 0.5) / rows) * h;
    ctx.strokeStyle = "#1d2330";
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (let r = 0; r + 1 < rows; r++) {
      for (let c = 0; c + 1 < cols; c++) {
        const cuts = crossings(p, cols, c, r);
        for (let k = 0; k + 1 < cuts.length; k += 2) {
          ctx.moveTo(gx(cuts[k][0]), gy(cuts[k][1]));
          ctx.lineTo(gx(cuts[k + 1][0]), gy(cuts[k + 1][1]));
        }
      }
    }
    ctx.stroke();
    // the points on top, the misclassified ringed
    const wrong = new Set(view.wrong);
    for (let i = 0; i < view.labels.length; i++) {
      const x = X(view.xy[2 * i]), y = Y(view.xy[2 * i + 1]);
      ctx.beginPath();
      ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
      ctx.fillStyle = COLORS[view.labels[i]];
      ctx.fill();
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 1;
      ctx.stroke();
      if (!wrong.has(i)) continue;
      ctx.beginPath();
      ctx.arc(x, y, 6.5, 0, 2 * Math.PI);
      ctx.strokeStyle = "#d62728";
      ctx.lineWidth = 1.6;
      ctx.stroke();
    }
  });
  drawBoundary();
  redrawOnResize($("p4-boundary"), drawBoundary);
  const show = ({ boundary, wrong }) => {
    Object.assign(view, { boundary, wrong });
    section.dataset.wrong = String(wrong.length);
    drawBoundary();
  };

  lossPart({
    key: "part4",
    section,
    form: $("p4-form"),
    chartId: "p4-chart",
    statusId: "p4-status",
    progressId: "p4-progress",
    runId: "p4-run",
    stopId: "p4-stop",
    clearId: "p4-clear",
    title: "Cross-entropy loss on the two moons",
    job: "moons",
    placeholder: "The loss curve appears here, live, when you press Run.",
    params: (f) => ({ ...f, layers: Number(f.layers), pace: Number(f.pace) }),
    describeRun(p) {
      // short enough for the legend of a phone's chart; the noise only when it is not the classic 0.1
      const name = `${p.activation} ${p.width}×${p.layers} · lr ${p.lr} · seed ${p.seed}${p.noise === 0.1 ? "" : ` · noise ${p.noise}`}`;
      return { names: ["two moons"], curveNames: [name], steps: p.steps };
    },
    // a progress message's accuracy, or the run's (then with its pace, which the time includes)
    statusNote: (r) => ` · accuracy ${(100 * r.accuracy).toFixed(1)}%${r.pace ? ` · slowed to ${nf.format(r.pace)} steps/s` : ""}`,
    handlers: {
      points(msg) {
        view = msg;
        drawBoundary();
      },
    },
    onProgress: show,
    onDone(r) {
      show(r);
      section.dataset.accuracy = String(r.accuracy);
    },
  });
}
