#!/usr/bin/env node
// Small-scale reproduction of the Avey-B paper through the `avey` CLI (docs/reproduction.md).
//
//   node scripts/reproduce.mjs [--scale quick|full|shuffled|long|niah] [--seeds 3] [--only pretrain|finetune|eval|report] [--dry-run]
//   node scripts/reproduce.mjs --scale budget [--budget 20m] [--seeds 3] [--quick]   (scripts/reproduce-budget.mjs)
//
// full: the study; shuffled: Avey-B and the Transformer again on the training documents in a seeded
// random order (scripts/reproduce-corpus.mjs); long: 2500 pretraining steps; quick: a smoke test;
// niah: the long-context needle-in-a-haystack study (scripts/reproduce-niah.mjs).
// One tokenizer, then MLM pretraining of Avey-B (tiny), the Transformer baseline of similar size and
// two Avey-B ablations on the same corpus / steps / schedule; then fine-tuning on one task per family
// over several seeds, zero-shot SQuAD passage retrieval, needle-in-a-haystack at growing lengths.
// Every run goes to runs/repro/<scale>/ (gitignored) and is skipped when its output exists, so the
// script can be re-run after a crash (an interrupted pretraining run is continued with --resume).
// One process at a time, CPU backend. Aggregates mean ± std over seeds into
// runs/repro/<scale>/results.json; the full scale also writes docs/reproduction/results.json, the
// loss-curve SVG, and splices the tables into docs/reproduction.md.
import { spawnSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAvey } from './reproduce-run.mjs';
import {
  aggregateRuns,
  formatSeconds,
  lossCurvesSvg,
  spliceBlock,
  extractBlock,
  renderBlocks,
} from './reproduce-lib.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
function opt(name, dflt) {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) return true;
  return v;
}
const SCALE = opt('scale', 'full');
// budget: does the budgeted pretraining recipe pay off downstream? (its own driver)
if (SCALE === 'budget') {
  await import('./reproduce-budget.mjs');
  process.exit(0);
}
if (!['quick', 'full', 'long', 'shuffled', 'niah'].includes(SCALE)) throw new Error(`--scale must be quick, full, long, shuffled, niah or budget, got ${SCALE}`);
const SEEDS = Number(opt('seeds', 3));
const ONLY = opt('only', 'all');
const DRY = argv.includes('--dry-run');
if (SCALE === 'niah') {
  const { runNiahStudy } = await import('./reproduce-niah.mjs');
  runNiahStudy({ repo, seeds: SEEDS, only: ONLY, dry: DRY, models: opt('models', undefined) });
  process.exit(0);
}
const DATA = opt('data', process.env.AVEY_DATASETS ?? join(repo, '..', 'shared', 'datasets'));

// ---------------------------------------------------------------- the study's settings
let S = {
  quick: {
    pretrain: { steps: 20, batch: 4, seqLen: 256, evalInterval: 10, evalBatches: 2, saveInterval: 10 },
    ft: { lr: 5e-4, batch: 32 },
    sst2: { limit: 64, evalLimit: 32, maxLen: 64 },
    pos: { limit: 64, evalLimit: 32, maxLen: 128 },
    uner: { limit: 64, evalLimit: 32, maxLen: 128 },
    squad: { limit: 64, evalLimit: 32, maxLen: 256, epochs: 1 },
    niah: { lengths: [256, 512], limit: 32, evalLimit: 16, batch: 8 },
    retrieval: { evalLimit: 50, maxLen: 256 },
  },
  full: {
    pretrain: { steps: 800, batch: 4, seqLen: 256, evalInterval: 50, evalBatches: 8, saveInterval: 100 },
    ft: { lr: 5e-4, batch: 32 },
    sst2: { limit: 3000, evalLimit: 872, maxLen: 64 },
    pos: { limit: 2000, evalLimit: 800, maxLen: 128 },
    uner: { limit: 2001, evalLimit: 800, maxLen: 128 },
    squad: { limit: 600, evalLimit: 300, maxLen: 256, epochs: 2 },
    niah: { lengths: [256, 512, 1024], limit: 256, evalLimit: 50, batch: 8 },
    retrieval: { evalLimit: 1000, maxLen: 256 },
  },
};
// long: the full study's fine-tuning on Avey-B and the Transformer pretrained 2500 steps instead of 800
// (no ablations), to see whether longer pretraining moves anything.
S.long = { ...S.full, pretrain: { ...S.full.pretrain, steps: 2500, evalInterval: 100, saveInterval: 250 }, mainOnly: true, reuseTokenizer: 'full' };
// shuffled: the full study's settings (800 steps, no ablations) on the same training documents in a
// seeded random order (scripts/reproduce-corpus.mjs) instead of the built-in order (all State of the
// Union addresses first); the CLI then holds out 5 % of those documents by id hash.
S.shuffled = { ...S.full, mainOnly: true, reuseTokenizer: 'full', shuffledCorpus: true };
S.shuffled.blockPrefix = 'repro-shuffled';
S.full.blockPrefix = 'repro';
S.long.blockPrefix = 'repro-long';
S.quick.blockPrefix = 'repro-quick';
S = S[SCALE];

