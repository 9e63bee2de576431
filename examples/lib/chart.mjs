// A small dependency-free SVG line chart: linear or log y axis, lines (solid or
// dashed) and markers (filled, hollow or crosses), a legend. Returns an SVG
// string, so the same code draws the Node report (written to an HTML file) and
// the in-page demo (set as innerHTML).
//
// Marker series are drawn first and lines over them, so a line that runs
// through the points (cos under autograd's derivative of sin) stays visible.
// Each series is one <g class="series" data-name="…">, the legend one
// <g class="legend">; the texts have classes (title, x-tick, y-tick, x-label,
// y-label) and the plot's frame is rect.plot, for tests to read. The x axis ends on a labelled tick at or just past the
// last value, so the range is labelled to its end (0 … 20,000 for 20,000 steps
// numbered 0 … 19,999).

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

function escapeXml(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

/** Keeps at most `max` points, always including the first and last, so long loss curves stay light. */
export function downsample(xs, ys, max = 800) {
  const n = ys.length;
  if (n <= max) return { xs: Array.from(xs), ys: Array.from(ys) };
  const outX = [], outY = [];
  const stride = (n - 1) / (max - 1);
  for (let i = 0; i < max; i++) {
    const j = Math.round(i * stride);
    outX.push(xs[j]);
    outY.push(ys[j]);
  }
  return { xs: outX, ys: outY };
}

const STEPS = [1, 2, 2.5, 5, 10];

/** The tick spacing: the first "nice" number (1, 2, 2.5, 5 × 10^k) at least `raw`. */
function niceStep(raw) {
  const mag = 10 ** Math.floor(Math.log10(raw));
  return STEPS.map((m) => m * mag).find((s) => s >= raw * (1 - 1e-12)) ?? raw;
}

/** The next smaller nice step than `step`. */
function finerStep(step) {
  const mag = 10 ** Math.floor(Math.log10(step) + 1e-12);
  const m = Number((step / mag).toPrecision(6));
  const i = STEPS.indexOf(m);
  return i > 0 ? STEPS[i - 1] * mag : 0.5 * mag;
}

function ticksFrom(lo, hi, step) {
  const ticks = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  return ticksFrom(lo, hi, niceStep((hi - lo) / count));
}

/**
 * The x axis: about `count` nice ticks, the range widened to the tick at or
 * after its end (and at or before its start), so the first and last values sit
 * on labelled ticks or inside the range. A finer step is taken while widening
 * would add more than 15% of empty axis (0 … 2π ends at 7, not 8); at most 14 ticks.
 */
export function axisTicks(lo, hi, count = 6) {
  if (!(hi > lo)) return { lo, hi, ticks: [lo] };
  let step = niceStep((hi - lo) / count);
  for (;;) {
    const a = Math.floor(lo / step + 1e-9) * step, b = Math.ceil(hi / step - 1e-9) * step;
    const over = (lo - a + (b - hi)) / (hi - lo);
    const finer = finerStep(step);
    if (over <= 0.15 || (b - a) / finer + 1 > 14) {
      const A = Number(a.toPrecision(12)), B = Number(b.toPrecision(12));
      return { lo: A, hi: B, ticks: ticksFrom(A, B, step) };
    }
    step = finer;
  }
}

function fmtTick(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-2) return v.toExponential(0).replace("e+", "e");
  if (a >= 1e4 && Number.isInteger(v)) return v.toLocaleString("en-US"); // 20,000
  return String(Number(v.toPrecision(4)));
}

/** One marker: a filled dot (the default), a hollow ring, or a cross (×). */
function markerAt(s, x, y, r) {
  const [cx, cy] = [x.toFixed(1), y.toFixed(1)];
  if (s.marker === "ring") return `<circle cx="${cx}" cy="${cy}" r="${r}" fill="none" stroke="${s.color}" stroke-width="1.3"/>`;
  if (s.marker === "cross") {
    const a = (r * 0.8).toFixed(1);
    return `<path d="M${(x - a).toFixed(1)},${(y - a).toFixed(1)}l${2 * a},${2 * a}m0,${-2 * a}l${-2 * a},${2 * a}" stroke="${s.color}" stroke-width="1.3" fill="none"/>`;
  }
  return `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${s.color}" fill-opacity="0.5"/>`;
}

/**
 * series: [{ name, x?: number[], y: number[], mode?: "line" | "markers", color?,
 *            dash?: boolean (a dashed line), marker?: "dot" | "ring" | "cross" (filled, hollow, ×), size?: marker radius (3.5) }]
 * options: { title, xLabel, yLabel, logY, width, height, xMin?, xMax?, maxPoints? (800 a curve) }
 * xMin / xMax fix the x range (a live curve then grows across a steady axis);
 * the axis is then widened to the nearest labelled ticks, as for the data's own range.
 * The legend wraps onto more rows when it is wider than the chart, and the
 * chart grows by those rows.
 */
