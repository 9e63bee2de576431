// A small dependency-free SVG line chart: linear or log y axis, lines and
// markers, a legend. Returns an SVG string, so the same code draws the Node
// report (written to an HTML file) and the in-page demo (set as innerHTML).

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

function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function fmtTick(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-2) return v.toExponential(0).replace("e+", "e");
  return String(Number(v.toPrecision(4)));
}

/**
 * series: [{ name, x?: number[], y: number[], mode?: "line" | "markers", color? }]
 * options: { title, xLabel, yLabel, logY, width, height, xMin?, xMax? }
 * xMin / xMax fix the x range (a live curve then grows across a steady axis).
 * The legend wraps onto more rows when it is wider than the chart, and the
 * chart grows by those rows.
 */
export function lineChart(series, options = {}) {
  const { title = "", xLabel = "", yLabel = "", logY = false, width = 720, height: plotHeight = 380 } = options;
  const m = { left: 64, right: 24, top: title ? 36 : 16, bottom: 72 }; // right: room for the last x label
  const w = width - m.left - m.right, h = plotHeight - m.top - m.bottom;
  const prepared = series.map((s, i) => {
    const xs = s.x ?? Array.from(s.y, (_, j) => j);
    const d = downsample(xs, s.y);
    const keep = d.ys.map((y, j) => Number.isFinite(y) && (!logY || y > 0) && Number.isFinite(d.xs[j]));
    return { ...s, xs: d.xs.filter((_, j) => keep[j]), ys: d.ys.filter((_, j) => keep[j]), color: s.color ?? PALETTE[i % PALETTE.length] };
  });
  const allX = prepared.flatMap((s) => s.xs), allY = prepared.flatMap((s) => s.ys);
  let x0 = Number.isFinite(options.xMin) ? options.xMin : Math.min(...allX);
  let x1 = Number.isFinite(options.xMax) ? options.xMax : Math.max(...allX);
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = [0, 1];
  if (x0 === x1) x1 = x0 + 1;
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
    const ew = 36 + 7.2 * String(s.name).length;
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
  if (title) out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(title)}</text>`);
  // axes and grid
  const yTicks = logY
    ? Array.from({ length: y1 - y0 + 1 }, (_, i) => 10 ** (y0 + i)).filter((_, i, a) => a.length <= 12 || i % Math.ceil(a.length / 12) === 0)
    : niceTicks(y0, y1);
  for (const v of yTicks) {
    const y = py(v);
    out.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end">${logY ? "1e" + Math.round(Math.log10(v)) : fmtTick(v)}</text>`);
  }
  for (const v of niceTicks(x0, x1, 6)) {
    const x = px(v);
    out.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + h}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x}" y="${m.top + h + 16}" text-anchor="middle">${fmtTick(v)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`);
  if (xLabel) out.push(`<text x="${m.left + w / 2}" y="${m.top + h + 34}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  if (yLabel) out.push(`<text transform="translate(14 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  // data
  for (const s of prepared) {
    if (s.mode === "markers") {
      for (let i = 0; i < s.xs.length; i++) {
        out.push(`<circle cx="${px(s.xs[i]).toFixed(1)}" cy="${py(s.ys[i]).toFixed(1)}" r="3.5" fill="${s.color}" fill-opacity="0.5"/>`);
      }
    } else if (s.xs.length > 0) {
      const d = s.xs.map((x, i) => `${i === 0 ? "M" : "L"}${px(x).toFixed(1)},${py(s.ys[i]).toFixed(1)}`).join("");
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`);
    }
  }
  // legend, below the plot
  legendRows.forEach((row, r) => {
    const ly = m.top + h + 56 + 18 * r;
    for (const { s, x: lx } of row) {
      const sym = s.mode === "markers"
        ? `<circle cx="${lx + 8}" cy="${ly - 4}" r="4" fill="${s.color}" fill-opacity="0.6"/>`
        : `<line x1="${lx}" x2="${lx + 16}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`;
      out.push(sym + `<text x="${lx + 22}" y="${ly}">${escapeXml(s.name)}</text>`);
    }
  });
  out.push("</svg>");
  return out.join("\n");
}
