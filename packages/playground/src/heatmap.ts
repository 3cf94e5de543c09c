// Heatmaps on <canvas>: one pixel block per cell, a perceptual-ish blue→yellow ramp over the
// finite values (min..max), transparent for ±Infinity / NaN, optional outlined cells.
import type { Matrix } from './inspect.js';

function ramp(t: number): [number, number, number] {
  // dark blue (0) → teal → yellow (1)
  const r = Math.round(255 * Math.min(1, Math.max(0, 1.6 * t - 0.45)));
  const g = Math.round(255 * Math.min(1, 0.15 + 0.85 * t));
  const b = Math.round(255 * Math.max(0, 0.55 - 0.55 * t + 0.25 * Math.sin(Math.PI * t)));
  return [r, g, b];
}

export function heatmap(m: Matrix, caption: string, opts: { cell?: number; outline?: [number, number][] } = {}): HTMLElement {
  const cell = opts.cell ?? Math.max(4, Math.min(48, Math.floor(240 / Math.max(m.rows, m.cols))));
  const canvas = document.createElement('canvas');
  canvas.className = 'heatmap';
  canvas.width = m.cols * cell;
  canvas.height = m.rows * cell;
  canvas.dataset.rows = String(m.rows);
  canvas.dataset.cols = String(m.cols);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('heatmap: no 2D canvas context');
  let lo = Infinity, hi = -Infinity;
  for (const v of m.data) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const span = hi > lo ? hi - lo : 1;
  let drawn = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j];
      if (!Number.isFinite(v)) continue;
      const [r, g, b] = ramp((v - lo) / span);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(j * cell, i * cell, cell, cell);
      drawn++;
    }
  }
  ctx.strokeStyle = '#e0245e';
  const lw = Math.max(1, Math.floor(cell / 12));
  ctx.lineWidth = lw;
  // inside the cell, so neighbouring outlines stay apart
  for (const [i, j] of opts.outline ?? []) ctx.strokeRect(j * cell + lw * 1.5, i * cell + lw * 1.5, cell - 3 * lw, cell - 3 * lw);
  canvas.dataset.cells = String(drawn);
  canvas.title = `${caption}: ${m.rows}×${m.cols}, min ${lo.toPrecision(3)}, max ${hi.toPrecision(3)}`;
  const fig = document.createElement('figure');
  const cap = document.createElement('figcaption');
  cap.textContent = caption;
  fig.append(canvas, cap);
  return fig;
}
