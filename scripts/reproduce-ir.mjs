#!/usr/bin/env node
// The IR column at small scale (docs/reproduction.md): Avey-B tiny and the 2-layer Transformer,
// each pretrained briefly on the built-in corpus, scored on SQuAD v1.1 dev passage retrieval
// zero-shot and after contrastive fine-tuning (`avey finetune retrieval --train-task squad`, MNRL,
// 3 seeds), with BM25 on the same queries as the reference.
// Usage: node scripts/reproduce-ir.mjs [--out runs/repro-ir] [--data DIR]
// Re-running skips finished steps (each writes its JSON); delete the folder to start over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i < 0 ? dflt : argv[i + 1]; };
const ROOT = resolve(opt('out', join(repo, 'runs', 'repro-ir')));
const DATA = opt('data', process.env.AVEY_DATASETS ?? join(repo, '..', 'shared', 'datasets'));
const S = {
  pretrain: { steps: 150, batch: 8, seqLen: 128 },
  finetune: { steps: 100, batch: 16, maxLen: 128, lr: 1e-3, seeds: [0, 1, 2] },
  eval: { evalLimit: 300, maxLen: 128, corpus: 'judged' },
};
const MODELS = [
  { id: 'avey-b', label: 'Avey-B tiny', model: 'avey-b', config: null },
  { id: 'transformer', label: 'Transformer (2 layers)', model: 'transformer', config: { num_hidden_layers: 2, max_position_embeddings: 1024 } },
];
const env = { ...process.env, CI: '1', AVEY_CACHE_DIR: join(ROOT, 'cache') };

function avey(args, stdoutFile) {
  const t = Date.now();
  process.stderr.write(`$ avey ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [join(repo, 'packages/cli/bin/avey.mjs'), ...args.map(String)], { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`avey exited with ${r.status}: ${args.join(' ')}\n${r.stderr.split('\n').slice(-8).join('\n')}`);
  mkdirSync(dirname(stdoutFile), { recursive: true });
  writeFileSync(stdoutFile, r.stdout);
  return { json: JSON.parse(r.stdout), wall_s: (Date.now() - t) / 1000 };
}
const once = (file, run) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : (() => { const r = run(); writeFileSync(file, JSON.stringify(r, null, 2)); return r; })());
const evalArgs = (ckpt) => ['eval', 'squad-retrieval', '--checkpoint', ckpt, '--data', DATA, '--eval-limit', S.eval.evalLimit, '--max-len', S.eval.maxLen, '--corpus', S.eval.corpus, '--backend', 'cpu', '--json'];

mkdirSync(ROOT, { recursive: true });
const results = { settings: S, models: {}, bm25: null };
for (const m of MODELS) {
  const pre = join(ROOT, 'pretrain', m.id);
  once(join(ROOT, `pretrain-${m.id}.json`), () => {
    const args = ['pretrain', '--model', m.model, '--preset', 'tiny', '--batch', S.pretrain.batch, '--max-len', S.pretrain.seqLen, '--steps', S.pretrain.steps, '--seed', 11, '--out', pre, '--backend', 'cpu', '--json'];
    if (m.config) { mkdirSync(ROOT, { recursive: true }); const f = join(ROOT, `${m.id}.config.json`); writeFileSync(f, JSON.stringify(m.config)); args.splice(5, 0, '--config', f); }
    const r = avey(args, join(ROOT, 'logs', `pretrain-${m.id}.json`));
    return { final_eval_loss: r.json.final_eval_loss ?? null, wall_s: r.wall_s };
  });
  const zero = once(join(ROOT, `zero-shot-${m.id}.json`), () => {
    const r = avey([...evalArgs(pre), '--bm25'], join(ROOT, 'logs', `zero-shot-${m.id}.json`));
    return { ...r.json, wall_s: r.wall_s };
  });
  results.bm25 ??= zero.bm25;
  const seeds = S.finetune.seeds.map((seed) => once(join(ROOT, `finetuned-${m.id}-seed${seed}.json`), () => {
    const out = join(ROOT, 'finetune', m.id, `seed-${seed}`);
    const f = avey(['finetune', 'retrieval', '--checkpoint', pre, '--train-task', 'squad', '--data', DATA, '--steps', S.finetune.steps, '--batch', S.finetune.batch,
      '--max-len', S.finetune.maxLen, '--lr', S.finetune.lr, '--seed', seed, '--eval-limit', 200, '--out', out, '--backend', 'cpu', '--json'], join(ROOT, 'logs', `finetune-${m.id}-${seed}.json`));
    const e = avey(evalArgs(out), join(ROOT, 'logs', `eval-${m.id}-${seed}.json`));
    return { ...e.json, train_seconds: f.json.train_seconds, loss: f.json.loss };
  }));
  results.models[m.id] = { label: m.label, zero_shot: zero, fine_tuned: seeds };
}
const pct = (x) => (100 * x).toFixed(1);
const meanStd = (xs) => { const m = xs.reduce((a, b) => a + b, 0) / xs.length; const s = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1)); return `${pct(m)} ± ${pct(s)}`; };
const rows = [['model', 'zero-shot nDCG@10 %', `fine-tuned nDCG@10 % (mean ± std, ${S.finetune.seeds.length} seeds)`, 'fine-tuned MRR@10 %', 'fine-tuned recall@100 %']];
for (const m of MODELS) {
  const r = results.models[m.id];
  rows.push([r.label, pct(r.zero_shot['ndcg@10']), meanStd(r.fine_tuned.map((x) => x['ndcg@10'])), meanStd(r.fine_tuned.map((x) => x['mrr@10'])), meanStd(r.fine_tuned.map((x) => x['recall@100']))]);
}
rows.push(['BM25 (k1 1.2, b 0.75)', pct(results.bm25['ndcg@10']), '—', pct(results.bm25['mrr@10']), pct(results.bm25['recall@100'])]);
const md = [`| ${rows[0].join(' | ')} |`, `|${rows[0].map(() => '---').join('|')}|`, ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`)].join('\n');
writeFileSync(join(ROOT, 'results.json'), JSON.stringify(results, null, 2));
process.stdout.write(`${md}\n`);
