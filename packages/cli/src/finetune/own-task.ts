// `classify` as a task over your own files (finetune/own-data.ts): the same TaskData as the
// built-in tasks, so training, scoring, metrics.json and `avey eval` work unchanged.
import { resolve } from 'node:path';
import type { Tokenizer } from '@avey/data';
import { classIds, labelList, readLabelled, type OwnDataColumns } from './own-data.js';
import { classificationSplit, encodeText, type LoadOptions, type TaskData } from './tasks.js';

export interface OwnDataFiles {
  train?: string;
  validation?: string;
  test?: string;
  columns: OwnDataColumns;
}

/** Reads the files; `labels` fixes the label list (evaluating a fine-tuned model), else it comes
 *  from --train. Without --validation the last 10 % of --train is held out for it. */
export async function loadClassify(tok: Tokenizer, o: LoadOptions, f: OwnDataFiles, labels?: string[]): Promise<TaskData> {
  const d = await import('@avey/data');
  const read = (file: string | undefined, flag: string, limit?: number) => {
    if (!file) return [];
    const rows = readLabelled(resolve(file), f.columns, flag);
    return limit ? rows.slice(0, limit) : rows;
  };
  let train = read(f.train, '--train', o.limit);
  const labs = labels ?? labelList(train, f.train ?? '');
  let dev = read(f.validation, '--validation', o.evalLimit);
  if (!f.validation && train.length >= 10 && !labels) {
    const n = Math.max(1, Math.round(train.length * 0.1));
    dev = train.slice(train.length - n);
    train = train.slice(0, train.length - n);
  }
  const test = read(f.test, '--test', o.evalLimit);
  const examples = (rows: typeof train, file: string) => {
    const ids = classIds(rows, labs, file);
    return rows.map((r, i) => ({ ids: encodeText(tok, r.pair !== undefined ? d.pairText(r.text, r.pair) : r.text, o.maxLen), target: ids[i] }));
  };
  return {
    name: 'classify',
    head: 'seqcls',
    labels: labs,
    primary: 'accuracy',
    train: classificationSplit(examples(train, f.train ?? '')),
    dev: classificationSplit(examples(dev, f.validation ?? f.train ?? '')),
    test: classificationSplit(examples(test, f.test ?? '')),
    source: [f.train, f.validation, f.test].filter(Boolean).join(', '),
  };
}
