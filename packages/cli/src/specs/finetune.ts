import type { CommandSpec, OptionSpec } from '../spec.js';
import { EVAL_TASKS, FINETUNE_TASKS, taskHelp } from '../finetune/task-list.js';
import { RETRIEVAL_EVAL_OPTIONS, RETRIEVAL_FINETUNE_OPTIONS } from './retrieval.js';

const DATA_HELP = 'Datasets are read from --data (default: $AVEY_DATASETS, else a shared/datasets folder next to or above the current directory).';

const DATA_OPTIONS: Record<string, OptionSpec> = {
  checkpoint: { type: 'string', describe: 'model to start from (required unless --resume): a run folder, a checkpoint folder (config.json + model.safetensors + tokenizer.json) or a finetune --out folder' },
  data: { type: 'string', describe: 'datasets root folder (holding sst2/, sick/, ud-ewt/, uner-ewt/, wnut17/, squad-v1.1/)' },
  'max-len': { type: 'number', default: 128, integer: true, min: 8, describe: 'truncate inputs to this many tokens' },
  'eval-limit': { type: 'number', integer: true, min: 1, describe: 'evaluate on the first N test examples only (quick checks)' },
  batch: { type: 'number', default: 32, integer: true, min: 1, describe: 'examples per batch' },
  test: { type: 'string', describe: 'classify: the test file (TSV, CSV or JSONL) to score' },
  'text-column': { type: 'string', default: 'text', describe: 'classify: the column (or JSON field) holding the text' },
  'text-pair-column': { type: 'string', describe: 'classify: a second text column for pair tasks (entailment, similarity); the pair is encoded as the literal text [CLS]a[SEP]b' },
  'label-column': { type: 'string', default: 'label', describe: 'classify: the column holding the label (a name or an integer class id)' },
  'token-column': { type: 'number', default: 1, integer: true, min: 1, describe: 'tag: the column (1-based) of a CoNLL file holding the token' },
  'tag-column': { type: 'number', integer: true, min: 1, describe: 'tag: the column (1-based) holding the tag (default: the last column)' },
  scheme: { type: 'string', choices: ['iob2', 'bio', 'none'], describe: 'tag: iob2 or bio (the same: O, B-TYPE, I-TYPE; entity-level F1) or none (any tags; token accuracy). Default: finetune iob2; eval the model\'s' },
  'train-len': { type: 'number', integer: true, min: 128, describe: 'niah: tokens per training example (default --max-len); the paper fine-tunes at 1,000 words' },
  'eval-lens': { type: 'array', string: true, describe: 'niah: test at each of these lengths in tokens, e.g. 1024 4096 16384 65536 or 1024,4096 (default --train-len)' },
  needle: { type: 'string', choices: ['word', 'number'], default: 'word', describe: 'niah: 8–12-character alphanumeric word needles (NIAH-1) or 7-digit number needles (NIAH-2)' },
  haystack: { type: 'string', choices: ['words', 'text'], default: 'words', describe: 'niah: random words from a fixed list of 120 common English words (the paper\'s), or the built-in corpus\'s held-out text' },
};

