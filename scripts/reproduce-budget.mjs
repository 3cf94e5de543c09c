#!/usr/bin/env node
// Does budgeted pretraining pay off? (docs/reproduction.md, "Pretraining that pays off"), through the
// `avey` CLI alone. Run by `node scripts/reproduce.mjs --scale budget [--budget 20m] [--seeds 3]`.
//
// Per seed s: Avey-B `tiny` pretrained with the main job's recipe for --budget (`avey pretrain
// --budget B --seed s`), the Transformer baseline through the same recipe and budget, and a random
// init of the same Avey-B (a 1-step run at LR 1e-12 with the pretrained run's tokenizer); each is
// fine-tuned with the same recipe on SST-2 (full training set, 3 epochs) and UD-EWT POS. Reports
// mean ± std over seeds of held-out MLM loss − unigram and the test accuracies, writes
// docs/reproduction/budget-results.json and splices the table into docs/reproduction.md.
//   --quick: a smoke test of the pipeline (60 s budgets, 256 fine-tuning examples; numbers meaningless)
//   --dry-run: print the commands; --only pretrain|finetune|report; --data DIR (the datasets)
//   --seed-list 2 (or 1,2): run only these seeds (the report still covers seeds 0 … --seeds − 1), so
//     two drivers can share a machine, e.g. one single-threaded driver per seed
//   --models avey-b,avey-b-random: run only these (default: all three); each model's runs finish
//     (pretraining, then fine-tuning) before the next model starts, so a partial study is usable
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aggregate, formatMeanStd, formatSeconds, markdownTable, spliceBlock } from './reproduce-lib.mjs';
import { runAvey } from './reproduce-run.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 || argv[i + 1] === undefined || argv[i + 1].startsWith('--') ? dflt : argv[i + 1];
};
const QUICK = argv.includes('--quick');
const DRY = argv.includes('--dry-run');
const BUDGET = opt('budget', QUICK ? '60s' : '20m');
const SEEDS = Number(opt('seeds', QUICK ? 1 : 3));
const ONLY = opt('only', 'all');
const DATA = opt('data', process.env.AVEY_DATASETS ?? join(repo, '..', 'shared', 'datasets'));
const NAME = QUICK ? 'budget-quick' : `budget-${BUDGET}`;
const ROOT = join(repo, 'runs', 'repro', NAME);
const FT = {
  sst2: { label: 'SST-2 accuracy %', args: ['--epochs', '3', '--max-len', '64', '--lr', '5e-4', '--batch', '32', ...(QUICK ? ['--limit', '256', '--eval-limit', '128'] : [])] },
  pos: { label: 'UD-EWT POS word acc. %', args: ['--epochs', '3', '--max-len', '128', '--lr', '5e-4', '--batch', '32', ...(QUICK ? ['--limit', '128', '--eval-limit', '64'] : [])] },
};
const MODELS = [
  { id: 'avey-b', label: 'Avey-B tiny, pretrained', args: [] },
  { id: 'avey-b-random', label: 'Avey-B tiny, random init', random: true },
  { id: 'transformer', label: 'Transformer (2 layers), pretrained', args: ['--model', 'transformer', '--config', join(ROOT, 'transformer.json')] },
];
const PICK = opt('models', MODELS.map((m) => m.id).join(',')).split(',');
for (const id of PICK) if (!MODELS.some((m) => m.id === id)) throw new Error(`--models: unknown model '${id}' (known: ${MODELS.map((m) => m.id).join(', ')})`);
const t0 = Date.now();
const git = () => { try { return execSync('git log -1 --oneline', { cwd: repo, encoding: 'utf8' }).trim(); } catch { return null; } };
const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));
const writeJson = (f, x) => { mkdirSync(dirname(f), { recursive: true }); writeFileSync(f, `${JSON.stringify(x, null, 2)}\n`); };

/** `avey <args>` (stdout → out, stderr → log); skipped when `done` exists; returns its JSON stdout. */
function avey(args, dir) {
  const done = join(dir, 'driver.json');
  if (existsSync(done)) return readJson(join(dir, 'stdout.json'));
  const { wall } = runAvey({ repo, args: [...args, '--json', '--backend', 'cpu'], stdoutFile: join(dir, 'stdout.json'), logFile: join(dir, 'log.txt'), t0, dry: DRY });
  if (DRY) return null;
  writeJson(done, { wall_s: wall, command: `avey ${args.join(' ')}`, finished: new Date().toISOString(), git: git() });
  return readJson(join(dir, 'stdout.json'));
}

