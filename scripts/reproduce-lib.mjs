// Pure helpers of scripts/reproduce.mjs (no I/O, no child processes), exported for the tests in
// docs/test/reproduction.test.ts: the statistics over seeds, the markdown tables, the splice of a
// generated block into docs/reproduction.md, and the held-out loss-curve SVG.

/** Arithmetic mean (NaN for an empty list). */
export function mean(xs) {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1 in the denominator); 0 for one value, NaN for none. */
export function std(xs) {
  if (xs.length === 0) return NaN;
  if (xs.length === 1) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** { mean, std, n, values } of the finite values (NaN/missing runs are dropped and counted). */
export function aggregate(values) {
  const ok = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  return { mean: mean(ok), std: std(ok), n: ok.length, missing: values.length - ok.length, values: ok };
}

/** "12.34 ± 0.56" with `digits` decimals; "—" when there is nothing; a single run shows no ±. */
export function formatMeanStd(agg, digits = 1) {
  if (!agg || agg.n === 0) return '—';
  if (agg.n === 1) return agg.mean.toFixed(digits);
  return `${agg.mean.toFixed(digits)} ± ${agg.std.toFixed(digits)}`;
}

/**
 * Aggregates fine-tuning runs. `runs`: [{ model, task, seed, metrics: {name: value} }] (metrics
 * already on the reporting scale). Returns { [task]: { [model]: { [metric]: aggregate } } }.
 */
export function aggregateRuns(runs) {
  const out = {};
  const groups = new Map();
  for (const r of runs) {
    const key = `${r.task}\u0000${r.model}`;
    if (!groups.has(key)) groups.set(key, { task: r.task, model: r.model, runs: [] });
    groups.get(key).runs.push(r);
  }
  for (const { task, model, runs: rs } of groups.values()) {
    const names = [...new Set(rs.flatMap((r) => Object.keys(r.metrics)))];
    out[task] ??= {};
    out[task][model] = Object.fromEntries(names.map((m) => [m, aggregate(rs.map((r) => r.metrics[m]))]));
    out[task][model].seeds = rs.map((r) => r.seed).sort((a, b) => a - b);
  }
  return out;
}

function escapeCell(s) {
  return String(s).replace(/\|/g, '\\|');
}

/** A markdown table from a header row and rows of cells. */
export function markdownTable(header, rows) {
  const line = (cells) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * The main results table: one row per task (in `tasks` order), one column per model (in `models`
 * order), each cell the task's primary metric as mean ± std over seeds, plus the n column.
 * `tasks`: [{ id, label, metric, claim? }]; `models`: [{ id, label }]; `agg`: aggregateRuns output.
 */
export function renderResultsTable(tasks, models, agg, digits = 1) {
  const header = ['task', 'metric', ...models.map((m) => m.label), 'n (seeds)', "paper's claim"];
  const rows = tasks.map((t) => {
    const cells = models.map((m) => formatMeanStd(agg[t.id]?.[m.id]?.[t.metric], digits));
    const ns = [...new Set(models.map((m) => agg[t.id]?.[m.id]?.[t.metric]?.n ?? 0))];
    return [t.label, t.metricLabel ?? t.metric, ...cells, ns.join('/'), t.claim ?? ''];
  });
  return markdownTable(header, rows);
}

/** Held-out MLM loss at the given steps, one column per pretrained model. `curves`: {model: [{step, loss}]}. */
export function renderLossTable(models, curves, steps, digits = 3) {
  const header = ['step', ...models.map((m) => m.label)];
  const rows = steps.map((s) => [String(s), ...models.map((m) => {
    const p = (curves[m.id] ?? []).find((q) => q.step === s);
    return p ? p.loss.toFixed(digits) : '—';
  })]);
  return markdownTable(header, rows);
}

/** Replaces the text between `<!-- BEGIN name -->` and `<!-- END name -->` (markers kept). */
export function spliceBlock(doc, name, content) {
  const begin = `<!-- BEGIN ${name} -->`;
  const end = `<!-- END ${name} -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < 0 || j < i) throw new Error(`spliceBlock: markers for ${name} not found in order`);
  return `${doc.slice(0, i + begin.length)}\n${content.trim()}\n${doc.slice(j)}`;
}

/** The text between the markers (trimmed), or null. */
export function extractBlock(doc, name) {
  const begin = `<!-- BEGIN ${name} -->`;
  const end = `<!-- END ${name} -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < 0 || j < i) return null;
  return doc.slice(i + begin.length, j).trim();
}

/** Held-out loss curves `{label: [{step, loss}]}` as a small standalone SVG line chart. */
export function lossCurvesSvg(series, { width = 640, height = 360, title = 'held-out MLM loss' } = {}) {
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  const pts = Object.values(series).flat();
  if (pts.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"></svg>\n`;
  const pad = { l: 56, r: 150, t: 30, b: 40 };
  const xMax = Math.max(...pts.map((p) => p.step)) || 1;
  const yMin = Math.floor(Math.min(...pts.map((p) => p.loss)) * 2) / 2;
  const yMax = Math.ceil(Math.max(...pts.map((p) => p.loss)) * 2) / 2;
  const X = (s) => pad.l + (s / xMax) * (width - pad.l - pad.r);
  const Y = (l) => pad.t + (1 - (l - yMin) / Math.max(1e-9, yMax - yMin)) * (height - pad.t - pad.b);
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${pad.l}" y="18" font-size="14">${title}</text>`);
  for (let k = 0; k <= 4; k++) {
    const l = yMin + ((yMax - yMin) * k) / 4;
    out.push(`<line x1="${pad.l}" x2="${width - pad.r}" y1="${Y(l).toFixed(1)}" y2="${Y(l).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${pad.l - 6}" y="${(Y(l) + 4).toFixed(1)}" text-anchor="end">${l.toFixed(2)}</text>`);
    const s = Math.round((xMax * k) / 4);
    out.push(`<text x="${X(s).toFixed(1)}" y="${height - pad.b + 16}" text-anchor="middle">${s}</text>`);
  }
  out.push(`<text x="${((pad.l + width - pad.r) / 2).toFixed(1)}" y="${height - 6}" text-anchor="middle">optimiser step</text>`);
  Object.entries(series).forEach(([label, ps], i) => {
    const c = colors[i % colors.length];
    const d = [...ps].sort((a, b) => a.step - b.step).map((p) => `${X(p.step).toFixed(1)},${Y(p.loss).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${d}"/>`);
    out.push(`<line x1="${width - pad.r + 10}" x2="${width - pad.r + 30}" y1="${pad.t + 10 + i * 18}" y2="${pad.t + 10 + i * 18}" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${width - pad.r + 36}" y="${pad.t + 14 + i * 18}">${label}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** "1 h 02 min", "3 min 05 s", "42 s". */
export function formatSeconds(s) {
  const t = Math.round(s);
  if (t >= 3600) return `${Math.floor(t / 3600)} h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')} min`;
  if (t >= 60) return `${Math.floor(t / 60)} min ${String(t % 60).padStart(2, '0')} s`;
  return `${t} s`;
}

/** The markdown blocks spliced into docs/reproduction.md, from a results.json object. */
export function renderBlocks(results) {
  const models = results.models;
  const main = models.filter((m) => !m.ablation);
  const pre = results.pretrain;
  const params = (id) => (pre[id] ? (pre[id].parameters ?? 0).toLocaleString('en-US') : '—');
  const fmtLoss = (x) => (typeof x === 'number' ? x.toFixed(3) : '—');
  const pretrainTable = markdownTable(
    ['model', 'parameters', 'steps × batch × length', 'tokens seen', 'held-out MLM loss (start → end)', 'train loss (last 10 steps)', 'wall time'],
    models.filter((m) => pre[m.id]).map((m) => [m.label, params(m.id), `${pre[m.id].steps} × ${pre[m.id].batch} × ${pre[m.id].seq_len}`, pre[m.id].tokens_seen.toLocaleString('en-US'),
      `${fmtLoss(pre[m.id].eval_curve[0]?.loss)} → ${fmtLoss(pre[m.id].final_eval_loss)}`, fmtLoss(pre[m.id].final_train_loss_avg10), formatSeconds(pre[m.id].wall_s)]),
  );
  const steps = [...new Set(Object.values(pre).flatMap((p) => p.eval_curve.map((q) => q.step)))].sort((a, b) => a - b);
  const curves = Object.fromEntries(Object.entries(pre).map(([id, p]) => [id, p.eval_curve]));
  const lossTable = renderLossTable(models.filter((m) => pre[m.id]), curves, steps);
  const tasks = results.tasks;
  const mainTable = renderResultsTable(tasks, main, results.finetune);
  const ret = results.retrieval;
  const retTable = markdownTable(
    ['model', 'nDCG@10 %', 'MRR@10 %', 'recall@10 %', 'queries', 'passages'],
    models.filter((m) => ret[m.id]).map((m) => [m.label, (100 * ret[m.id].ndcg_at_10).toFixed(1), (100 * ret[m.id].mrr_at_10).toFixed(1), (100 * ret[m.id].recall_at_10).toFixed(1), ret[m.id].queries, ret[m.id].passages]),
  );
  const abl = results.finetune[results.ablation_task] ?? {};
  const ablTask = tasks.find((t) => t.id === results.ablation_task);
  const ablTable = markdownTable(
    ['model', 'held-out MLM loss (end)', `${ablTask.label}: ${ablTask.metricLabel} (mean ± std)`, 'n', 'SQuAD retrieval nDCG@10 %'],
    models.filter((m) => m.model === 'avey-b').map((m) => [m.label, fmtLoss(pre[m.id]?.final_eval_loss), formatMeanStd(abl[m.id]?.[ablTask.metric]), abl[m.id]?.[ablTask.metric]?.n ?? 0, ret[m.id] ? (100 * ret[m.id].ndcg_at_10).toFixed(1) : '—']),
  );
  const niah = tasks.filter((t) => t.task === 'niah');
  const niahTable = markdownTable(
    ['length (tokens)', ...main.map((m) => `${m.label}: accuracy %`), ...main.map((m) => `${m.label}: set-F1 %`)],
    niah.map((t) => [t.options.maxLen, ...main.map((m) => formatMeanStd(results.finetune[t.id]?.[m.id]?.accuracy)), ...main.map((m) => formatMeanStd(results.finetune[t.id]?.[m.id]?.set_f1))]),
  );
  const squadT = tasks.find((t) => t.id === 'squad');
  const squadTable = markdownTable(
    ['model', 'EM', 'F1', 'set-F1 %'],
    main.map((m) => [m.label, ...['exact_match', 'f1', 'set_f1'].map((k) => formatMeanStd(results.finetune[squadT.id]?.[m.id]?.[k]))]),
  );
  const prefix = results.block_prefix ?? 'repro';
  const blocks = {
    [`${prefix}-pretrain`]: pretrainTable,
    [`${prefix}-loss`]: lossTable,
    [`${prefix}-main`]: mainTable,
    [`${prefix}-retrieval`]: retTable,
    [`${prefix}-niah`]: niahTable,
    [`${prefix}-squad`]: squadTable,
  };
  if (models.some((m) => m.ablation)) blocks[`${prefix}-ablation`] = ablTable;
  const all = Object.entries(blocks).map(([k, v]) => `### ${k}\n\n${v}`).join('\n\n');
  return { blocks, all };
}
