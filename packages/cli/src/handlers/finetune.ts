// `avey finetune <task>`: a FinetuneSession run by the one training loop (train/job.ts →
// train/loop.ts), so a fine-tuning run has what a pretraining run has: log.jsonl, loss.svg,
// resumable checkpoints, a stop on a non-finite loss, Ctrl-C = save and exit 130. Afterwards the
// model is scored on dev and test and written to <out>/model/ with <out>/metrics.json.
//
// The paper protocol (--protocol paper) runs one such run per (learning rate, seed) in
// <out>/sweep/lr-<lr>-seed-<s>/; `--resume <out>` continues the sweep (finished runs are kept).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AnyConfig, AnyHeadModel } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';
import type { TaskName } from '../finetune/task-list.js';
import { FileError, UsageError } from '../errors.js';
import { commandOf, explicitOptions, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { writeFileAtomic } from '../lib/files.js';
import { checkTokenizerFits, loadModel, loadTokenizer } from '../lib/models.js';
import { resolveCheckpoint, TRAINER_STATE } from '../train/checkpoint.js';
import { checkFreshOutDir, readTrainerState } from '../train/job.js';
import { fineTuneInLoop } from '../finetune/run.js';
import { loadClassify, type OwnDataFiles } from '../finetune/own-task.js';
import { loadTag, type OwnTagFiles, type TagScheme } from '../finetune/own-tags.js';
import { runNiahFinetune, type NiahSettings } from '../finetune/niah.js';
import { findDatasetsRoot, loadTask, type TaskData } from '../finetune/tasks.js';
import { padIdOf, scoreSplit, taskModel, FINETUNE_BETAS, FINETUNE_EPS, FINETUNE_WARMUP, FINETUNE_WEIGHT_DECAY } from '../finetune/train.js';
import { median } from '../util/stats.js';
import { formatDuration, formatNumber, formatTable } from '../util/format.js';

/** The task-input flags `finetune` and `eval` share: own-data columns and the NIAH protocol. */
export interface TaskInputArgs {
  textColumn: string;
  textPairColumn?: string;
  labelColumn: string;
  tokenColumn: number;
  tagColumn?: number;
  scheme?: TagScheme;
  trainLen?: number;
  evalLens?: Array<number | string>;
  needle: 'word' | 'number';
  haystack: 'words' | 'text';
}

interface FinetuneArgs extends TaskInputArgs {
  task: TaskName;
  checkpoint?: string;
  data?: string;
  maxLen: number;
  evalLimit?: number;
  batch: number;
  out?: string;
  epochs?: number;
  lr: number;
  limit?: number;
  protocol: 'single' | 'paper';
  lrs: number[];
  nSeeds: number;
  resume?: string;
  saveInterval: number;
  keep: number;
  train?: string;
  validation?: string;
  test?: string;
}

/** NIAH settings from the flags (lengths in tokens; --eval-lens accepts 1024 4096 or 1024,4096). */
export function niahSettings(
  a: { trainLen?: number; maxLen: number; evalLens?: Array<number | string>; needle?: 'word' | 'number'; haystack?: 'words' | 'text'; limit?: number; evalLimit?: number; batch: number; seed: number },
  command: string,
): NiahSettings {
  const trainLen = a.trainLen ?? a.maxLen;
  const raw = (a.evalLens ?? [trainLen]).flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter(Boolean);
  const evalLens = raw.map(Number);
  const bad = raw.find((x, i) => !(Number.isInteger(evalLens[i]) && evalLens[i] >= 128));
  if (bad !== undefined) throw new UsageError(`--eval-lens: '${bad}' is not a length in tokens (an integer ≥ 128)`, command);
  return {
    trainLen, evalLens, needle: a.needle ?? 'word', haystack: a.haystack ?? 'words',
    limit: a.limit ?? 200, evalLimit: a.evalLimit ?? 50, batch: a.batch, seed: a.seed, memFraction: 0.5,
  };
}

/** `avey finetune niah`: fine-tune at one length, test at many (finetune/niah.ts), in the loop. */
async function runNiah(a: RawArgs & FinetuneArgs, o: { checkpoint: string; out: string; s: NiahSettings; lr: number; epochs: number; resume?: string; backend: string }): Promise<void> {
  const tok = await loadTokenizer(o.checkpoint);
  const { model: pretrained, config } = await loadModel(o.checkpoint, { head: 'mlm' });
  checkTokenizerFits(tok, config, o.checkpoint);
  await runNiahFinetune(
    { tok, pretrained, config, checkpoint: o.checkpoint, backend: o.backend, out: o.out, lr: o.lr, epochs: o.epochs, json: a.json, verbose: a.verbose, resume: o.resume, saveInterval: a.saveInterval, keep: a.keep },
    o.s,
  );
}

/** What run.json / sweep.json store: enough to rebuild the data and the session on --resume. */
export interface FinetuneRun {
  task: TaskName;
  /** The pretrained model the run started from. */
  checkpoint: string;
  data_root: string;
  max_len: number;
  limit: number | null;
  eval_limit: number | null;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  eval_batches: number;
  /** classify: your own files and columns. */
  own?: OwnDataFiles;
  /** tag: your own CoNLL files, columns and scheme. */
  own_tags?: OwnTagFiles;
}

interface SweepFile {
  format: 'avey-finetune-sweep';
  /** The shared settings; `seed` seeds the data (niah), each run's own seed is 0…seeds−1. */
  run: Omit<FinetuneRun, 'lr'>;
  lrs: number[];
  seeds: number;
  save_interval: number;
  keep: number;
}

type Metrics = Record<string, number>;

interface RunOutcome {
  lr: number;
  seed: number;
  dev: Metrics;
  test: Metrics;
  steps: number;
  final_loss: number;
  train_seconds: number;
}

const SWEEP_FILE = 'sweep.json';
const note = (s: string) => process.stderr.write(`${s}\n`);

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function metricsLine(m: Metrics): string {
  return Object.entries(m).map(([k, v]) => `${k} ${formatNumber(v)}`).join(', ');
}

interface Loaded {
  tok: Tokenizer;
  data: TaskData;
  /** The pretrained encoder (fresh runs only need it; loaded once for a sweep). */
  pretrained: () => Promise<{ model: AnyHeadModel; config: AnyConfig }>;
}

async function loadData(run: Omit<FinetuneRun, 'lr'>): Promise<Loaded> {
  const tok = await loadTokenizer(run.checkpoint);
  const t0 = performance.now();
  const lo = { root: run.data_root, maxLen: run.max_len, limit: run.limit ?? undefined, evalLimit: run.eval_limit ?? undefined, seed: run.seed };
  const data = run.task === 'classify' ? await loadClassify(tok, lo, run.own!) : run.task === 'tag' ? await loadTag(tok, lo, run.own_tags!) : await loadTask(run.task, tok, lo);
  if (data.train.examples.length === 0) throw new UsageError(`${run.task}: the training set is empty; check --limit and the data.`, 'finetune');
  note(`${run.task}: ${data.train.examples.length} train / ${data.dev.examples.length} dev / ${data.test.examples.length} test examples from ${data.source} (read in ${formatDuration(performance.now() - t0)})`);
  let cached: { model: AnyHeadModel; config: AnyConfig } | undefined;
  return {
    tok,
    data,
    pretrained: async () => {
      if (!cached) {
        const { model, config } = await loadModel(run.checkpoint, { head: 'mlm' });
        checkTokenizerFits(tok, config, run.checkpoint);
        cached = { model, config };
      }
      return cached;
    },
  };
}

/** One fine-tuning run in `runDir` (fresh, or resumed from `resume`), then dev/test scores. */
async function trainOne(
  run: FinetuneRun,
  l: Loaded,
  o: { runDir: string; resume?: string; saveInterval: number; keep: number; json: boolean; taskArg: string },
): Promise<RunOutcome & { model: AnyHeadModel }> {
  const r = await fineTuneInLoop({
    runDir: o.runDir,
    resume: o.resume,
    freshModel: async () => {
      const p = await l.pretrained();
      return taskModel(p.model, p.config, l.data.head, l.data.labels, run.seed);
    },
    tokenizer: l.tok,
    train: l.data.train.examples,
    dev: l.data.dev.examples,
    head: l.data.head,
    labels: l.data.labels.length,
    padId: padIdOf(l.tok),
    lr: run.lr,
    epochs: run.epochs,
    batch: run.batch,
    seed: run.seed,
    evalBatches: run.eval_batches,
    saveInterval: o.saveInterval,
    keep: o.keep,
    json: o.json,
    run: run as unknown as Record<string, unknown>,
    resumeCommand: (d) => `avey finetune ${o.taskArg} --resume ${d}`,
  });
  const pad = padIdOf(l.tok);
  const dev = await scoreSplit(r.model, l.data.dev, l.data.head, pad, run.batch);
  const test = await scoreSplit(r.model, l.data.test, l.data.head, pad, run.batch);
  note(`  lr ${run.lr} seed ${run.seed}: dev ${metricsLine(dev)} | test ${metricsLine(test)} (${formatDuration(r.ms)} training)`);
  return { lr: run.lr, seed: run.seed, dev, test, steps: r.steps, final_loss: r.lastLoss, train_seconds: Math.round(r.ms) / 1000, model: r.model };
}

function recipeOf(run: Omit<FinetuneRun, 'lr' | 'seed'>) {
  return {
    epochs: run.epochs,
    batch: run.batch,
    max_len: run.max_len,
    optimizer: { betas: FINETUNE_BETAS, eps: FINETUNE_EPS, weight_decay: FINETUNE_WEIGHT_DECAY },
    warmup_fraction: FINETUNE_WARMUP,
    schedule: 'warmup-linear',
    grad_clip: 1,
  };
}

function baseReport(run: Omit<FinetuneRun, 'lr' | 'seed'>, data: TaskData) {
  return {
    task: run.task,
    checkpoint: run.checkpoint,
    primary_metric: data.primary,
    train_examples: data.train.examples.length,
    dev_examples: data.dev.examples.length,
    test_examples: data.test.examples.length,
    recipe: recipeOf(run),
  };
}

async function runSingle(a: RawArgs & FinetuneArgs, run: FinetuneRun, out: string, resume: string | undefined): Promise<void> {
  const l = await loadData(run);
  const one = await trainOne(run, l, { runDir: out, resume, saveInterval: a.saveInterval, keep: a.keep, json: a.json, taskArg: a.task });
  const { saveCheckpoint } = await import('@avey/avey-b');
  const modelDir = join(out, 'model');
  await saveCheckpoint(modelDir, one.model);
  l.tok.save(join(modelDir, 'tokenizer.json'));
  const { model: _m, ...outcome } = one;
  const report = { ...baseReport(run, l.data), protocol: 'single', ...outcome, model: modelDir, log: join(out, 'log.jsonl') };
  await writeFileAtomic(join(out, 'metrics.json'), `${JSON.stringify(report, null, 2)}\n`, '--out');
  if (a.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${formatTable(['split', ...Object.keys(one.test)], [['dev', ...Object.values(one.dev)], ['test', ...Object.values(one.test)]])}\n` +
      `fine-tuned model: ${modelDir}\nmetrics: ${join(out, 'metrics.json')}\n`,
  );
}

async function runSweep(a: RawArgs & FinetuneArgs, sweep: SweepFile, out: string): Promise<void> {
  const l = await loadData(sweep.run);
  const runs: RunOutcome[] = [];
  for (const lr of sweep.lrs) {
    for (let seed = 0; seed < sweep.seeds; seed++) {
      const dir = join(out, 'sweep', `lr-${lr}-seed-${seed}`);
      const done = join(dir, 'result.json');
      if (existsSync(done)) {
        runs.push(JSON.parse(readFileSync(done, 'utf8')) as RunOutcome);
        continue;
      }
      const started = existsSync(join(dir, 'checkpoints'));
      const { model: _m, ...outcome } = await trainOne({ ...sweep.run, lr, seed }, l, {
        runDir: dir,
        resume: started ? dir : undefined,
        saveInterval: sweep.save_interval,
        keep: sweep.keep,
        json: a.json,
        taskArg: a.task,
      }).catch((e: unknown) => {
        // Ctrl-C inside one run of the sweep: continue the whole sweep, not just that run.
        if ((e as Error).name === 'InterruptedError') (e as Error).message = (e as Error).message.replace(/Continue with: .*$/, `Continue with: avey finetune ${a.task} --resume ${out}`);
        throw e;
      });
      await writeFileAtomic(done, `${JSON.stringify(outcome, null, 2)}\n`, '--out');
      runs.push(outcome);
    }
  }
  const primary = l.data.primary;
  const byLr = sweep.lrs.map((lr) => {
    const rs = runs.filter((r) => r.lr === lr);
    const med = (k: 'dev' | 'test') => Object.fromEntries(Object.keys(rs[0][k]).map((m) => [m, median(rs.map((r) => r[k][m]))]));
    return { lr, dev_median: med('dev'), test_median: med('test') };
  });
  const best = byLr.reduce((x, y) => ((y.dev_median[primary] ?? -Infinity) > (x.dev_median[primary] ?? -Infinity) ? y : x));
  const report = { ...baseReport(sweep.run, l.data), protocol: 'paper', lrs: sweep.lrs, seeds: sweep.seeds, by_lr: byLr, best_lr: best.lr, result: best.test_median, runs };
  await writeFileAtomic(join(out, 'metrics.json'), `${JSON.stringify(report, null, 2)}\n`, '--out');
  if (a.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const keys = Object.keys(best.test_median);
  process.stdout.write(
    `${formatTable(
      ['lr', `dev ${primary} (median)`, ...keys.map((k) => `test ${k} (median)`)],
      byLr.map((r) => [`${r.lr}${r.lr === best.lr ? ' *' : ''}`, r.dev_median[primary], ...keys.map((k) => r.test_median[k])]),
    )}\n` +
      `* best learning rate on dev; reported: ${metricsLine(best.test_median)} (median over ${sweep.seeds} seeds)\nmetrics: ${join(out, 'metrics.json')}\n`,
  );
}

function readSweep(dir: string): SweepFile {
  const p = join(dir, SWEEP_FILE);
  let s: SweepFile;
  try {
    s = JSON.parse(readFileSync(p, 'utf8')) as SweepFile;
  } catch (e) {
    throw new FileError(p, `the sweep settings '${p}' cannot be read (${(e as Error).message}).`, { cause: e });
  }
  if (s?.format !== 'avey-finetune-sweep' || !Array.isArray(s.lrs) || !Number.isInteger(s.seeds) || !s.run || typeof s.run !== 'object') {
    throw new FileError(p, `'${p}' is not an avey fine-tuning sweep (written by \`avey finetune --protocol paper\`).`);
  }
  return s;
}

/** Retrieval-only flags given to another task are a usage error (not silently ignored). */
export async function rejectRetrievalFlags(a: RawArgs & { task: string }, which: 'eval' | 'finetune'): Promise<void> {
  const { RETRIEVAL_ONLY } = await import('../specs/retrieval.js');
  const given = explicitOptions(a);
  const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const shared = a.task === 'classify' || a.task === 'tag' ? ['train', 'validation'] : []; // classify and tag read --train/--validation files too
  const bad = RETRIEVAL_ONLY[which].filter((k) => !shared.includes(k) && (given.has(k) || given.has(kebab(k))));
  if (bad.length) throw new UsageError(`${bad.map((k) => `--${kebab(k)}`).join(', ')} only apply to \`avey ${which} retrieval\`, not ${a.task}.`, which);
}

/** --train/--validation/--test and the column flags of `finetune classify` (paths made absolute). */
export function ownFiles(a: { train?: string; validation?: string; test?: string; textColumn: string; textPairColumn?: string; labelColumn: string }): OwnDataFiles {
  if (!a.train) throw new UsageError('`avey finetune classify` needs --train FILE (TSV, CSV or JSONL with a text and a label column), e.g. `avey finetune classify --checkpoint runs/pretrain-1 --train reviews.tsv`.', 'finetune');
  const abs = (p?: string) => (p ? resolve(p) : undefined);
  return { train: abs(a.train), validation: abs(a.validation), test: abs(a.test), columns: { text: a.textColumn, label: a.labelColumn, ...(a.textPairColumn ? { pair: a.textPairColumn } : {}) } };
}

/** --train/--validation/--test, the columns and the scheme of `finetune tag` (paths made absolute). */
export function ownTagFiles(a: { train?: string; validation?: string; test?: string; tokenColumn: number; tagColumn?: number; scheme?: TagScheme }): OwnTagFiles {
  if (!a.train) throw new UsageError('`avey finetune tag` needs --train FILE (a CoNLL column file: token<TAB>tag per line, a blank line between sentences), e.g. `avey finetune tag --checkpoint runs/pretrain-1 --train ner.conll`.', 'finetune');
  const abs = (p?: string) => (p ? resolve(p) : undefined);
  return { train: abs(a.train), validation: abs(a.validation), test: abs(a.test), columns: { token: a.tokenColumn, ...(a.tagColumn ? { tag: a.tagColumn } : {}), scheme: a.scheme ?? 'iob2' } };
}

export async function runFinetune(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & FinetuneArgs;
  if (a.task === 'retrieval') return (await import('../retrieval/finetune.js')).runFinetuneRetrieval(args);
  await rejectRetrievalFlags(a, 'finetune');
  if (!a.resume && !a.checkpoint) {
    throw new UsageError('missing required option --checkpoint (the pretrained model to start from), e.g. `avey finetune sst2 --checkpoint runs/pretrain-1`; or --resume a fine-tuning run.', 'finetune');
  }
  if (a.resume) {
    const ignored = [...explicitOptions(args)].filter((n) => !['resume', 'backend', 'json', 'verbose'].includes(n));
    if (ignored.length) note(`note: with --resume the run's own settings are used; ignoring ${ignored.map((n) => `--${n}`).join(', ')}`);
    const backend = await setupBackend(a.backend, commandOf(a));
    note(`backend: ${backend}`);
    const root = resolve(a.resume);
    if (existsSync(join(root, SWEEP_FILE))) {
      const sweep = readSweep(root);
      if (sweep.run.task !== a.task) throw new UsageError(`'${a.resume}' is a ${sweep.run.task} sweep, not ${a.task}: use \`avey finetune ${sweep.run.task} --resume ${a.resume}\`.`, 'finetune');
      return runSweep(a, sweep, root);
    }
    const dir = await resolveCheckpoint(a.resume, '--resume', TRAINER_STATE);
    const run = readTrainerState(dir).run.settings as unknown as FinetuneRun;
    const out = resolve(dir, '..', '..');
    if (run.task === 'niah' && a.task === 'niah') {
      const n = run as unknown as { checkpoint: string; niah: NiahSettings; lr: number; epochs: number };
      return runNiah(a, { checkpoint: n.checkpoint, out, s: n.niah, lr: n.lr, epochs: n.epochs, resume: a.resume, backend });
    }
    if (run.task !== a.task) throw new UsageError(`'${a.resume}' is a ${String(run.task)} run, not ${a.task}: use \`avey finetune ${String(run.task)} --resume ${a.resume}\`.`, 'finetune');
    return runSingle(a, run, out, a.resume);
  }

  const checkpoint = await resolveCheckpoint(a.checkpoint!, '--checkpoint');
  const own = a.task === 'classify' ? ownFiles(a) : undefined;
  const ownTags = a.task === 'tag' ? ownTagFiles(a) : undefined;
  const dataRoot = a.task === 'niah' || own || ownTags ? '' : findDatasetsRoot(a.data);
  const out = resolve(a.out ?? join('runs', `finetune-${a.task}-${timestamp()}`));
  // The output folder is checked before any data is read or any step is taken.
  await checkFreshOutDir(out, 'finetune', `avey finetune ${a.task} --resume ${a.out ?? out}`);
  const backend = await setupBackend(a.backend, commandOf(a));
  note(`backend: ${backend}`);
  if (a.task === 'niah') {
    if (a.protocol !== 'single') throw new UsageError('finetune niah runs one seed at a time (--protocol single); repeat it with --seed N', 'finetune');
    return runNiah(a, { checkpoint, out, s: niahSettings(a, 'finetune'), lr: a.lr, epochs: a.epochs ?? 1, backend });
  }
  const run: FinetuneRun = {
    task: a.task,
    checkpoint,
    data_root: dataRoot,
    max_len: a.maxLen,
    limit: a.limit ?? null,
    eval_limit: a.evalLimit ?? null,
    epochs: a.epochs ?? (a.task === 'squad' ? 4 : 1),
    batch: a.batch,
    lr: a.lr,
    seed: a.seed,
    eval_batches: 4,
    ...(own ? { own } : {}),
    ...(ownTags ? { own_tags: ownTags } : {}),
  };
  if (a.protocol === 'single') return runSingle(a, run, out, undefined);
  const { lr: _lr, ...shared } = run;
  const sweep: SweepFile = { format: 'avey-finetune-sweep', run: shared, lrs: a.lrs, seeds: a.nSeeds, save_interval: a.saveInterval, keep: a.keep };
  await writeFileAtomic(join(out, SWEEP_FILE), `${JSON.stringify(sweep, null, 2)}\n`, '--out');
  return runSweep(a, sweep, out);
}