/** Pretrained models: the two compared models and the ablations (Avey-B switches, docs/avey-b.md §4). */
const ALL_MODELS = [
  { id: 'avey-b', label: 'Avey-B tiny', model: 'avey-b', config: null },
  // The tiny Transformer preset has 855k parameters (4 layers, 2048 learned positions); 2 layers and
  // 1024 positions (the longest NIAH input) bring it near Avey-B tiny's 646k.
  { id: 'transformer', label: 'Transformer (2 layers)', model: 'transformer', config: { num_hidden_layers: 2, max_position_embeddings: 1024 } },
  { id: 'avey-b-no-rownorm', label: 'Avey-B, no row norm', model: 'avey-b', config: { row_norm: 'none' }, ablation: true },
  { id: 'avey-b-coupled', label: 'Avey-B, coupled', model: 'avey-b', config: { parameterization: 'coupled' }, ablation: true },
];
const MODELS = S.mainOnly ? ALL_MODELS.filter((m) => !m.ablation) : ALL_MODELS;
const MAIN = MODELS.filter((m) => !m.ablation);
const ABLATIONS = MODELS.filter((m) => m.ablation);

/** Fine-tuning tasks: id, CLI task, metric shown (and the scale factor to percent), per-run options. */
const TASKS = [
  { id: 'sst2', task: 'sst2', label: 'SST-2 (SC)', metric: 'accuracy', metricLabel: 'accuracy %', scale: 100, o: S.sst2, claim: 'Avey-B best on SST-2 (SC avg 88.8 vs BERT 87.1)' },
  { id: 'pos', task: 'pos', label: 'UD-EWT POS (TC)', metric: 'accuracy', metricLabel: 'word acc. %', scale: 100, o: S.pos, claim: 'Avey-B ahead on TC (avg F1 93.6 vs BERT 89.8)' },
  { id: 'uner', task: 'uner', label: 'UNER-EWT NER (TC)', metric: 'f1', metricLabel: 'entity F1 %', scale: 100, o: S.uner, claim: 'Avey-B ahead on TC (UNER is in the paper)' },
  { id: 'squad', task: 'squad', label: 'SQuAD v1.1 (QA)', metric: 'f1', metricLabel: 'F1', scale: 1, o: S.squad, claim: 'Avey-B behind RoBERTa/ModernBERT on SQuAD (QA avg 62.5 vs 75.1/74.4; BERT 57.7)' },
  ...S.niah.lengths.map((L, i) => ({
    id: `niah-${L}`, task: 'niah', label: `NIAH, ${L} tokens`, metric: 'accuracy', metricLabel: 'exact span acc. %', scale: 100,
    o: { limit: S.niah.limit, evalLimit: S.niah.evalLimit, maxLen: L, batch: S.niah.batch },
    claim: i === 0 ? 'Avey-B flat with length (79.4 from 1k to 64k tokens)' : '',
  })),
];
const ABLATION_TASK = 'pos';

// ---------------------------------------------------------------- running the CLI
const ROOT = join(repo, 'runs', 'repro', SCALE);
const t0 = Date.now();
let ranCount = 0;

function git(cmd) {
  try { return execSync(`git ${cmd}`, { cwd: repo, encoding: 'utf8' }).trim(); } catch { return null; }
}

/** Runs `avey <args>` with stdout → stdoutFile (JSON) and stderr → logFile; returns { wall, cmd }. */
function avey(args, stdoutFile, logFile) {
  const r = runAvey({ repo, args, stdoutFile, logFile, t0, dry: DRY });
  if (!DRY) ranCount++;
  return DRY ? 0 : r;
}

const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));
const writeJson = (f, x) => { mkdirSync(dirname(f), { recursive: true }); writeFileSync(f, `${JSON.stringify(x, null, 2)}\n`); };

