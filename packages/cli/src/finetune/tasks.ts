// The paper's downstream task families over the shared datasets, turned into token-id examples
// for a sequence- or token-classification head, with each task's own metric.
//
//   sst2, sick          sequence classification, accuracy (SICK pairs as "[CLS]{a}[SEP]{b}")
//   pos                 UD-EWT UPOS tagging (tokcls, every sub-token gets its word's tag), word accuracy
//   uner, wnut17        NER (tokcls, IOB2), entity-level micro F1 (seqeval)
//   squad               extractive QA as 2-label token classification (the paper's), EM / F1 / set-F1
//   (niah is generated per length: finetune/niah.ts)
// Every input is tokenised without special tokens and gets EOS appended (the paper's formatting).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Tokenizer } from '@avey/data';
import { FileError, UsageError } from '../errors.js';
import type { TaskName } from './task-list.js';

export type HeadKind = 'seqcls' | 'tokcls';

export interface Example {
  ids: Int32Array;
  /** seqcls: the class; tokcls: per-token labels (−100 = ignored). */
  target: number | Int32Array;
}

export interface TaskSplit {
  examples: Example[];
  /** Scores per-example predictions (seqcls: class per example; tokcls: class per token). */
  score(preds: Array<number | Int32Array>, probs?: Array<Float32Array | null>): Record<string, number>;
}

export interface TaskData {
  name: TaskName;
  head: HeadKind;
  labels: string[];
  /** The metric used to pick the learning rate and shown first. */
  primary: string;
  train: TaskSplit;
  dev: TaskSplit;
  test: TaskSplit;
  /** Where the data came from (for the report). */
  source: string;
}

export interface LoadOptions {
  root: string;
  maxLen: number;
  /** Training examples to read (undefined: all). */
  limit?: number;
  /** Dev/test examples to read (undefined: all). */
  evalLimit?: number;
  seed: number;
}