const ptDir = (m, s) => join(ROOT, 'pretrain', m.id, `seed-${s}`);
function pretrain(m, s) {
  const dir = ptDir(m, s);
  if (m.random) {
    // the same model and tokenizer as the pretrained Avey-B of this seed, one step at LR 1e-12
    const base = join(ptDir(MODELS[0], s), 'stdout.json');
    const tok = DRY && !existsSync(base) ? '<its tokenizer.json>' : join(readJson(base).checkpoint, 'tokenizer.json');
    return avey(['pretrain', '--tokenizer', tok, '--steps', '1', '--lr', '1e-12', '--seed', String(s), '--out', join(dir, 'run')], dir);
  }
  return avey(['pretrain', ...m.args, '--budget', BUDGET, '--seed', String(s), '--out', join(dir, 'run')], dir);
}

function finetune(m, task, s) {
  const ck = join(ptDir(m, s), 'run');
  return avey(['finetune', task, '--checkpoint', ck, '--data', DATA, '--seed', String(s), ...FT[task].args, '--out', join(ROOT, 'finetune', m.id, task, `seed-${s}`, 'run')], join(ROOT, 'finetune', m.id, task, `seed-${s}`));
}

writeJson(join(ROOT, 'transformer.json'), { num_hidden_layers: 2, max_position_embeddings: 1024 });
const seeds = opt('seed-list', null)?.split(',').map(Number) ?? Array.from({ length: SEEDS }, (_, i) => i);
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seed-list: expected whole numbers like 1,2; got '${opt('seed-list', '')}'`);
for (const s of seeds) {
  for (const m of MODELS.filter((x) => PICK.includes(x.id))) {
    if (ONLY === 'all' || ONLY === 'pretrain') pretrain(m, s);
    if (ONLY === 'all' || ONLY === 'finetune') for (const task of Object.keys(FT)) finetune(m, task, s);
  }
}
if (DRY) process.exit(0);

// ---------------------------------------------------------------- report
const rows = [];
const results = { budget: BUDGET, seeds: SEEDS, quick: QUICK, git: git(), models: {} };
for (const m of MODELS) {
  const pts = seeds.map((s) => (existsSync(join(ptDir(m, s), 'driver.json')) ? readJson(join(ptDir(m, s), 'stdout.json')) : null));
  const gap = aggregate(pts.map((p) => (p ? p.final_eval_loss - p.unigram_eval_loss : NaN)));
  const steps = aggregate(pts.map((p) => p?.steps ?? NaN));
  const ft = Object.fromEntries(Object.keys(FT).map((task) => [task, aggregate(seeds.map((s) => {
    const f = join(ROOT, 'finetune', m.id, task, `seed-${s}`, 'stdout.json');
    return existsSync(join(dirname(f), 'driver.json')) ? 100 * readJson(f).test.accuracy : NaN;
  }))]));
  results.models[m.id] = { label: m.label, eval_minus_unigram: gap, steps, ...ft };
  rows.push([m.label, formatMeanStd(steps, 0), formatMeanStd(gap, 3), ...Object.keys(FT).map((t) => formatMeanStd(ft[t], 1))]);
}
const table = markdownTable(['model', 'pretraining steps', 'held-out − unigram (nats)', ...Object.values(FT).map((t) => t.label)], rows);
process.stdout.write(`${table}\n`);
writeJson(join(ROOT, 'results.json'), results);
if (!QUICK && BUDGET === '20m') {
  writeJson(join(repo, 'docs', 'reproduction', 'budget-results.json'), results);
  const doc = join(repo, 'docs', 'reproduction.md');
  writeFileSync(doc, spliceBlock(readFileSync(doc, 'utf8'), 'repro-budget', `${table}\n\n(${SEEDS} seeds, mean ± std; generated by \`node scripts/reproduce.mjs --scale budget\`)`));
}