// ---------------------------------------------------------------- 1. tokenizer
const TOKENIZER = S.reuseTokenizer ? join(repo, 'runs', 'repro', S.reuseTokenizer, 'tokenizer.json') : join(ROOT, 'tokenizer.json');
function tokenizer() {
  if (existsSync(TOKENIZER)) return;
  if (S.reuseTokenizer) throw new Error(`--scale ${SCALE} reuses the tokenizer of --scale ${S.reuseTokenizer}: run that first (${TOKENIZER})`);
  avey(['tokenizer', 'train', '--vocab-size', '8192', '--out', TOKENIZER, '--json', '--backend', 'cpu'], join(ROOT, 'tokenizer.out.json'), join(ROOT, 'tokenizer.log'));
}

const CORPUS = join(ROOT, 'corpus', 'train-shuffled.jsonl');
function corpus() {
  if (!S.shuffledCorpus || existsSync(CORPUS)) return;
  process.stderr.write(`[${formatSeconds((Date.now() - t0) / 1000)}] $ node --import tsx scripts/reproduce-corpus.mjs ${CORPUS} 11\n`);
  if (DRY) return;
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts', 'reproduce-corpus.mjs'), CORPUS, '11'], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error('reproduce-corpus.mjs failed');
  writeFileSync(join(ROOT, 'corpus', 'info.json'), r.stdout);
}

// ---------------------------------------------------------------- 2. pretraining
const ptDir = (m) => join(ROOT, 'pretrain', m.id);
function pretrain(m) {
  const dir = ptDir(m);
  const done = join(dir, 'driver.json');
  if (existsSync(done)) return;
  const p = S.pretrain;
  let args;
  if (existsSync(join(dir, 'run.json')) && existsSync(join(dir, 'checkpoints')) && readdirSync(join(dir, 'checkpoints')).some((d) => d.startsWith('step-'))) {
    args = ['pretrain', '--resume', dir, '--json', '--backend', 'cpu'];
  } else {
    rmSync(dir, { recursive: true, force: true });
    args = ['pretrain', '--model', m.model, '--preset', 'tiny', '--tokenizer', TOKENIZER,
      '--batch', p.batch, '--max-len', p.seqLen, '--steps', p.steps, '--seed', 11,
      '--eval-interval', p.evalInterval, '--eval-batches', p.evalBatches, '--save-interval', p.saveInterval, '--keep', 1,
      '--out', dir, '--json', '--backend', 'cpu'].map(String);
    if (S.shuffledCorpus) args.push('--corpus', CORPUS);
    if (m.config) {
      const cfgFile = join(ROOT, 'configs', `${m.id}.json`);
      writeJson(cfgFile, m.config);
      args.splice(5, 0, '--config', cfgFile);
    }
  }
  mkdirSync(dir, { recursive: true });
  const r = avey(args, join(ROOT, 'pretrain', `${m.id}.out.json`), join(ROOT, 'pretrain', `${m.id}.log`));
  if (!DRY) writeJson(done, { wall_s: r.wall, command: r.cmd, finished: new Date().toISOString(), git: git('log -1 --oneline') });
}

// ---------------------------------------------------------------- 3. fine-tuning
function finetune(m, t, seed) {
  const dir = join(ROOT, 'finetune', m.id, t.id, `seed-${seed}`);
  const metrics = join(dir, 'metrics.json');
  if (existsSync(join(dir, 'driver.json')) && existsSync(metrics)) return;
  rmSync(dir, { recursive: true, force: true });
  const o = t.o;
  const args = ['finetune', t.task, '--checkpoint', ptDir(m), '--seed', seed, '--lr', S.ft.lr, '--batch', o.batch ?? S.ft.batch,
    '--max-len', o.maxLen, '--limit', o.limit, '--eval-limit', o.evalLimit];
  if (t.task !== 'niah') args.push('--data', DATA);
  if (o.epochs) args.push('--epochs', o.epochs);
  args.push('--out', dir, '--json', '--backend', 'cpu');
  const r = avey(args.map(String), join(dir, 'stdout.json'), join(dir, 'log.txt'));
  if (!DRY) {
    rmSync(join(dir, 'model'), { recursive: true, force: true }); // fine-tuned weights are not needed afterwards
    writeJson(join(dir, 'driver.json'), { wall_s: r.wall, command: r.cmd, finished: new Date().toISOString(), git: git('log -1 --oneline') });
  }
}

