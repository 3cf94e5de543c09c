// `avey eval <task>`: scores a checkpoint on a task's dev or test split (a fine-tuned model), or
// zero-shot retrieval with mean-pooled embeddings of a pretrained one (squad-retrieval).
import { join } from 'node:path';
import type { AnyConfig, AnyHeadModel } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';
import type { TaskName } from '../finetune/task-list.js';
import { FileError, UsageError } from '../errors.js';
import { commandOf, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { checkTokenizerFits, loadModel, loadTokenizer } from '../lib/models.js';
import { outputFileIn, writeFileAtomic } from '../lib/files.js';
import { resolveCheckpoint } from '../train/checkpoint.js';
import { findDatasetsRoot, loadTask } from '../finetune/tasks.js';
import { padIdOf, scoreSplit } from '../finetune/train.js';
import { formatTable } from '../util/format.js';
import { NIAH_LABELS, runNiahEval } from '../finetune/niah.js';
import { niahSettings, rejectRetrievalFlags, type TaskInputArgs } from './finetune.js';
import { loadClassify } from '../finetune/own-task.js';
import { loadTag, schemeOf } from '../finetune/own-tags.js';
import { resolve } from 'node:path';

type Metrics = Record<string, number>;

interface EvalArgs extends TaskInputArgs {
  task: TaskName;
  checkpoint: string;
  data?: string;
  maxLen: number;
  evalLimit?: number;
  batch: number;
  out?: string;
  split: 'dev' | 'test' | 'train';
  test?: string;
}

export async function runEval(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & EvalArgs;
  if (a.task === 'retrieval' || a.task === 'squad-retrieval') return (await import('./retrieval.js')).runEvalRetrieval(args);
  await rejectRetrievalFlags(a, 'eval');
  if (a.split === 'train') throw new UsageError(`--split train is for \`avey eval retrieval\` (a BEIR qrels file); ${a.task} is scored on dev or test.`, 'eval');
  const dir = await resolveCheckpoint(a.checkpoint, '--checkpoint');
  const outFile = a.out ? await outputFileIn(a.out, 'metrics.json', { command: `eval ${a.task}`, legacyExts: ['.json'] }) : undefined;
  await setupBackend(a.backend, commandOf(a));
  const tok = await loadTokenizer(dir);
  let metrics: Metrics;
  let config: AnyConfig;
  if (a.task === 'classify') {
    if (!a.test) throw new UsageError('`avey eval classify` needs --test FILE (TSV, CSV or JSONL with the text and label columns the model was fine-tuned with).', 'eval');
    const loaded = await loadModel(dir);
    config = loaded.config;
    checkTokenizerFits(tok, config, dir);
    const id2label = (config as { id2label?: Record<string, string> }).id2label ?? {};
    const labels = Array.from({ length: config.num_labels }, (_, i) => id2label[String(i)] ?? String(i));
    if (loaded.head !== 'seqcls') throw new FileError(dir, `the checkpoint '${dir}' has a ${loaded.head} head; \`eval classify\` needs a model written by \`avey finetune classify\`.`);
    const data = await loadClassify(tok, { root: '', maxLen: a.maxLen, evalLimit: a.evalLimit, seed: a.seed }, { test: resolve(a.test), columns: { text: a.textColumn, label: a.labelColumn, ...(a.textPairColumn ? { pair: a.textPairColumn } : {}) } }, labels);
    metrics = await scoreSplit(loaded.model, data.test, 'seqcls', padIdOf(tok), a.batch);
  } else if (a.task === 'tag') {
    if (!a.test) throw new UsageError('`avey eval tag` needs --test FILE (a CoNLL column file with the token and tag columns the model was fine-tuned with).', 'eval');
    const loaded = await loadModel(dir);
    config = loaded.config;
    checkTokenizerFits(tok, config, dir);
    if (loaded.head !== 'tokcls') throw new FileError(dir, `the checkpoint '${dir}' has a ${loaded.head} head; \`eval tag\` needs a model written by \`avey finetune tag\`.`);
    const id2label = (config as { id2label?: Record<string, string> }).id2label ?? {};
    const labels = Array.from({ length: config.num_labels }, (_, i) => id2label[String(i)] ?? String(i));
    const scheme = a.scheme ?? schemeOf(labels);
    const data = await loadTag(tok, { root: '', maxLen: a.maxLen, evalLimit: a.evalLimit, seed: a.seed }, { test: resolve(a.test), columns: { token: a.tokenColumn, ...(a.tagColumn ? { tag: a.tagColumn } : {}), scheme } }, labels);
    metrics = await scoreSplit(loaded.model, data.test, 'tokcls', padIdOf(tok), a.batch);
  } else if (a.task === 'niah') {
    const loaded = await loadModel(dir);
    checkTokenizerFits(tok, loaded.config, dir);
    if (loaded.config.num_labels !== NIAH_LABELS.length || loaded.head !== 'tokcls') {
      throw new FileError(dir, `the checkpoint '${dir}' has a ${loaded.head} head with ${loaded.config.num_labels} labels, but niah needs a tokcls head with 2 labels. Evaluate the model that \`avey finetune niah\` wrote (its --out folder's model/).`);
    }
    await runNiahEval(loaded.model, loaded.config, tok, niahSettings({ ...a, limit: 1 }, 'eval'), { json: a.json, out: outFile, checkpoint: dir });
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
    metrics = await scoreSplit(loaded.model, data[a.split as 'dev' | 'test'], data.head, padIdOf(tok), a.batch);
  }
  const report = { task: a.task, split: a.split, checkpoint: dir, metrics };
  if (outFile) await writeFileAtomic(outFile, `${JSON.stringify(report, null, 2)}\n`, '--out');
  if (a.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${formatTable(['task', 'split', ...Object.keys(metrics)], [[a.task, a.split, ...Object.values(metrics)]])}\n`);
}