/** --data, else $AVEY_DATASETS, else a shared/datasets folder near the cwd or the repository. */
export function findDatasetsRoot(given: string | undefined): string {
  if (given) {
    if (!existsSync(given)) throw new FileError(given, `--data '${given}' does not exist. Point it at the datasets folder (holding sst2/, sick/, ud-ewt/, uner-ewt/, wnut17/, squad-v1.1/).`);
    return resolve(given);
  }
  const env = process.env.AVEY_DATASETS;
  if (env) {
    if (!existsSync(env)) throw new FileError(env, `$AVEY_DATASETS '${env}' does not exist. Fix the variable or pass --data.`);
    return resolve(env);
  }
  const starts = [process.cwd(), resolve(new URL('.', import.meta.url).pathname, '../../../..')];
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      for (const cand of [join(dir, 'shared', 'datasets'), join(dir, '..', 'shared', 'datasets')]) {
        if (existsSync(cand)) return resolve(cand);
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new FileError('datasets', 'no datasets folder found: pass --data DIR (the folder holding sst2/, sick/, ud-ewt/, uner-ewt/, wnut17/, squad-v1.1/) or set $AVEY_DATASETS.');
}

function need(root: string, ...parts: string[]): string {
  const p = join(root, ...parts);
  if (!existsSync(p)) throw new FileError(p, `the dataset file '${p}' is missing. Check --data (it should hold ${parts[0]}/) or $AVEY_DATASETS.`);
  return p;
}

export function encodeText(tok: Tokenizer, text: string, maxLen: number): Int32Array {
  const ids = tok.encode(text, { addSpecialTokens: false }).ids;
  const eos = tok.special.eos;
  if (eos === null) throw new UsageError('the checkpoint\'s tokenizer has no EOS token, which the task formatting needs.');
  const out = ids.slice(0, maxLen - 1);
  out.push(eos);
  return Int32Array.from(out);
}

const argmaxPreds = (preds: Array<number | Int32Array>) => preds as number[];

export function classificationSplit(examples: Example[]): TaskSplit {
  return {
    examples,
    score(preds) {
      const p = argmaxPreds(preds);
      let ok = 0;
      examples.forEach((e, i) => (ok += p[i] === e.target ? 1 : 0));
      return { accuracy: examples.length ? ok / examples.length : NaN };
    },
  };
}

/** Splits off the last `frac` of `xs` as a dev set when a dataset has none. */
function carve<T>(xs: T[], frac: number): [T[], T[]] {
  const n = Math.max(1, Math.round(xs.length * frac));
  return [xs.slice(0, xs.length - n), xs.slice(xs.length - n)];
}

async function loadSst2(tok: Tokenizer, o: LoadOptions): Promise<TaskData> {
  const d = await import('@avey/data');
  const read = (f: string, limit?: number) =>
    d.readSst2(need(o.root, 'sst2', f), limit ? { limit } : {}).examples.map((e) => ({ ids: encodeText(tok, e.text, o.maxLen), target: e.label as number }));
  return {
    name: 'sst2',
    head: 'seqcls',
    labels: [...d.SST2_LABELS],
    primary: 'accuracy',
    train: classificationSplit(read('train.tsv', o.limit)),
    dev: classificationSplit(read('dev.tsv', o.evalLimit)),
    test: classificationSplit(read('test.tsv', o.evalLimit)),
    source: join(o.root, 'sst2'),
  };
}

async function loadSick(tok: Tokenizer, o: LoadOptions): Promise<TaskData> {
  const d = await import('@avey/data');
  const read = (f: string, limit?: number) =>
    d.readSick(need(o.root, 'sick', f), limit ? { limit } : {}).examples.map((e) => ({ ids: encodeText(tok, d.pairText(e.a, e.b), o.maxLen), target: e.label as number }));
  return {
    name: 'sick',
    head: 'seqcls',
    labels: [...d.SICK_LABELS],
    primary: 'accuracy',
    train: classificationSplit(read('SICK_train.txt', o.limit)),
    dev: classificationSplit(read('SICK_trial.txt', o.evalLimit)),
    test: classificationSplit(read('SICK_test_annotated.txt', o.evalLimit)),
    source: join(o.root, 'sick'),
  };
}

interface WordSentence {
  words: string[];
  tags: string[];
}

/** Word-level tagging split: token labels for training, word predictions by majority vote. */
export async function taggingSplit(tok: Tokenizer, sents: WordSentence[], labels: string[], maxLen: number, metric: 'accuracy' | 'entity'): Promise<TaskSplit> {
  const d = await import('@avey/data');
  const index = new Map(labels.map((l, i) => [l, i]));
  const encoded = sents.map((s) => d.encodeWords(tok, s.words, { maxLength: maxLen }));
  const examples: Example[] = encoded.map((enc, i) => ({
    ids: Int32Array.from(enc.ids),
    target: d.alignLabels(enc.wordIds, sents[i].tags.map((t) => index.get(t) ?? 0)),
  }));
  return {
    examples,
    score(preds): Record<string, number> {
      const wordPreds = encoded.map((enc, i) => d.wordPredictions(preds[i] as Int32Array, enc.wordIds, sents[i].words.length));
      if (metric === 'accuracy') {
        let ok = 0;
        let n = 0;
        wordPreds.forEach((wp, i) => wp.forEach((p, w) => { n++; if (labels[p] === sents[i].tags[w]) ok++; }));
        return { accuracy: n ? ok / n : NaN };
      }
      const predTags = wordPreds.map((wp) => wp.map((p) => (p >= 0 ? labels[p] : 'O')));
      const r = d.seqevalF1(predTags, sents.map((s) => s.tags));
      return { f1: r.f1, precision: r.precision, recall: r.recall };
    },
  };
}

async function loadPos(tok: Tokenizer, o: LoadOptions): Promise<TaskData> {
  const d = await import('@avey/data');
  const labels = [...d.UPOS_TAGS];
  const read = (f: string, limit?: number) =>
    d.readConllu(need(o.root, 'ud-ewt', f), limit ? { limit } : {}).examples.map((s) => ({ words: s.words, tags: s.upos }));
  return {
    name: 'pos',
    head: 'tokcls',
    labels,
    primary: 'accuracy',
    train: await taggingSplit(tok, read('en_ewt-ud-train.conllu', o.limit), labels, o.maxLen, 'accuracy'),
    dev: await taggingSplit(tok, read('en_ewt-ud-dev.conllu', o.evalLimit), labels, o.maxLen, 'accuracy'),
    test: await taggingSplit(tok, read('en_ewt-ud-test.conllu', o.evalLimit), labels, o.maxLen, 'accuracy'),
    source: join(o.root, 'ud-ewt'),
  };
}

async function loadNer(tok: Tokenizer, o: LoadOptions, task: 'uner' | 'wnut17'): Promise<TaskData> {
  const d = await import('@avey/data');
  const types = task === 'uner' ? d.UNER_TYPES : d.WNUT17_TYPES;
  const labels = d.iob2Labels(types);
  const folder = task === 'uner' ? 'uner-ewt' : 'wnut17';
  const read = (f: string, limit?: number) =>
    d.readIob(need(o.root, folder, f), { types, ...(limit ? { limit } : {}) }).examples.map((s) => ({ words: s.tokens, tags: s.tags }));
  let train: WordSentence[];
  let dev: WordSentence[];
  let test: WordSentence[];
  if (task === 'uner') {
    // No train file: fine-tune on dev (its last 10 % held back for model selection), test on test.
    const all = read('en_ewt-ud-dev.iob2', o.limit);
    [train, dev] = carve(all, 0.1);
    test = read('en_ewt-ud-test.iob2', o.evalLimit);
  } else {
    train = read('train.conll', o.limit);
    dev = read('dev.conll', o.evalLimit);
    test = read('test.conll', o.evalLimit);
  }
  return {
    name: task,
    head: 'tokcls',
    labels,
    primary: 'f1',
    train: await taggingSplit(tok, train, labels, o.maxLen, 'entity'),
    dev: await taggingSplit(tok, dev, labels, o.maxLen, 'entity'),
    test: await taggingSplit(tok, test, labels, o.maxLen, 'entity'),
    source: join(o.root, folder),
  };
}

/** QA-as-token-classification split: one window per question (the first that holds the answer
 *  when training; the first window at evaluation), span = contiguous run around the best token. */
async function qaSplit(
  tok: Tokenizer,
  items: Array<{ question: string; context: string; answers: string[]; answerStart: number }>,
  maxLen: number,
  train: boolean,
): Promise<TaskSplit> {
  const d = await import('@avey/data');
  const feats = items.map((it, i) => {
    let fs;
    try {
      fs = d.qaFeatures(tok, { id: String(i), title: '', context: it.context, question: it.question, answers: it.answers.length ? [{ text: it.answers[0], start: it.answerStart }] : [], paragraph: 0 }, { maxLength: maxLen, stride: Math.min(64, Math.floor(maxLen / 8)) });
    } catch (e) {
      throw new UsageError(`--max-len ${maxLen} is too short for SQuAD (${(e as Error).message.replace(/^data: /, '')}); use --max-len 256 or more.`, 'finetune');
    }
    return (train ? fs.find((f) => f.hasAnswer) : undefined) ?? fs[0];
  });
  return {
    examples: feats.map((f) => ({ ids: f.inputIds, target: f.labels })),
    score(preds, probs) {
      const texts: string[] = [];
      const sets: number[] = [];
      feats.forEach((f, i) => {
        const p = preds[i] as Int32Array;
        const pr = probs?.[i] ?? null;
        let best = -1;
        for (let t = 0; t < p.length; t++) if (f.contextOffsets[t] && (best < 0 || (pr ? pr[t] > pr[best] : p[t] > p[best]))) best = t;
        let a = best;
        let b = best;
        while (a > 0 && p[a - 1] === 1 && f.contextOffsets[a - 1]) a--;
        while (b >= 0 && b + 1 < p.length && p[b + 1] === 1 && f.contextOffsets[b + 1]) b++;
        texts.push(best >= 0 ? d.spanText(f, items[i].context, a, b) : '');
        sets.push(d.setF1(d.positionsOf(p), d.positionsOf(f.labels)));
      });
      const s = d.squadScores(texts, items.map((it) => it.answers));
      return { exact_match: s.exactMatch, f1: s.f1, set_f1: sets.reduce((x, y) => x + y, 0) / Math.max(1, sets.length) };
    },
  };
}

async function loadSquad(tok: Tokenizer, o: LoadOptions): Promise<TaskData> {
  const d = await import('@avey/data');
  const toItems = (xs: import('@avey/data').SquadExample[]) =>
    xs.map((e) => ({ question: e.question, context: e.context, answers: e.answers.map((a) => a.text), answerStart: e.answers[0]?.start ?? 0 }));
  const head = <T>(xs: T[], n?: number) => (n === undefined ? xs : xs.slice(0, n));
  const trainAll = toItems(head(d.readSquad(need(o.root, 'squad-v1.1', 'train-subset-v1.1.json')).examples, o.limit));
  const [train, dev] = carve(trainAll, 0.05);
  const test = toItems(head(d.readSquad(need(o.root, 'squad-v1.1', 'dev-v1.1.json')).examples, o.evalLimit));
  return {
    name: 'squad',
    head: 'tokcls',
    labels: ['O', 'ANSWER'],
    primary: 'f1',
    train: await qaSplit(tok, train, o.maxLen, true),
    dev: await qaSplit(tok, o.evalLimit ? dev.slice(0, o.evalLimit) : dev, o.maxLen, false),
    test: await qaSplit(tok, test, o.maxLen, false),
    source: join(o.root, 'squad-v1.1'),
  };
}

export async function loadTask(task: TaskName, tok: Tokenizer, o: LoadOptions): Promise<TaskData> {
  switch (task) {
    case 'sst2':
      return loadSst2(tok, o);
    case 'sick':
      return loadSick(tok, o);
    case 'pos':
      return loadPos(tok, o);
    case 'uner':
    case 'wnut17':
      return loadNer(tok, o, task);
    case 'squad':
      return loadSquad(tok, o);
    case 'classify':
      throw new UsageError('classify reads your own files: `avey finetune classify --train F` (finetune/own-task.ts)', 'finetune');
    case 'tag':
      throw new UsageError('tag reads your own files: `avey finetune tag --train F` (finetune/own-tags.ts)', 'finetune');
    case 'niah':
      throw new UsageError('niah examples are generated per length by finetune/niah.ts (avey finetune niah --train-len … --eval-lens …)', 'finetune');
    case 'squad-retrieval':
    case 'retrieval':
      throw new UsageError(`${task} is not a classification task: use \`avey finetune retrieval\` / \`avey eval ${task}\`.`, 'finetune');
  }
}
