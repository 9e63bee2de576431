// The demo page's main thread: the forms, the charts and the results. Every
// computation runs in worker.js (one Web Worker per part, so parts 2 and 3 can
// run at once); the page only draws, at most once per animation frame.
import { lineChart } from "../lib/chart.mjs";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
/** Stop through a shared flag when the page is cross-origin isolated (the demo server makes it so), else by terminating the worker. */
const SHARED_STOP = self.crossOriginIsolated === true && typeof SharedArrayBuffer === "function" && !params.has("nosab");
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const MAX_CURVES = 10;

// What the tests (and a curious reader, in the console) can look at.
const demo = (window.__demo = { stopMode: SHARED_STOP ? "shared flag" : "terminate the worker", progress: { part2: 0, part3: 0 }, runs: { part1: 0, part2: 0, part3: 0 } });

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
  const runner = new Runner("part 1", {
    done({ result, memory }) {
      const lines = $("p1-lines");
      lines.replaceChildren(
        ...result.lines.map((l) => el("div", { class: "line" + (l.error ? " error" : "") }, el("div", { class: "code", text: l.code }), el("pre", { text: l.value }))),
      );
      const p = result.plot;
      $("p1-chart").innerHTML = lineChart(
        [
          { name: "sin(t)", x: p.x, y: p.sin },
          { name: "autograd: t.grad", x: p.x, y: p.grad, mode: "markers" },
          { name: "cos(t)", x: p.x, y: p.cos },
        ],
        { title: "Automatic differentiation of sin", xLabel: "t", width: 560, height: 340 },
      );
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

// ---- the shared machinery of parts 2 and 3: live loss curves --------------------------

function lossPart({ key, section, form, chartId, statusId, progressId, runId, stopId, clearId, title, job, params, describeRun, onCurveDone, onDone, placeholder }) {
  const curves = []; // { name, xs, ys, color }
  let colorIndex = 0;
  let xMax = 1;
  const chart = $(chartId);
  const status = $(statusId);
  const bar = $(progressId);
  const runButton = $(runId), stopButton = $(stopId), clearButton = $(clearId);
  const showPlaceholder = () => chart.replaceChildren(el("div", { class: "placeholder", text: placeholder }));
  showPlaceholder();

  const draw = frameThrottled(() => {
    const shown = curves.filter((c) => c.ys.length > 0);
    if (shown.length === 0) return showPlaceholder();
    chart.innerHTML = lineChart(
      shown.map((c) => ({ name: c.name, x: c.xs, y: c.ys, color: c.color })),
      { title, xLabel: "step", yLabel: "loss (log scale)", logY: true, xMin: 0, xMax, width: 900, height: 400 },
    );
  });

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
      setStatus(`${which}step ${nf.format(msg.step)} / ${nf.format(msg.steps)} · loss ${fmtLoss(msg.loss)} · ${fmtMs(msg.ms)} · ${nf.format(Math.round(msg.step / (msg.ms / 1000)))} steps/s`);
      section.dataset.step = String(msg.step);
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
      const total = results.reduce((s, r) => s + r.ms, 0);
      const totalSteps = results.reduce((s, r) => s + r.steps, 0);
      bar.value = stopped ? bar.value : 1;
      setStatus(
        (stopped ? `stopped at step ${nf.format(last.steps)} of ${nf.format(last.requested)}` : diverged ? `diverged (the loss overflowed) in ${diverged} run${diverged > 1 ? "s" : ""}: try a smaller learning rate` : `done: ${nf.format(totalSteps)} steps`) +
          ` · ${fmtMs(total)} · final loss ${fmtLoss(last.loss)} · wasm memory ${fmtKB(memory.memoryBytes)}, ${fmtKB(memory.bytesInUse)} in use after the run`,
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
      // the fallback stop: the worker is gone, and with it the factors; the curve so far stays
      setStatus(`stopped at step ${nf.format(Number(section.dataset.step ?? 0))} (the worker was ended, so there are no factors to show: serve the page with \`npm run demo\` to keep them)`);
      setState(section, "stopped");
      run = null;
      finish();
    },
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
      el("li", {}, "max |X·M − I| = ", el("span", { class: "v " + (r.residual < 1e-4 ? "good" : "bad"), text: fmtSmall(r.residual) }), r.residual < 5e-5 ? "  (X·M prints as the identity to 4 decimals)" : ""),
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

  const row = (r, c) =>
    el(
      "tr",
      {},
      el("td", {}, el("span", { class: "swatch", style: `background:${c.color}` }), r.label),
      el("td", { class: "mono", text: OPT_NAMES[r.optimizer] ?? "" }),
      el("td", { class: "num", text: `${nf.format(r.steps)}${r.stopped ? " (stopped)" : ""}` }),
      el("td", { class: "num", text: fmtLoss(r.loss) }),
      el("td", { class: "mono " + (r.residuals["max |S − svd's S|"] < 5e-4 ? "good" : "bad"), text: r.S.join(", ") }),
      el("td", { class: "mono", text: r.ref.S.join(", ") }),
      el("td", { class: "num", text: fmtSmall(r.residuals["max |U·diag(S)·Vᵀ − M|"]) }),
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
          el("thead", {}, el("tr", {}, ...["matrix", "optimizer", "steps", "final loss", "S (gradient descent)", "S (linalg.svd)", "max |U·S·Vᵀ − M|"].map((h) => el("th", { text: h })))),
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
