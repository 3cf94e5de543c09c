// The long-context NIAH study (the paper's Table 14, small scale), run by
//   node scripts/reproduce.mjs --scale niah [--seeds 1] [--only report]
// Each model is fine-tuned with `avey finetune niah` at TRAIN_LEN tokens and tested at every EVAL_LENS
// length in the same process. Runs go to runs/repro/niah/ and are skipped when done; the table is
// written to docs/reproduction/results-niah.json and spliced into docs/reproduction.md (repro-niah-lengths).
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatSeconds, spliceBlock, extractBlock } from './reproduce-lib.mjs';
import { runAvey } from './reproduce-run.mjs';

export const NIAH_STUDY = {
  trainLen: 1024,
  evalLens: [1024, 4096, 16384, 65536],
  limit: 512,
  evalLimit: 10,
  batch: 8,
  lr: 5e-3,
  needle: 'word',
  vocab: 8192,
};

/** Models: how each starting checkpoint is made (`avey pretrain` arguments after the common ones). */
const MODELS = [
  // 64k tokens on the first test example only, by `avey eval niah` on the saved model: on the loaded
  // 2-core machine one 64k-token forward pass took 2.5 minutes
  { id: 'avey-b-init', label: 'Avey-B tiny, random init (8,192-token BPE)', model: 'avey-b', config: null, steps: 1, lr: 1e-12, evalLens: [1024, 4096, 16384], longEval: { lens: [65536], evalLimit: 1 } },
  { id: 'transformer-learned', label: 'Transformer (2 layers), learned positions, random init', model: 'transformer', config: { num_hidden_layers: 2, max_position_embeddings: 1024 }, steps: 1, lr: 1e-12 },
  { id: 'transformer-sinusoidal', label: 'Transformer (2 layers), sinusoidal positions, random init', model: 'transformer', config: { num_hidden_layers: 2, max_position_embeddings: 65536, position_embedding_type: 'sinusoidal' }, steps: 1, lr: 1e-12 },
  // tested at 1k and 4k only: on the 2-core machine a 64k pass takes about 25 minutes
  { id: 'avey-b-pretrained', label: 'Avey-B tiny, pretrained 200 steps', model: 'avey-b', config: null, steps: 200, lr: 2e-3, evalLens: [1024, 4096] },
  // the budget study's checkpoints (node scripts/reproduce.mjs --scale budget), seed for seed: the
  // main job's recipe pretrained for 20 minutes, and the random init with the same 2,048-token BPE
  { id: 'avey-b-budget', label: 'Avey-B tiny, pretrained 20 min (budget recipe, 2,048-token BPE)', from: 'avey-b', evalLens: [1024, 4096, 16384], longEval: { lens: [65536], evalLimit: 3 }, keepModel: true },
  { id: 'avey-b-budget-random', label: 'Avey-B tiny, random init (2,048-token BPE of the budget recipe)', from: 'avey-b-random', evalLens: [1024, 4096, 16384], longEval: { lens: [65536], evalLimit: 3 }, keepModel: true },
  // the budget study's Transformer (2 layers, 1,024 learned positions: 4k is "not supported"); ftLr
  // replaces the study's fine-tuning learning rate for this model only
  { id: 'transformer-budget', label: 'Transformer (2 layers), pretrained 20 min (budget recipe)', from: 'transformer', evalLens: [1024, 4096], ftLr: 1e-3 },
];

