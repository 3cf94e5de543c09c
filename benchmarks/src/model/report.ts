// The scaling sweep's result, its markdown table and its SVG plot (log-log latency vs length).
import type { PowerLaw } from './scaling.js';
import type { BenchEnv, InferBenchRow, ModelKind, PresetName, TrainBenchResult } from './types.js';

export interface SweepCurve {
  model: ModelKind;
  /** 'avey-ts' (this repo) or 'pytorch' */
  impl: 'avey-ts' | 'pytorch';
  rows: InferBenchRow[];
  /** lengths not measured, and why (memory / time budget / failure) */
  skipped: { seq_len: number; reason: string }[];
  /** latency ∝ seq_len^exponent, fitted on the measured lengths */
  fit: PowerLaw | null;
}

export interface SweepResult {
  created: string;
  preset: PresetName;
  env: BenchEnv;
  curves: SweepCurve[];
  train: (TrainBenchResult | { kind: 'train'; model: ModelKind; preset: PresetName; impl: 'pytorch'; batch: number; seq_len: number; tokens_per_s: number; best_tokens_per_s: number; median_step_ms: number; peak_rss_mb: number })[];
  /** avey-ts time / PyTorch time per setting (> 1: PyTorch is faster), or why PyTorch was not run */
  torch: { skip: string } | { version: string; blas: string; train_time_ratio: Record<string, number>; infer_time_ratio: Record<string, Record<string, number>> };
}

const fmt = (x: number, d = 3) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(d));

export function sweepMarkdown(r: SweepResult): string {
  const out: string[] = [];
  const lens = [...new Set(r.curves.flatMap((c) => [...c.rows.map((x) => x.seq_len), ...c.skipped.map((x) => x.seq_len)]))].sort((a, b) => a - b);
  out.push(`Inference latency, preset ${r.preset}, batch 1 (s; tokens/s in parentheses; ${r.env.cpus} × ${r.env.cpu_model}, gemm ${r.env.gemm}, load ${r.env.load_avg})`, '');
  out.push(`| model | impl | ${lens.join(' | ')} | exponent |`, `|---|---|${lens.map(() => '---').join('|')}|---|`);
  for (const c of r.curves) {
    const cells = lens.map((L) => {
      const row = c.rows.find((x) => x.seq_len === L);
      if (row) return `${fmt(row.latency_s)} (${row.tokens_per_s})`;
      const sk = c.skipped.find((x) => x.seq_len === L);
      return sk ? `— (${sk.reason.replace(/\|/g, '/')})` : '';
    });
    out.push(`| ${c.model} | ${c.impl} | ${cells.join(' | ')} | ${c.fit ? c.fit.exponent.toFixed(2) : '—'} |`);
  }
  out.push('', 'Training (full MLM steps: forward, full-vocabulary tied head + cross-entropy, backward, AdamW)', '');
  out.push('| model | impl | preset | batch×len | tokens/s (median) | tokens/s (best step) | median step ms | peak RSS MB |', '|---|---|---|---|---|---|---|---|');
  for (const t of r.train) {
    const impl = 'impl' in t ? t.impl : 'avey-ts';
    out.push(`| ${t.model} | ${impl} | ${t.preset} | ${t.batch}×${t.seq_len} | ${t.tokens_per_s} | ${t.best_tokens_per_s} | ${t.median_step_ms} | ${t.peak_rss_mb} |`);
  }
  if ('skip' in r.torch) out.push('', `PyTorch comparison skipped: ${r.torch.skip}`);
  else {
    out.push('', `avey-ts time / PyTorch ${r.torch.version} time (BLAS: ${r.torch.blas}; > 1: PyTorch is faster):`, '');
    for (const [k, v] of Object.entries(r.torch.train_time_ratio)) out.push(`- train ${k}: ${v.toFixed(2)}`);
    for (const [k, v] of Object.entries(r.torch.infer_time_ratio)) out.push(`- infer ${k}: ${Object.entries(v).map(([L, x]) => `T=${L} ${x.toFixed(2)}`).join(', ')}`);
  }
  return out.join('\n');
}

const COLORS: Record<string, string> = { 'avey-b': '#1f77b4', transformer: '#d62728' };

/** Log-log plot of latency against sequence length, one line per curve (PyTorch dashed). */
export function sweepSvg(r: SweepResult, width = 640, height = 420): string {
  const pts = r.curves.flatMap((c) => c.rows.map((x) => [x.seq_len, x.latency_s] as const));
  if (pts.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><text x="20" y="40">no data</text></svg>`;
  const m = { l: 70, r: 20, t: 30, b: 50 };
  const lx = pts.map(([x]) => Math.log2(x)), ly = pts.map(([, y]) => Math.log10(y));
  const x0 = Math.floor(Math.min(...lx)), x1 = Math.ceil(Math.max(...lx)) + (Math.min(...lx) === Math.max(...lx) ? 1 : 0);
  const y0 = Math.floor(Math.min(...ly)), y1 = Math.ceil(Math.max(...ly)) + (Math.min(...ly) === Math.max(...ly) ? 1 : 0);
  const X = (v: number) => m.l + ((Math.log2(v) - x0) / (x1 - x0)) * (width - m.l - m.r);
  const Y = (v: number) => height - m.b - ((Math.log10(v) - y0) / (y1 - y0)) * (height - m.t - m.b);
  const s: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">Inference latency vs sequence length (${r.preset}, batch 1, log-log)</text>`];
  for (let e = x0; e <= x1; e++) {
    const x = X(2 ** e);
    s.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${height - m.b}" stroke="#eee"/>`, `<text x="${x}" y="${height - m.b + 16}" text-anchor="middle">${2 ** e >= 1024 ? `${2 ** e / 1024}k` : 2 ** e}</text>`);
  }
  for (let e = y0; e <= y1; e++) {
    const y = Y(10 ** e);
    s.push(`<line x1="${m.l}" y1="${y}" x2="${width - m.r}" y2="${y}" stroke="#eee"/>`, `<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toPrecision(1)} s</text>`);
  }
  s.push(`<rect x="${m.l}" y="${m.t}" width="${width - m.l - m.r}" height="${height - m.t - m.b}" fill="none" stroke="#444"/>`,
    `<text x="${(m.l + width - m.r) / 2}" y="${height - 10}" text-anchor="middle">sequence length T (tokens)</text>`);
  r.curves.forEach((c, i) => {
    if (c.rows.length === 0) return;
    const color = COLORS[c.model] ?? '#333';
    const dash = c.impl === 'pytorch' ? ' stroke-dasharray="6 4"' : '';
    const path = c.rows.map((row, j) => `${j ? 'L' : 'M'}${X(row.seq_len).toFixed(1)},${Y(row.latency_s).toFixed(1)}`).join(' ');
    s.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    for (const row of c.rows) s.push(`<circle cx="${X(row.seq_len).toFixed(1)}" cy="${Y(row.latency_s).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly0 = m.t + 16 + i * 18;
    s.push(`<line x1="${m.l + 10}" y1="${ly0 - 4}" x2="${m.l + 34}" y2="${ly0 - 4}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${m.l + 40}" y="${ly0}">${c.model} (${c.impl})${c.fit ? `: latency ∝ T^${c.fit.exponent.toFixed(2)}` : ''}</text>`);
  });
  s.push('</svg>');
  return s.join('\n');
}
