import type { CommandSpec } from '../spec.js';

export const forwardCommand: CommandSpec = {
  command: 'forward',
  describe: 'Run one forward pass (@avey/avey-b runForward) and print the output shapes and statistics; optionally save outputs and gradients',
  options: {
    checkpoint: { type: 'string', describe: 'model folder (config.json + model.safetensors); default: a freshly initialised --preset Avey-B' },
    preset: { type: 'string', choices: ['tiny', 'small', 'base'], default: 'tiny', describe: 'model size when no --checkpoint is given' },
    input: { type: 'string', describe: 'safetensors file with input_ids [B,T] (and optional labels, attention_mask, start_positions/end_positions)' },
    text: { type: 'string', describe: 'input text instead (needs a checkpoint with tokenizer.json)' },
    ids: { type: 'string', describe: 'input token ids instead, comma-separated' },
    'max-len': { type: 'number', default: 64, integer: true, min: 1, deprecatedAliases: ['seq-len'], describe: 'length of seeded random input ids when no --input/--text/--ids' },
    batch: { type: 'number', default: 1, integer: true, min: 1, describe: 'batch size of the random input ids' },
    head: { type: 'string', choices: ['mlm', 'seqcls', 'tokcls', 'qa'], describe: 'head to run (default: the checkpoint\'s architecture)' },
    grads: { type: 'boolean', default: false, describe: 'also write grad.<name> of every parameter (needs labels in --input)' },
    out: { type: 'string', deprecatedAliases: ['output'], describe: 'folder to write outputs.safetensors into (last_hidden_state, logits, loss, grad.*)' },
  },
  examples: [
    ['$0 forward --max-len 512', 'seeded random ids through a fresh tiny Avey-B'],
    ['$0 forward --checkpoint runs/pretrain-1 --text "hello world" --out out/', 'save the outputs of a trained model'],
    ['$0 forward --checkpoint ckpt/ --input batch.safetensors --grads --out grads/', 'outputs and gradients, for parity checks against PyTorch'],
  ],
  run: async (args) => (await import('../handlers/forward.js')).runForwardCommand(args),
};

export const fillMaskCommand: CommandSpec = {
  command: 'fill-mask <text>',
  describe: 'Predict the tokens hidden behind [MASK] in a text, with probabilities',
  positionals: { text: { type: 'string', describe: 'text containing one or more [MASK] markers' } },
  options: {
    checkpoint: { type: 'string', demandOption: true, describe: 'pretrained model folder (a run folder or checkpoint with tokenizer.json)' },
    'top-k': { type: 'number', default: 5, integer: true, min: 1, describe: 'how many candidates to show per mask' },
  },
  examples: [
    ['$0 fill-mask "The capital of France is [MASK]." --checkpoint runs/pretrain-1', 'top-5 tokens with probabilities'],
    ['$0 fill-mask "a [MASK] day" --checkpoint runs/pretrain-1 --top-k 10 --json', 'as JSON'],
  ],
  run: async (args) => (await import('../handlers/fill-mask.js')).runFillMask(args),
};

export const embedCommand: CommandSpec = {
  command: 'embed [texts..]',
  describe: 'Compute sentence embeddings (mean-pooled final hidden states) and write them as JSONL',
  positionals: { texts: { type: 'string', array: true, describe: 'texts to embed (or use --input)' } },
  options: {
    checkpoint: { type: 'string', demandOption: true, describe: 'model folder (a run folder or checkpoint with tokenizer.json)' },
    input: { type: 'string', describe: 'file with one text per line ("-" = stdin)' },
    out: { type: 'string', describe: 'folder to write embeddings.jsonl into, one {"text", "embedding"} per line (default: stdout)' },
    normalize: { type: 'boolean', default: true, describe: 'L2-normalise each embedding (use --no-normalize to keep raw means)' },
    batch: { type: 'number', default: 16, integer: true, min: 1, describe: 'texts per forward pass' },
    'max-len': { type: 'number', default: 512, integer: true, min: 1, describe: 'truncate each text to this many tokens' },
  },
  examples: [
    ['$0 embed "first sentence" "second one" --checkpoint runs/pretrain-1', 'two embeddings on stdout'],
    ['$0 embed --input sentences.txt --out emb/ --checkpoint runs/pretrain-1', 'a file, one text per line'],
  ],
  run: async (args) => (await import('../handlers/embed.js')).runEmbed(args),
};