export function runNiahStudy({ repo, seeds, only, dry, models }) {
  const ROOT = join(repo, 'runs', 'repro', 'niah');
  const t0 = Date.now();
  const git = () => { try { return execSync('git log -1 --oneline', { cwd: repo, encoding: 'utf8' }).trim(); } catch { return null; } };
  const writeJson = (f, x) => { mkdirSync(dirname(f), { recursive: true }); writeFileSync(f, `${JSON.stringify(x, null, 2)}\n`); };
  const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));
  const run = (args, stdoutFile, logFile) => runAvey({ repo, args, stdoutFile, logFile, t0, dry });
  const S = NIAH_STUDY;
  const tokenizer = join(ROOT, 'tokenizer.json');
  const ptDir = (m) => join(ROOT, 'pretrain', m.id);
  /** The checkpoint fine-tuned for `seed`: the study's own pretraining, or the budget study's run of that seed. */
  const startOf = (m, seed) => {
    if (!m.from) return ptDir(m);
    // the budget study's run of the same seed, else its seed 0 (then only the fine-tuning seed varies)
    const ofSeed = (s) => join(repo, 'runs', 'repro', 'budget-20m', 'pretrain', m.from, `seed-${s}`, 'run');
    const exists = (d) => existsSync(join(d, 'config.json')) || existsSync(join(d, 'checkpoints'));
    const dir = exists(ofSeed(seed)) ? ofSeed(seed) : ofSeed(0);
    if (!dry && !exists(dir)) throw new Error(`${m.id} fine-tunes the budget study's checkpoint ${dir}, which does not exist: run \`node scripts/reproduce.mjs --scale budget --models ${m.from}\` first`);
    return dir;
  };
  const ftDir = (m, seed) => join(ROOT, 'finetune', m.id, `seed-${seed}`);
  // the CLI's run folder inside it (the driver's stdout.json / log.txt sit beside it: the CLI refuses
  // a non-empty --out); runs of earlier layouts wrote it into ftDir itself
  const runDir = (m, seed) => (existsSync(join(ftDir(m, seed), 'metrics.json')) ? ftDir(m, seed) : join(ftDir(m, seed), 'run'));
  const phase = (p) => only === 'all' || only === p;

  // A run whose CLI finished (complete metrics.json and --json stdout) but whose driver was stopped
  // before recording it is adopted: driver.json says so, with the wall time the CLI measured.
  const adopt = (m, seed) => {
    const dir = ftDir(m, seed);
    try {
      const out = readJson(join(dir, 'stdout.json'));
      const r = readJson(join(runDir(m, seed), 'metrics.json'));
      if (!Array.isArray(r.results) || out.results?.length !== r.results.length) return false;
      const wall = r.train_seconds + r.results.reduce((x, y) => x + (y.wall_s ?? 0), 0);
      if (!m.keepModel) rmSync(join(runDir(m, seed), 'model'), { recursive: true, force: true });
      writeJson(join(dir, 'driver.json'), { wall_s: wall, adopted: true, command: `avey finetune niah --checkpoint ${startOf(m, seed)} (settings in metrics.json)`, finished: new Date().toISOString(), git: git() });
      process.stderr.write(`adopted the finished run ${dir}\n`);
      return true;
    } catch {
      return false;
    }
  };
  const pretrain = (m) => {
      if (m.from) return;
      const dir = ptDir(m);
      if (existsSync(join(dir, 'driver.json'))) return;
      rmSync(dir, { recursive: true, force: true });
      const args = ['pretrain', '--model', m.model, '--preset', 'tiny', '--tokenizer', tokenizer, '--batch', '4', '--max-len', '256',
        '--steps', String(m.steps), '--lr', String(m.lr), '--seed', '11', '--eval-interval', '0', '--keep', '1', '--out', dir, '--json', '--backend', 'cpu'];
      if (m.config) {
        const cfg = join(ROOT, 'configs', `${m.id}.json`);
        writeJson(cfg, m.config);
        args.splice(5, 0, '--config', cfg);
      }
      const r = run(args, join(ROOT, 'pretrain', `${m.id}.out.json`), join(ROOT, 'pretrain', `${m.id}.log`));
      if (!dry) writeJson(join(dir, 'driver.json'), { wall_s: r.wall, command: r.cmd, finished: new Date().toISOString(), git: git() });
  };
  const picked = models ? MODELS.filter((m) => models.split(',').includes(m.id)) : MODELS;
  if ((phase('pretrain') || phase('finetune')) && picked.some((m) => !m.from)) {
    if (!existsSync(tokenizer)) run(['tokenizer', 'train', '--vocab-size', String(S.vocab), '--out', ROOT, '--json', '--backend', 'cpu'], join(ROOT, 'tokenizer.out.json'), join(ROOT, 'tokenizer.log'));
  }
  // model by model (its starting checkpoint, then its seeds), in MODELS order; --models id,id runs those only
  for (const m of picked) {
    if (phase('pretrain') || phase('finetune')) pretrain(m);
    if (!phase('finetune')) continue;
    for (let seed = 0; seed < seeds; seed++) {
      const finetune = () => {
        const dir = ftDir(m, seed);
        if (existsSync(join(dir, 'driver.json')) || adopt(m, seed)) return;
        rmSync(dir, { recursive: true, force: true });
        const args = ['finetune', 'niah', '--checkpoint', startOf(m, seed), '--train-len', S.trainLen, '--eval-lens', (m.evalLens ?? S.evalLens).join(','), '--needle', S.needle,
          '--limit', S.limit, '--eval-limit', S.evalLimit, '--batch', S.batch, '--lr', m.ftLr ?? S.lr, '--seed', seed, '--out', join(dir, 'run'), '--json', '--backend', 'cpu'].map(String);
        const r = run(args, join(dir, 'stdout.json'), join(dir, 'log.txt'));
        if (!dry) writeJson(join(dir, 'driver.json'), { wall_s: r.wall, command: r.cmd, finished: new Date().toISOString(), git: git() });
      };
      finetune();
      const dir = ftDir(m, seed);
      if (m.longEval && !existsSync(join(dir, 'eval-long.driver.json'))) {
        const args = ['eval', 'niah', '--checkpoint', join(runDir(m, seed), 'model'), '--train-len', S.trainLen, '--eval-lens', m.longEval.lens.join(','), '--needle', S.needle,
          '--eval-limit', m.longEval.evalLimit, '--batch', S.batch, '--out', join(dir, 'eval-long'), '--json', '--backend', 'cpu'].map(String);
        const r = run(args, join(dir, 'eval-long.stdout.json'), join(dir, 'eval-long.log.txt'));
        if (!dry) writeJson(join(dir, 'eval-long.driver.json'), { wall_s: r.wall, command: r.cmd, finished: new Date().toISOString(), git: git() });
      }
      // the fine-tuned model is kept (for scripts/niah-trace.mjs) only where the model says so
      if (!dry && !m.keepModel && (!m.longEval || existsSync(join(dir, 'eval-long.driver.json')))) rmSync(join(runDir(m, seed), 'model'), { recursive: true, force: true });
    }
  }
  if (dry) return;
  // ---- report
  const rows = [];
  for (const m of MODELS) {
    for (let seed = 0; seed < seeds; seed++) {
      const dir = ftDir(m, seed);
      if (!existsSync(join(dir, 'driver.json'))) continue;
      const r = readJson(join(runDir(m, seed), 'metrics.json'));
      if (existsSync(join(dir, 'eval-long.driver.json'))) r.results.push(...readJson(existsSync(join(dir, 'eval-long.json')) ? join(dir, 'eval-long.json') : join(dir, 'eval-long', 'metrics.json')).results);
      rows.push({ model: m.id, label: m.label, seed, steps: r.steps, train_seconds: r.train_seconds, final_loss: r.final_loss, train_words: r.train_words, results: r.results, wall_s: readJson(join(dir, 'driver.json')).wall_s, git: readJson(join(dir, 'driver.json')).git });
    }
  }
  // runs recorded earlier (docs/reproduction/results-niah.json) for models not run on this machine are kept
  const docJson = join(repo, 'docs', 'reproduction', 'results-niah.json');
  if (existsSync(docJson)) {
    const have = new Set(rows.map((r) => r.model));
    for (const r of readJson(docJson).runs ?? []) if (!have.has(r.model)) rows.push({ ...r, label: MODELS.find((m) => m.id === r.model)?.label ?? r.label, kept_from: 'an earlier run (docs/reproduction/results-niah.json)' });
    const order = new Map(MODELS.map((m, i) => [m.id, i]));
    rows.sort((x, y) => (order.get(x.model) ?? 99) - (order.get(y.model) ?? 99) || x.seed - y.seed);
  }
  const results = { scale: 'niah', seeds, settings: S, models: MODELS, runs: rows, generated: new Date().toISOString(), git_head: git(), machine: { cpus: Number(execSync('nproc', { encoding: 'utf8' }).trim()), node: process.version } };
  const table = renderNiahTable(results);
  writeJson(join(ROOT, 'results.json'), results);
  writeJson(join(repo, 'docs', 'reproduction', 'results-niah.json'), results);
  const docFile = join(repo, 'docs', 'reproduction.md');
  let doc = readFileSync(docFile, 'utf8');
  if (extractBlock(doc, 'repro-niah-lengths') === null) process.stderr.write('reproduce: docs/reproduction.md has no repro-niah-lengths markers\n');
  else writeFileSync(docFile, spliceBlock(doc, 'repro-niah-lengths', table));
  process.stderr.write(`${table}\n`);
}