// ---------------------------------------------------------------- 4. zero-shot retrieval
function retrieval(m) {
  const file = join(ROOT, 'eval', m.id, 'squad-retrieval.json');
  if (existsSync(file) && existsSync(`${file}.driver.json`)) return;
  const r = avey(['eval', 'squad-retrieval', '--checkpoint', ptDir(m), '--data', DATA, '--eval-limit', S.retrieval.evalLimit,
    '--max-len', S.retrieval.maxLen, '--corpus', 'judged', '--out', file, '--json', '--backend', 'cpu'].map(String), join(ROOT, 'eval', m.id, 'stdout.json'), join(ROOT, 'eval', m.id, 'log.txt'));
  if (!DRY) writeJson(`${file}.driver.json`, { wall_s: r.wall, command: r.cmd, finished: new Date().toISOString(), git: git('log -1 --oneline') });
}

// ---------------------------------------------------------------- 5. collecting the results
function pretrainSummary(m) {
  const dir = ptDir(m);
  if (!existsSync(join(dir, 'driver.json'))) return null;
  const log = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const curve = log.filter((r) => typeof r.eval_loss === 'number').map((r) => ({ step: r.step, loss: r.eval_loss }));
  const last = log.filter((r) => typeof r.loss === 'number').slice(-10);
  const ckpt = join(dir, 'checkpoints', readdirSync(join(dir, 'checkpoints')).filter((d) => d.startsWith('step-')).sort().at(-1));
  const cfg = readJson(join(ckpt, 'config.json'));
  const p = S.pretrain;
  const stderr = readFileSync(join(ROOT, 'pretrain', `${m.id}.log`), 'utf8');
  const params = /([\d.,]+k?) parameters/.exec(stderr)?.[1] ?? null;
  return {
    model: m.model, config_overrides: m.config, config: cfg, parameters_reported: params, parameters: safetensorsParameters(join(ckpt, 'model.safetensors')),
    steps: p.steps, batch: p.batch, seq_len: p.seqLen, tokens_seen: p.steps * p.batch * p.seqLen,
    eval_curve: curve, final_eval_loss: curve.at(-1)?.loss ?? null,
    final_train_loss_avg10: last.reduce((s, r) => s + r.loss, 0) / Math.max(1, last.length),
    wall_s: readJson(join(dir, 'driver.json')).wall_s,
  };
}

/** Exact parameter count: the sum of the tensor sizes in a safetensors header (the MLM head is tied). */
function safetensorsParameters(file) {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  let total = 0;
  for (const [k, v] of Object.entries(header)) if (k !== '__metadata__') total += v.shape.reduce((a, b) => a * b, 1);
  return total;
}

function finetuneRuns() {
  const runs = [];
  for (const m of MODELS) {
    for (const t of TASKS) {
      for (let seed = 0; seed < SEEDS; seed++) {
        const dir = join(ROOT, 'finetune', m.id, t.id, `seed-${seed}`);
        if (!existsSync(join(dir, 'driver.json'))) continue;
        const r = readJson(join(dir, 'metrics.json'));
        // every metric to percent: SQuAD EM/F1 already are, the others are fractions
        const scaled = Object.fromEntries(Object.entries(r.test).map(([k, v]) => [k, t.task === 'squad' && (k === 'exact_match' || k === 'f1') ? v : 100 * v]));
        runs.push({
          model: m.id, task: t.id, seed, metrics: scaled,
          dev: r.dev, train_examples: r.train_examples, test_examples: r.test_examples, steps: r.steps,
          train_seconds: r.train_seconds, wall_s: readJson(join(dir, 'driver.json')).wall_s,
        });
      }
    }
  }
  return runs;
}

function retrievalResults() {
  const out = {};
  for (const m of MODELS) {
    const file = join(ROOT, 'eval', m.id, 'squad-retrieval.json');
    if (!existsSync(`${file}.driver.json`)) continue;
    const r = readJson(file);
    // files from before the BEIR evaluator hold { metrics: { ndcg_at_10, … } }; now the keys are top level
    const metrics = r.metrics ?? { ndcg_at_10: r['ndcg@10'], mrr_at_10: r['mrr@10'], recall_at_10: r['recall@10'], queries: r.queries, passages: r.documents };
    out[m.id] = { ...metrics, wall_s: readJson(`${file}.driver.json`).wall_s };
  }
  return out;
}

