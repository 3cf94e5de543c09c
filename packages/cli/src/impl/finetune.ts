// `avey finetune <task>` and `avey eval <task>`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AnyConfig, AnyHeadModel } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';
import type { TaskName } from '../commands/finetune.js';
import { FileError, UsageError } from '../errors.js';
import { NIAH_LABELS, runNiahEval, runNiahFinetune, type NiahSettings } from '../finetune/niah.js';
import { commandOf, explicitOptions, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { checkTokenizerFits, loadModel, loadTokenizer } from '../lib/models.js';
import { resolveCheckpoint } from '../train/checkpoint.js';
import { findDatasetsRoot, loadTask, type TaskData } from '../finetune/tasks.js';
import { fineTune, predict, taskModel, FINETUNE_BETAS, FINETUNE_EPS, FINETUNE_WARMUP, FINETUNE_WEIGHT_DECAY } from '../finetune/train.js';
import { median } from '../util/stats.js';
import { formatDuration, formatNumber, formatTable } from '../util/format.js';

interface CommonArgs {
  task: TaskName;
  checkpoint: string;
  data?: string;
  maxLen: number;
  evalLimit?: number;
  batch: number;
  out?: string;
  trainLen?: number;
  evalLens?: Array<number | string>;
  needle: 'word' | 'number';
  haystack: 'words' | 'text';
}

/** NIAH settings from the flags (lengths in tokens; --eval-lens accepts 1024 4096 or 1024,4096). */
function niahSettings(a: CommonArgs & { limit?: number; seed: number }, command: string): NiahSettings {
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

interface FinetuneArgs extends CommonArgs {
  epochs?: number;
  lr: number;
  limit?: number;
  protocol: 'single' | 'paper';
  lrs: number[];
  seeds: number;
}

type Metrics = Record<string, number>;

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function padIdOf(tok: Tokenizer): number {
  return tok.special.pad ?? tok.special.eos ?? 0;
}

async function score(model: AnyHeadModel, data: TaskData, which: 'dev' | 'test', tok: Tokenizer, batch: number): Promise<Metrics> {
  const split = data[which];
  if (split.examples.length === 0) return {};
  const { preds, probs } = await predict(model, split, data.head, padIdOf(tok), batch);
  return split.score(preds, probs);
}

function metricsLine(m: Metrics): string {
  return Object.entries(m).map(([k, v]) => `${k} ${formatNumber(v)}`).join(', ');
}

/** Retrieval-only flags given to another task are a usage error (not silently ignored). */
async function rejectRetrievalFlags(a: RawArgs & { task: TaskName }, which: 'eval' | 'finetune'): Promise<void> {
  const { RETRIEVAL_ONLY } = await import('../commands/retrieval.js');
  const given = explicitOptions(a);
  const bad = RETRIEVAL_ONLY[which].filter((k) => given.has(k) || given.has(k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)));
  if (bad.length) throw new UsageError(`${bad.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} only apply to \`avey ${which} retrieval\`, not ${a.task}.`, which);
}

export async function runFinetune(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & FinetuneArgs;
  if (a.task === 'retrieval') return (await import('../retrieval/finetune.js')).runFinetuneRetrieval(args);
  if (a.task === 'squad-retrieval') {
    throw new UsageError('squad-retrieval is an evaluation (`avey eval squad-retrieval`); to fine-tune a retriever on SQuAD use `avey finetune retrieval --train-task squad`.', 'finetune');
  }
  await rejectRetrievalFlags(a, 'finetune');
  const dir = await resolveCheckpoint(a.checkpoint, '--checkpoint');
  const root = a.task === 'niah' ? '' : findDatasetsRoot(a.data);
  const backend = await setupBackend(a.backend, commandOf(a));
  const tok = await loadTokenizer(dir);
  const { model: pretrained, config } = await loadModel(dir, { head: 'mlm' });
  checkTokenizerFits(tok, config, dir);
  if (a.task === 'niah') {
    if (a.protocol !== 'single') throw new UsageError('finetune niah runs one seed at a time (--protocol single); repeat it with --seed N', 'finetune');
    const out = resolve(a.out ?? join('runs', `finetune-niah-${timestamp()}`));
    await runNiahFinetune({ tok, pretrained, config, checkpoint: dir, backend, out, lr: a.lr, epochs: a.epochs ?? 1, json: a.json, verbose: a.verbose }, niahSettings(a, 'finetune'));
    return;
  }
  const note = (s: string) => process.stderr.write(`${s}\n`);
  const t0 = performance.now();
  const data = await loadTask(a.task, tok, { root, maxLen: a.maxLen, limit: a.limit, evalLimit: a.evalLimit, seed: a.seed });
  note(`${a.task}: ${data.train.examples.length} train / ${data.dev.examples.length} dev / ${data.test.examples.length} test examples from ${data.source} (read in ${formatDuration(performance.now() - t0)}), backend ${backend}`);
  const epochs = a.epochs ?? (a.task === 'squad' ? 4 : 1);
  const out = resolve(a.out ?? join('runs', `finetune-${a.task}-${timestamp()}`));
  mkdirSync(out, { recursive: true });

  const runOnce = async (lr: number, seed: number, save: boolean) => {
    const model = await taskModel(pretrained, config, data.head, data.labels, seed);
    let lastPrint = 0;
    const r = await fineTune(model, data.train, data.head, padIdOf(tok), { lr, epochs, batch: a.batch, seed }, (step, total, loss) => {
      if (a.verbose || step === total || performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        note(`  lr ${lr} seed ${seed}: step ${step}/${total} loss ${loss.toFixed(4)}`);
      }
    });
    const dev = await score(model, data, 'dev', tok, a.batch);
    const test = await score(model, data, 'test', tok, a.batch);
    note(`  lr ${lr} seed ${seed}: dev ${metricsLine(dev)} | test ${metricsLine(test)} (${formatDuration(r.ms)} training)`);
    if (save) {
      const { saveCheckpoint } = await import('@avey/avey-b');
      await saveCheckpoint(join(out, 'model'), model);
      tok.save(join(out, 'model', 'tokenizer.json'));
    }
    return { lr, seed, dev, test, steps: r.steps, final_loss: r.lastLoss, train_seconds: Math.round(r.ms) / 1000 };
  };

  const recipe = { epochs, batch: a.batch, max_len: a.maxLen, optimizer: { betas: FINETUNE_BETAS, eps: FINETUNE_EPS, weight_decay: FINETUNE_WEIGHT_DECAY }, warmup: FINETUNE_WARMUP, schedule: 'warmup-linear' };
  const base = { task: a.task, checkpoint: dir, primary_metric: data.primary, train_examples: data.train.examples.length, dev_examples: data.dev.examples.length, test_examples: data.test.examples.length, recipe };
  let report: Record<string, unknown>;
  if (a.protocol === 'single') {
    const run = await runOnce(a.lr, a.seed, true);
    report = { ...base, protocol: 'single', ...run, model: join(out, 'model') };
    if (!a.json) {
      process.stdout.write(
        `${formatTable(['split', ...Object.keys(run.test)], [['dev', ...Object.values(run.dev)], ['test', ...Object.values(run.test)]])}\n` +
          `fine-tuned model: ${join(out, 'model')}\nmetrics: ${join(out, 'metrics.json')}\n`,
      );
    }
  } else {
    const runs: Array<Awaited<ReturnType<typeof runOnce>>> = [];
    for (const lr of a.lrs) for (let seed = 0; seed < a.seeds; seed++) runs.push(await runOnce(lr, seed, false));
    const byLr = a.lrs.map((lr) => {
      const rs = runs.filter((r) => r.lr === lr);
      const med = (k: 'dev' | 'test') => Object.fromEntries(Object.keys(rs[0][k]).map((m) => [m, median(rs.map((r) => r[k][m]))]));
      return { lr, dev_median: med('dev'), test_median: med('test') };
    });
    const best = byLr.reduce((x, y) => ((y.dev_median[data.primary] ?? -Infinity) > (x.dev_median[data.primary] ?? -Infinity) ? y : x));
    report = { ...base, protocol: 'paper', lrs: a.lrs, seeds: a.seeds, by_lr: byLr, best_lr: best.lr, result: best.test_median, runs };
    if (!a.json) {
      const keys = Object.keys(best.test_median);
      process.stdout.write(
        `${formatTable(
          ['lr', `dev ${data.primary} (median)`, ...keys.map((k) => `test ${k} (median)`)],
          byLr.map((r) => [`${r.lr}${r.lr === best.lr ? ' *' : ''}`, r.dev_median[data.primary], ...keys.map((k) => r.test_median[k])]),
        )}\n` +
          `* best learning rate on dev; reported: ${metricsLine(best.test_median)} (median over ${a.seeds} seeds)\nmetrics: ${join(out, 'metrics.json')}\n`,
      );
    }
  }
  writeFileSync(join(out, 'metrics.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (a.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

export async function runEval(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & CommonArgs & { split: 'dev' | 'test' | 'train' };
  if (a.task === 'retrieval' || a.task === 'squad-retrieval') return (await import('./retrieval.js')).runEvalRetrieval(args);
  await rejectRetrievalFlags(a, 'eval');
  if (a.split === 'train') throw new UsageError(`--split train is for \`avey eval retrieval\` (a BEIR qrels file); ${a.task} is scored on dev or test.`, 'eval');
  const dir = await resolveCheckpoint(a.checkpoint, '--checkpoint');
  await setupBackend(a.backend, commandOf(a));
  const tok = await loadTokenizer(dir);
  let metrics: Metrics;
  let config: AnyConfig;
  if (a.task === 'niah') {
    const loaded = await loadModel(dir);
    checkTokenizerFits(tok, loaded.config, dir);
    if (loaded.config.num_labels !== NIAH_LABELS.length || loaded.head !== 'tokcls') {
      throw new FileError(dir, `the checkpoint '${dir}' has a ${loaded.head} head with ${loaded.config.num_labels} labels, but niah needs a tokcls head with 2 labels. Evaluate the model that \`avey finetune niah\` wrote (its --out folder's model/).`);
    }
    await runNiahEval(loaded.model, loaded.config, tok, niahSettings({ ...a, limit: 1 }, 'eval'), { json: a.json, out: a.out, checkpoint: dir });
    return;
  } else {
    const loaded = await loadModel(dir);
    config = loaded.config;
    checkTokenizerFits(tok, config, dir);
    const root = findDatasetsRoot(a.data);
    const data = await loadTask(a.task, tok, { root, maxLen: a.maxLen, limit: 1, evalLimit: a.evalLimit, seed: a.seed });
    const labelsOk = config.num_labels === data.labels.length && loaded.head === data.head;
    if (!labelsOk) {
      throw new FileError(
        dir,
        `the checkpoint '${dir}' has a ${loaded.head} head with ${config.num_labels} labels, but ${a.task} needs a ${data.head} head with ${data.labels.length} labels (${data.labels.slice(0, 6).join(', ')}${data.labels.length > 6 ? ', …' : ''}). Evaluate the model that \`avey finetune ${a.task}\` wrote (its --out folder's model/).`,
      );
    }
    metrics = await score(loaded.model, data, a.split, tok, a.batch);
  }
  const report = { task: a.task, split: a.split, checkpoint: dir, metrics };
  if (a.out) writeFileSync(a.out, `${JSON.stringify(report, null, 2)}\n`);
  if (a.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${formatTable(['task', 'split', ...Object.keys(metrics)], [[a.task, a.split, ...Object.values(metrics)]])}\n`);
}