/** The markdown table of docs/reproduction.md's repro-niah-lengths block, from results-niah.json:
 *  one row per model and length, averaged over the seeds that ran (mean ± std where there are several). */
export function renderNiahTable(results) {
  const pct = (x) => (x === undefined || x === null || Number.isNaN(x) ? '–' : (100 * x).toFixed(1));
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)));
  const stat = (xs) => {
    const v = xs.filter((x) => x !== undefined && x !== null && !Number.isNaN(x));
    if (!v.length) return '–';
    return v.length === 1 ? pct(v[0]) : `${pct(mean(v))} ± ${pct(std(v))}`;
  };
  const lines = [
    '| model | length (tokens) | ≈ words | seeds × test examples | set-F1 % | exact acc. % | exact acc. 0 / 1 distractor % | hit target / distractor / both / none % | wall per seed | peak RSS MB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const groups = new Map();
  for (const r of results.runs) {
    for (const x of r.results) {
      const key = `${r.label}\u0000${x.length_tokens}`;
      if (!groups.has(key)) groups.set(key, { label: r.label, L: x.length_tokens, xs: [] });
      groups.get(key).xs.push(x);
    }
  }
  for (const { label, L, xs } of groups.values()) {
    const bad = xs.find((x) => x.status !== 'ok');
    if (bad) {
      lines.push(`| ${label} | ${L} | – | – | ${bad.status} | – | – | ${bad.reason.replace(/^(not supported|skipped): /, '')} | – | – |`);
      continue;
    }
    const outcome = (k) => pct(mean(xs.map((x) => x.outcomes[k])));
    lines.push(`| ${label} | ${L} | ${xs[0].words.toLocaleString('en-US')} | ${xs.length} × ${xs[0].examples} | ${stat(xs.map((x) => x.set_f1))} | ${stat(xs.map((x) => x.accuracy))} | ${pct(mean(xs.map((x) => x.accuracy_no_distractor).filter((v) => v !== null && !Number.isNaN(v))))} / ${pct(mean(xs.map((x) => x.accuracy_with_distractor).filter((v) => v !== null && !Number.isNaN(v))))} | ${['target', 'distractor', 'both', 'none'].map(outcome).join(' / ')} | ${formatSeconds(mean(xs.map((x) => x.wall_s)))} | ${Math.max(...xs.map((x) => x.peak_rss_mb)).toLocaleString('en-US')} |`);
  }
  return lines.join('\n');
}
