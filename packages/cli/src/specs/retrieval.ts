// The options `avey finetune retrieval` and `avey eval retrieval` add to the task commands.
import type { OptionSpec } from '../spec.js';

export const RETRIEVAL_EVAL_OPTIONS: Record<string, OptionSpec> = {
  beir: { type: 'string', describe: 'retrieval: a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) to evaluate on' },
  bm25: { type: 'boolean', default: false, describe: 'retrieval: also score BM25 (k1 1.2, b 0.75) on the same queries and print it beside the model' },
  corpus: {
    type: 'string',
    choices: ['all', 'judged'],
    default: 'all',
    describe: 'retrieval: rank all documents (standard BEIR) or only those judged for the queries scored (the paper\'s protocol)',
  },
  cache: { type: 'boolean', default: true, describe: 'retrieval: reuse corpus embeddings cached under $AVEY_CACHE_DIR (default ~/.cache/avey), keyed by checkpoint and corpus; --no-cache recomputes' },
};

export const RETRIEVAL_FINETUNE_OPTIONS: Record<string, OptionSpec> = {
  train: { type: 'string', describe: 'retrieval: training pairs, JSONL lines {"query": …, "positive": …, "negative"?: …}' },
  'train-task': { type: 'string', choices: ['squad'], describe: 'retrieval: built-in training pairs instead of --train (squad: SQuAD v1.1 train question → its paragraph)' },
  validation: { type: 'string', describe: 'retrieval: validation pairs (same format), scored zero-shot and after training (nDCG@10 over their passages)' },
  steps: { type: 'number', integer: true, min: 1, describe: 'retrieval: optimiser steps (default 1000, the paper\'s)' },
  'mini-batch': { type: 'number', integer: true, min: 1, describe: 'retrieval: gradient cache: embed this many texts at a time, so --batch can exceed memory (the paper: 256); default: no cache' },
};

/** Option names only `… retrieval` accepts (yargs' camelCase keys). */
export const RETRIEVAL_ONLY = {
  eval: ['beir', 'bm25', 'corpus', 'cache'],
  finetune: ['train', 'trainTask', 'validation', 'steps', 'miniBatch'],
} as const;
