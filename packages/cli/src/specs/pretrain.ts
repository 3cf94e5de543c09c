import type { CommandSpec, OptionSpec } from '../spec.js';

/** Options shared by everything that trains (pretrain, bench train). */
export const MODEL_OPTIONS: Record<string, OptionSpec> = {
  model: { type: 'string', choices: ['avey-b', 'transformer'], default: 'avey-b', describe: 'architecture: Avey-B or the Transformer (BERT-style) baseline' },
  preset: { type: 'string', choices: ['tiny', 'small', 'base'], default: 'tiny', describe: 'model size preset (see `avey info`)' },
  config: { type: 'string', describe: 'JSON file of model config fields (HF config.json names) applied over the preset' },
};

export const pretrainCommand: CommandSpec = {
  command: 'pretrain',
  describe:
    'Pretrain with masked language modelling. With no options: the budget recipe, a tiny Avey-B on the built-in corpus for 4 minutes of wall time, ending below the unigram reference loss, then three fill-mask probes',
  options: {
    ...MODEL_OPTIONS,
    corpus: {
      type: 'array',
      string: true,
      describe: 'training text: files (.txt, .jsonl with a "text" field) or folders; default: the built-in corpus shipped with @avey/data (see docs/guides/train-on-your-text.md)',
    },
    'corpus-unit': {
      type: 'string',
      choices: ['auto', 'line', 'paragraph'],
      default: 'auto',
      describe: 'how text files become documents: one per line, one per blank-line-separated paragraph, or auto (paragraphs where the file has blank lines, else lines); longer than 32 KiB is cut at a sentence end',
    },
    'validation-corpus': {
      type: 'array',
      string: true,
      describe: 'held-out text files or folders for the held-out loss; default: 5 % of the corpus documents (by a hash of their ids; the last 5 % when that leaves a side empty)',
    },
    tokenizer: { type: 'string', describe: 'tokenizer.json to use; default: train one on the corpus (saved with the checkpoint), or --init\'s' },
    init: { type: 'string', describe: 'start from this checkpoint folder\'s weights (official Avey-B or ours) with a fresh optimiser: continued pretraining; uses its tokenizer.json' },
    batches: { type: 'string', describe: 'replay pre-tokenized batches from this safetensors file (integer input_ids and labels [N, B, T], -100 = not scored) instead of the corpus' },
    'vocab-size': { type: 'number', integer: true, min: 262, describe: 'vocabulary size when a tokenizer is trained (default: 2048 for the tiny preset, the budget recipe; else the preset\'s or --config\'s). On the built-in corpus it is trained on a 4M-character sample of the shuffled training documents' },
    batch: { type: 'number', default: 8, integer: true, min: 1, describe: 'sequences per micro-batch' },
    'max-len': { type: 'number', default: 128, integer: true, min: 2, deprecatedAliases: ['seq-len'], describe: 'tokens per sequence (packed: every sequence is this long)' },
    steps: { type: 'number', integer: true, min: 1, describe: 'optimiser steps in total, instead of a --budget (with --resume: a new, larger total); with neither, a 4-minute budget' },
    budget: {
      type: 'string',
      describe:
        'wall-time budget instead of --steps, e.g. 90s, 20m, 2h, 1h30m: the total step count is planned from the measured step time and re-planned as the run goes, so the LR schedule ends and the run stops on time with a checkpoint (the budget counts from the start of the command; with --resume: a new, larger total budget)',
    },
    lr: { type: 'number', default: 2e-3, gt: 0, describe: 'peak learning rate' },
    schedule: {
      type: 'string',
      choices: ['warmup-cosine', 'warmup-linear', 'constant'],
      default: 'warmup-cosine',
      describe: 'learning-rate schedule (the paper: linear warmup over 10%, cosine decay to 0)',
    },
    'warmup-ratio': { type: 'number', default: 0.1, min: 0, max: 1, deprecatedAliases: ['warmup'], describe: 'learning-rate warmup as a fraction of the total steps' },
    'warmup-steps': { type: 'number', integer: true, min: 0, describe: 'learning-rate warmup in steps (instead of --warmup-ratio); the schedule is 0-based: step s < K uses lr·s/K' },
    'adam-beta1': { type: 'number', default: 0.9, min: 0, max: 0.999999, describe: 'AdamW β1' },
    'adam-beta2': { type: 'number', default: 0.95, min: 0, max: 0.999999, describe: 'AdamW β2' },
    'adam-eps': { type: 'number', default: 1e-8, gt: 0, describe: 'AdamW eps (added to √v̂)' },
    'weight-decay': { type: 'number', default: 0.01, min: 0, describe: 'AdamW weight decay (matrices only, as in the paper)' },
    'grad-clip': { type: 'number', default: 1, min: 0, describe: 'clip the global gradient norm to this (0 = off)' },
    'grad-accum': { type: 'number', default: 1, integer: true, min: 1, describe: 'micro-batches per optimiser step' },
    'mask-rate': { type: 'number', default: 0.2, gt: 0, max: 0.95, describe: 'fraction of tokens masked (the paper: 0.2, all replaced by the mask token)' },
    'eval-interval': { type: 'number', default: 100, integer: true, min: 0, describe: 'evaluate the held-out MLM loss every N steps (0 = only at the end)' },
    'eval-batches': { type: 'number', default: 8, integer: true, min: 1, describe: 'held-out batches per evaluation' },
    'log-interval': { type: 'number', default: 1, integer: true, min: 1, describe: 'write a log.jsonl record every N steps' },
    'save-interval': { type: 'number', default: 250, integer: true, min: 1, describe: 'write a checkpoint every N steps (and at the end)' },
    keep: { type: 'number', default: 2, integer: true, min: 1, describe: 'keep only the newest N checkpoints' },
    out: { type: 'string', describe: 'run folder to create (default: runs/pretrain-<date>-<time>)' },
    resume: {
      type: 'string',
      describe: 'continue a run exactly where it stopped: its folder or one of its checkpoints (other settings come from the run; --steps may raise the total)',
    },
  },
  examples: [
    ['$0 pretrain', 'the default: --budget 4m, tiny Avey-B with a 2048-token vocabulary, built-in corpus, batches of 8×128 tokens'],
    ['$0 pretrain --budget 20m --out runs/20m', 'the same recipe for 20 minutes'],
    ['$0 pretrain --corpus reviews.txt --steps 200 --out runs/reviews', 'your own text: a .txt file, one document per line or per blank-line paragraph'],
    ['$0 pretrain --preset small --corpus wiki/ --steps 20000 --batch 16 --max-len 512 --out runs/small', 'a bigger run on a folder of text files'],
    ['$0 pretrain --resume runs/small', 'continue after Ctrl-C or a crash (bit-identical losses on CPU)'],
    ['$0 pretrain --model transformer --steps 200 --json', 'the Transformer baseline, JSON summary on stdout'],
    ['$0 pretrain --init avey-b-base/ --corpus my-text/ --lr 1e-4 --steps 2000', 'continued pretraining from a checkpoint folder (official or ours) with its tokenizer'],
    ['$0 pretrain --init ckpt/ --batches batches.safetensors --steps 25 --warmup-steps 5 --eval-interval 0 --json', 'replay pre-tokenized batches (e.g. to compare a run with PyTorch)'],
  ],
  epilog:
    'The run folder holds run.json, log.jsonl (one record per step), loss.svg and checkpoints/step-N/ (config.json + model.safetensors + tokenizer.json + optimizer/scheduler/data/RNG state). Ctrl-C saves a checkpoint and exits with code 130. Every evaluation also reports `unigram`: the held-out loss of an add-one-smoothed unigram model of the training tokens seen so far, on the same masked positions (the --json summary: `final_eval_loss`, `unigram_eval_loss`); a model that is not clearly below it has not learned to use the context.',
  run: async (args) => (await import('../handlers/pretrain.js')).runPretrain(args),
};