export function lineChart(series, options = {}) {
  const { title = "", xLabel = "", yLabel = "", logY = false, width = 720, height: plotHeight = 380, maxPoints = 800 } = options;
  const m = { left: 64, right: 24, top: title ? 36 : 16, bottom: 72 }; // right: room for the last x label
  const w = width - m.left - m.right, h = plotHeight - m.top - m.bottom;
  const prepared = series.map((s, i) => {
    const xs = s.x ?? Array.from(s.y, (_, j) => j);
    const d = downsample(xs, s.y, maxPoints);
    const keep = d.ys.map((y, j) => Number.isFinite(y) && (!logY || y > 0) && Number.isFinite(d.xs[j]));
    return { ...s, xs: d.xs.filter((_, j) => keep[j]), ys: d.ys.filter((_, j) => keep[j]), color: s.color ?? PALETTE[i % PALETTE.length] };
  });
  const allX = prepared.flatMap((s) => s.xs), allY = prepared.flatMap((s) => s.ys);
  let x0 = Number.isFinite(options.xMin) ? options.xMin : Math.min(...allX);
  let x1 = Number.isFinite(options.xMax) ? options.xMax : Math.max(...allX);
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = [0, 1];
  if (x0 === x1) x1 = x0 + 1;
  const xAxis = axisTicks(x0, x1, 6);
  [x0, x1] = [xAxis.lo, xAxis.hi];
  const ty = logY ? (v) => Math.log10(v) : (v) => v;
  let y0 = Math.min(...allY.map(ty)), y1 = Math.max(...allY.map(ty));
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  if (logY) [y0, y1] = [Math.floor(y0), Math.ceil(y1)];
  else {
    const pad = (y1 - y0) * 0.05;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const px = (x) => m.left + ((x - x0) / (x1 - x0)) * w;
  const py = (y) => m.top + h - ((ty(y) - y0) / (y1 - y0)) * h;
  // the legend's rows, below the plot: each entry is as wide as its name
  const legendRows = [[]];
  let rowWidth = 0;
  for (const s of prepared) {
    const ew = 42 + 7.2 * String(s.name).length;
    if (rowWidth > 0 && rowWidth + ew > w) {
      legendRows.push([]);
      rowWidth = 0;
    }
    legendRows.at(-1).push({ s, x: m.left + rowWidth });
    rowWidth += ew;
  }
  const height = plotHeight + 18 * (legendRows.length - 1);
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  // the title shrinks (to 11 at least) when 15 would not fit the width: about 0.6 em a character
  const titleSize = Math.max(11, Math.min(15, Math.floor((width - 16) / (0.6 * title.length))));
  if (title) out.push(`<text class="title" x="${width / 2}" y="22" text-anchor="middle" font-size="${titleSize}" font-weight="600">${escapeXml(title)}</text>`);
  // axes and grid
  const yTicks = logY
    ? Array.from({ length: y1 - y0 + 1 }, (_, i) => 10 ** (y0 + i)).filter((_, i, a) => a.length <= 12 || i % Math.ceil(a.length / 12) === 0)
    : niceTicks(y0, y1);
  for (const v of yTicks) {
    const y = py(v);
    out.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text class="y-tick" x="${m.left - 6}" y="${y + 4}" text-anchor="end">${logY ? "1e" + Math.round(Math.log10(v)) : fmtTick(v)}</text>`);
  }
  for (const v of xAxis.ticks) {
    const x = px(v);
    out.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + h}" stroke="#f0f0f0"/>`);
    out.push(`<text class="x-tick" x="${x}" y="${m.top + h + 16}" text-anchor="middle">${fmtTick(v)}</text>`);
  }
  out.push(`<rect class="plot" x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`);
  if (xLabel) out.push(`<text class="x-label" x="${m.left + w / 2}" y="${m.top + h + 34}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  if (yLabel) out.push(`<text class="y-label" transform="translate(14 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  // data: markers first, lines over them
  const markers = (s) => s.mode === "markers";
  for (const s of [...prepared.filter(markers), ...prepared.filter((s) => !markers(s))]) {
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    if (markers(s)) {
      for (let i = 0; i < s.xs.length; i++) out.push(markerAt(s, px(s.xs[i]), py(s.ys[i]), s.size ?? 3.5));
    } else if (s.xs.length > 0) {
      const d = s.xs.map((x, i) => `${i === 0 ? "M" : "L"}${px(x).toFixed(1)},${py(s.ys[i]).toFixed(1)}`).join("");
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.dash ? 2.2 : 1.6}"${s.dash ? ' stroke-dasharray="7 4"' : ""}/>`);
    }
    out.push("</g>");
  }
  // legend, below the plot
  out.push('<g class="legend">');
  legendRows.forEach((row, r) => {
    const ly = m.top + h + 56 + 18 * r;
    for (const { s, x: lx } of row) {
      const sym = markers(s)
        ? markerAt(s, lx + 8, ly - 4, 4)
        : `<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ' stroke-dasharray="7 4"' : ""}/>`;
      out.push(sym + `<text x="${lx + 28}" y="${ly}">${escapeXml(s.name)}</text>`);
    }
  });
  out.push("</g>");
  out.push("</svg>");
  return out.join("\n");
}