export const finetuneCommand: CommandSpec = {
  command: 'finetune <task>',
  describe: 'Fine-tune a pretrained checkpoint on one of the paper\'s task families and report test metrics',
  positionals: { task: { type: 'string', choices: [...FINETUNE_TASKS], describe: 'task to fine-tune on' } },
  options: {
    ...DATA_OPTIONS,
    epochs: { type: 'number', integer: true, min: 1, describe: 'passes over the training set (default: the paper\'s, 1 for classification/tagging, 4 for QA)' },
    lr: { type: 'number', default: 1e-4, gt: 0, describe: 'peak learning rate (AdamW β=(0.9,0.95), eps 1e-5, wd 0.1, 10% warmup, linear decay, as in the paper)' },
    limit: { type: 'number', integer: true, min: 1, describe: 'train on the first N training examples only' },
    protocol: {
      type: 'string',
      choices: ['single', 'paper'],
      default: 'single',
      describe: 'single: one run at --lr and --seed; paper: sweep --lrs × --n-seeds and report the median over seeds at the best learning rate (selected on dev)',
    },
    lrs: { type: 'array', number: true, default: [2e-5, 6e-5, 1e-4, 5e-4], describe: 'learning rates of the paper protocol' },
    'n-seeds': { type: 'number', default: 10, integer: true, min: 1, deprecatedAliases: ['seeds'], describe: 'how many seeds (0…N-1) per learning rate in the paper protocol' },
    out: { type: 'string', describe: 'run folder to create: metrics.json, model/, log.jsonl, loss.svg, checkpoints/ (default: runs/finetune-<task>-<date>-<time>)' },
    resume: { type: 'string', describe: 'continue a fine-tuning run where it stopped (its folder); the other settings come from the run' },
    'save-interval': { type: 'number', default: 200, integer: true, min: 1, describe: 'write a resumable checkpoint every N steps (and at the end)' },
    keep: { type: 'number', default: 1, integer: true, min: 1, describe: 'keep only the newest N checkpoints' },
    ...RETRIEVAL_FINETUNE_OPTIONS,
  },
  examples: [
    ['$0 finetune sst2 --checkpoint runs/pretrain-1', 'fine-tune and report test accuracy'],
    ['$0 finetune wnut17 --checkpoint runs/small --epochs 3 --out runs/wnut', 'NER, entity-level F1'],
    ['$0 finetune sst2 --checkpoint runs/small --protocol paper --n-seeds 3 --limit 2000', 'LR sweep × 3 seeds, median at the best LR'],
    ['$0 finetune niah --checkpoint runs/small --train-len 1024 --eval-lens 1024,4096,16384,65536 --limit 512 --eval-limit 50', 'needle in a haystack: train at 1k tokens, test out to 64k'],
    ['$0 finetune classify --checkpoint runs/pretrain-1 --train reviews.tsv --validation dev.tsv --test test.tsv', 'your own labelled texts (docs/cli.md has an example file)'],
    ['$0 finetune tag --checkpoint runs/pretrain-1 --train ner-train.conll --validation ner-dev.conll --test ner-test.conll', 'your own tagged tokens, entity F1 (docs/cli.md has an example file)'],
    ['$0 finetune retrieval --checkpoint runs/small --train pairs.jsonl --steps 1000 --batch 16 --out runs/ret', 'contrastive fine-tuning (MNRL) for dense retrieval'],
    ['$0 finetune sst2 --resume runs/finetune-sst2', 'continue after Ctrl-C or a crash'],
  ],
  epilog: `Tasks: ${taskHelp(FINETUNE_TASKS)}. ${DATA_HELP} The run folder is written by the same training loop as pretrain: log.jsonl, loss.svg and checkpoints/step-N/; a non-finite loss stops the run; Ctrl-C saves a checkpoint (exit 130).`,
  run: async (args) => (await import('../handlers/finetune.js')).runFinetune(args),
};

export const evalCommand: CommandSpec = {
  command: 'eval <task>',
  describe: 'Evaluate a checkpoint on a task\'s test set (a fine-tuned one, or any checkpoint for retrieval and squad-retrieval)',
  positionals: { task: { type: 'string', choices: [...EVAL_TASKS], describe: 'task to evaluate' } },
  options: {
    ...DATA_OPTIONS,
    checkpoint: { type: 'string', demandOption: true, describe: 'model to score: a finetune run folder, its model/ folder, or a pretrained run/checkpoint (squad-retrieval)' },
    split: { type: 'string', choices: ['test', 'dev', 'train'], default: 'test', describe: 'which split to score (retrieval: the qrels/<split>.tsv file)' },
    out: { type: 'string', describe: 'also write metrics.json into this folder' },
    ...RETRIEVAL_EVAL_OPTIONS,
  },
  examples: [
    ['$0 eval sst2 --checkpoint runs/finetune-sst2', 'accuracy of a fine-tuned model on the SST-2 test set'],
    ['$0 eval squad-retrieval --checkpoint runs/pretrain-1 --eval-limit 500', 'zero-shot passage retrieval with mean-pooled embeddings'],
    ['$0 eval niah --checkpoint runs/finetune-niah/model --eval-lens 16384 --eval-limit 20', 'a fine-tuned NIAH model at 16k tokens'],
    ['$0 eval classify --checkpoint runs/my-classifier --test new.tsv', 'score a fine-tuned classifier on a new file'],
    ['$0 eval tag --checkpoint runs/my-tagger --test new.conll', 'score a fine-tuned tagger on a new CoNLL file'],
    ['$0 eval retrieval --checkpoint runs/ret --beir data/scifact --bm25', 'nDCG@10 / MRR@10 / recall@100 on a BEIR folder, BM25 beside it'],
  ],
  epilog: `Tasks: ${taskHelp(EVAL_TASKS)}. ${DATA_HELP}`,
  run: async (args) => (await import('../handlers/eval.js')).runEval(args),
};
