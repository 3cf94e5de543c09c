// Markdown table of an OpBenchResult: one row per (op, shape), one column per backend.

import type { OpBenchResult, OpResult } from './types.js';

const fmt = (r: OpResult): string => {
  const v = r.gflops ?? r.gbps ?? 0;
  const unit = r.gflops !== undefined ? 'GFLOP/s' : 'GB/s';
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${unit} (${r.ms < 1 ? r.ms.toFixed(3) : r.ms.toFixed(1)} ms)`;
};

export function toMarkdown(res: OpBenchResult): string {
  const backends = [...new Set(res.results.map((r) => r.backend))];
  const rows = new Map<string, Map<string, OpResult>>();
  for (const r of res.results) {
    const k = `${r.op} [${r.shape.join('×')}]`;
    if (!rows.has(k)) rows.set(k, new Map());
    rows.get(k)?.set(r.backend, r);
  }
  const lines = [
    `| op | ${backends.join(' | ')} |`,
    `|---|${backends.map(() => '---').join('|')}|`,
    ...[...rows].map(([k, m]) => `| ${k} | ${backends.map((b) => { const r = m.get(b); return r ? fmt(r) : '–'; }).join(' | ')} |`),
    '',
    `Median of ${res.env.quick ? 'a few (quick mode)' : 'tinybench'} samples; matmul = 2·n³ flops, others = bytes read + written.`,
    `Node ${res.env.node}, ${res.env.cpu}, ${res.env.cores} cores.`,
    ...Object.values(res.env.backends ?? {}).map((d) => `avey-ts backend ${d}.`),
    `Threads: ${Object.entries(res.env.threads ?? {}).map(([b, t]) => `${b} ${t}`).join('; ')}.`,
  ];
  if (res.skipped.length) lines.push('', 'Skipped:', ...res.skipped.map((s) => `- ${s}`));
  return lines.join('\n');
}
