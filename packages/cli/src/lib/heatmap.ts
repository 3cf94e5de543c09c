// SVG heatmaps of small matrices for `avey trace --svg`: one cell per entry, a diverging colour
// scale (blue < 0 < red, white at 0, symmetric around 0 with the largest |value|), row and column
// indices, a colour bar, optional marked cells (outlined, with a label). Non-finite entries are grey.

export interface HeatmapOptions {
  title: string;
  /** A second line under the title. */
  subtitle?: string;
  /** Axis captions. */
  rowLabel: string;
  /** Names of the rows = columns (e.g. tokens), shown beside the indices (cut to 12 characters). */
  names?: readonly string[];
  colLabel: string;
  /** Cells to outline: [row, col, label]. */
  marks?: readonly (readonly [number, number, string])[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Diverging colour of t ∈ [−1, 1]. */
function colour(t: number): string {
  const a = Math.min(1, Math.abs(t));
  const c = (x: number): number => Math.round(255 - a * (255 - x));
  return t >= 0 ? `rgb(${c(178)},${c(24)},${c(43)})` : `rgb(${c(33)},${c(102)},${c(172)})`;
}

const fmt = (x: number): string => (Math.abs(x) >= 1e3 || (Math.abs(x) < 1e-2 && x !== 0) ? x.toExponential(2) : x.toFixed(3));

/** rows × cols matrix (row-major data) → SVG text. */
export function heatmapSvg(data: ArrayLike<number>, rows: number, cols: number, opts: HeatmapOptions): string {
  let scale = 0;
  for (let i = 0; i < rows * cols; i++) if (Number.isFinite(data[i])) scale = Math.max(scale, Math.abs(data[i]));
  if (scale === 0) scale = 1;
  const cell = Math.max(6, Math.min(40, Math.floor(640 / Math.max(rows, cols))));
  const names = opts.names?.map((n) => (n.length > 12 ? `${n.slice(0, 11)}…` : n));
  const nameW = names ? 7 * Math.max(0, ...names.map((n) => n.length)) + 6 : 0;
  const left = 56 + nameW, top = 64 + nameW, barW = 14;
  const textW = 6.5 * Math.max(opts.title.length, opts.subtitle?.length ?? 0) + left;
  const W = Math.ceil(Math.max(left + cols * cell + 90, textW)), H = top + rows * cell + 44;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${left}" y="18" font-size="13" font-weight="bold">${esc(opts.title)}</text>`,
    opts.subtitle ? `<text x="${left}" y="34" fill="#333">${esc(opts.subtitle)}</text>` : '',
    `<text x="${left}" y="${top - 18 - nameW}">${esc(opts.colLabel)} →</text>`,
    `<text transform="translate(14 ${top + (rows * cell) / 2}) rotate(-90)" text-anchor="middle">${esc(opts.rowLabel)} →</text>`,
  ];
  const every = Math.max(1, Math.ceil(14 / cell));
  for (let r = 0; r < rows; r++) {
    if (r % every === 0) out.push(`<text x="${left - 4}" y="${top + r * cell + cell / 2 + 4}" text-anchor="end">${names?.[r] !== undefined ? `${esc(names[r])} ` : ''}${r}</text>`);
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c];
      const fill = Number.isFinite(v) ? colour(v / scale) : '#d0d0d0';
      out.push(`<rect x="${left + c * cell}" y="${top + r * cell}" width="${cell}" height="${cell}" fill="${fill}"><title>[${r}, ${c}] = ${Number.isFinite(v) ? v : String(v)}</title></rect>`);
    }
  }
  for (let c = 0; c < cols; c += every) {
    const x = left + c * cell + cell / 2;
    out.push(names?.[c] !== undefined
      ? `<text transform="translate(${x + 4} ${top - 4}) rotate(-90)">${c} ${esc(names[c])}</text>`
      : `<text x="${x}" y="${top - 4}" text-anchor="middle">${c}</text>`);
  }
  for (const [r, c, label] of opts.marks ?? []) {
    out.push(`<rect x="${left + c * cell + 1}" y="${top + r * cell + 1}" width="${cell - 2}" height="${cell - 2}" fill="none" stroke="black" stroke-width="2"/>`);
    if (cell >= 12) out.push(`<text x="${left + c * cell + cell / 2}" y="${top + r * cell + cell / 2 + 4}" text-anchor="middle" font-weight="bold">${esc(label)}</text>`);
  }
  // colour bar
  const bx = left + cols * cell + 16, bh = Math.max(60, rows * cell);
  for (let i = 0; i < 20; i++) out.push(`<rect x="${bx}" y="${top + (i * bh) / 20}" width="${barW}" height="${bh / 20 + 0.5}" fill="${colour(1 - (2 * i) / 19)}"/>`);
  out.push(`<text x="${bx + barW + 4}" y="${top + 8}">${fmt(scale)}</text>`);
  out.push(`<text x="${bx + barW + 4}" y="${top + bh / 2 + 4}">0</text>`);
  out.push(`<text x="${bx + barW + 4}" y="${top + bh}">${fmt(-scale)}</text>`);
  out.push(`<text x="${left}" y="${H - 10}" fill="#555">grey: not a candidate / not finite; hover a cell for its value</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