function report() {
  const pre = Object.fromEntries(MODELS.map((m) => [m.id, pretrainSummary(m)]).filter(([, v]) => v));
  const runs = finetuneRuns();
  const agg = aggregateRuns(runs);
  const ret = retrievalResults();
  const wall = runs.reduce((s, r) => s + r.wall_s, 0) + Object.values(pre).reduce((s, p) => s + p.wall_s, 0) + Object.values(ret).reduce((s, r) => s + r.wall_s, 0);
  const missing = [];
  for (const m of MODELS) {
    if (!pre[m.id]) missing.push(`pretrain ${m.id}`);
    if (!ret[m.id]) missing.push(`squad-retrieval ${m.id}`);
    for (const t of m.ablation ? TASKS.filter((x) => x.id === ABLATION_TASK) : TASKS) {
      for (let seed = 0; seed < SEEDS; seed++) if (!runs.some((r) => r.model === m.id && r.task === t.id && r.seed === seed)) missing.push(`finetune ${m.id} ${t.id} seed ${seed}`);
    }
  }
  const results = {
    scale: SCALE, seeds: SEEDS, settings: S, generated: new Date().toISOString(), git_head: git('log -1 --oneline'),
    machine: { cpus: Number(execSync('nproc', { encoding: 'utf8' }).trim()), node: process.version },
    models: MODELS.map(({ id, label, model, config, ablation }) => ({ id, label, model, config, ablation: !!ablation })),
    tasks: TASKS.map(({ id, task, label, metric, metricLabel, scale, o, claim }) => ({ id, task, label, metric, metricLabel, scale, options: o, claim })),
    ablation_task: ABLATION_TASK, block_prefix: S.blockPrefix, pretrain: pre, finetune: agg, retrieval: ret, runs, total_run_wall_s: wall, missing,
  };
  const md = renderBlocks(results);
  writeJson(join(ROOT, 'results.json'), results);
  writeFileSync(join(ROOT, 'tables.md'), `${md.all}\n`);
  if (SCALE !== 'quick' && !DRY) {
    const docsDir = join(repo, 'docs', 'reproduction');
    const suffix = SCALE === 'full' ? '' : `-${SCALE}`;
    results.corpus = S.shuffledCorpus ? { file: 'runs/repro/shuffled/corpus/train-shuffled.jsonl', order: 'seeded shuffle (seed 11) of the built-in training documents' } : { file: null, order: 'built-in order' };
    writeJson(join(docsDir, `results${suffix}.json`), results);
    const series = Object.fromEntries(MODELS.filter((m) => pre[m.id]).map((m) => [m.label, pre[m.id].eval_curve]));
    writeFileSync(join(docsDir, `heldout-loss${suffix}.svg`), lossCurvesSvg(series, { title: `held-out MLM loss (${S.pretrain.steps} steps of ${S.pretrain.batch}×${S.pretrain.seqLen} tokens)` }));
    const docFile = join(repo, 'docs', 'reproduction.md');
    if (existsSync(docFile)) {
      let doc = readFileSync(docFile, 'utf8');
      for (const [name, content] of Object.entries(md.blocks)) {
        if (extractBlock(doc, name) === null) process.stderr.write(`reproduce: docs/reproduction.md has no ${name} markers; that table is only in ${join(ROOT, 'tables.md')}\n`);
        else doc = spliceBlock(doc, name, content);
      }
      writeFileSync(docFile, doc);
    }
  }
  process.stderr.write(`${md.all}\n\nruns: ${runs.length} fine-tuning, ${Object.keys(pre).length} pretraining, ${Object.keys(ret).length} retrieval; sum of run wall times ${formatSeconds(wall)}; missing: ${missing.length ? missing.join(', ') : 'none'}\n`);
  return results;
}

// ---------------------------------------------------------------- main
function main() {
  process.stderr.write(`reproduce: scale ${SCALE}, ${SEEDS} seeds, git ${git('log -1 --oneline')}, writing to ${ROOT}\n`);
  mkdirSync(ROOT, { recursive: true });
  const phase = (p) => ONLY === 'all' || ONLY === p;
  if (phase('pretrain') || phase('finetune') || phase('eval')) tokenizer();
  if (phase('pretrain')) corpus();
  if (phase('pretrain')) for (const m of MODELS) pretrain(m);
  if (phase('eval')) for (const m of MODELS) retrieval(m);
  if (phase('finetune')) {
    for (let seed = 0; seed < SEEDS; seed++) {
      for (const t of TASKS) for (const m of MAIN) finetune(m, t, seed);
      for (const m of ABLATIONS) finetune(m, TASKS.find((t) => t.id === ABLATION_TASK), seed);
    }
  }
  if (!DRY) report();
  process.stderr.write(`reproduce: ${ranCount} runs executed in this invocation, ${formatSeconds((Date.now() - t0) / 1000)} wall\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
