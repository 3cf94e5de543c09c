// Draws a GraphNode list as an SVG, micrograd style, left to right: a record per value
// (label | data | grad) and a circle per op between the values it combines.
import type { GraphNode } from './graph.js';

const NS = 'http://www.w3.org/2000/svg';
const fmt = (x: number | null): string => (x === null ? '—' : Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : x.toFixed(4));

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function drawGraph(nodes: GraphNode[]): SVGSVGElement {
  // column = longest path from a leaf
  const depth = new Array<number>(nodes.length).fill(0);
  for (const n of nodes) depth[n.id] = n.inputs.length ? Math.max(...n.inputs.map((i) => depth[i])) + 1 : 0;
  const cols = new Map<number, GraphNode[]>();
  for (const n of nodes) cols.set(depth[n.id], [...(cols.get(depth[n.id]) ?? []), n]);
  const W = 230, H = 64, RW = 170, RH = 40;
  const pos = new Map<number, { x: number; y: number }>();
  let maxRows = 1;
  for (const [c, list] of cols) {
    maxRows = Math.max(maxRows, list.length);
    list.forEach((n, r) => pos.set(n.id, { x: 20 + c * W, y: 20 + r * H }));
  }
  const width = 40 + (Math.max(...depth) + 1) * W;
  const height = 40 + maxRows * H;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'autodiff graph' });
  svg.classList.add('ad-graph');
  for (const n of nodes) {
    const p = pos.get(n.id)!;
    for (const i of n.inputs) {
      const q = pos.get(i)!;
      svg.append(el('line', { x1: q.x + RW, y1: q.y + RH / 2, x2: p.x - 14, y2: p.y + RH / 2, stroke: '#99a', 'stroke-width': 1.2 }));
    }
    if (n.op) {
      svg.append(el('circle', { cx: p.x - 14, cy: p.y + RH / 2, r: 12, fill: '#fff4d6', stroke: '#c9a24a' }));
      svg.append(el('text', { x: p.x - 14, y: p.y + RH / 2 + 4, 'text-anchor': 'middle' }, n.op.length > 4 ? n.op.slice(0, 4) : n.op));
    }
    const g = el('g', { class: 'ad-node', 'data-label': n.label, 'data-value': n.value, 'data-grad': n.grad ?? '' });
    g.append(el('rect', { x: p.x, y: p.y, width: RW, height: RH, rx: 4, fill: n.leaf ? '#e8f4ea' : '#eef3ff', stroke: '#778' }));
    g.append(el('text', { x: p.x + 6, y: p.y + 16 }, `${n.label || n.op}  data ${fmt(n.value)}`));
    g.append(el('text', { x: p.x + 6, y: p.y + 32, fill: '#a02050' }, `grad ${fmt(n.grad)}`));
    svg.append(g);
  }
  return svg;
}
