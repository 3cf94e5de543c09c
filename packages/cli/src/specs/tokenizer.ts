import type { GroupSpec } from '../spec.js';

export const tokenizerCommand: GroupSpec = {
  command: 'tokenizer',
  describe: 'Tokenizer tools (train a byte-level BPE tokenizer in the Hugging Face tokenizer.json format)',
  examples: [['$0 tokenizer train --vocab-size 8192 --out tok/', 'train on the built-in corpus']],
  subcommands: [
    {
      command: 'train',
      describe: 'Train a byte-level BPE tokenizer on text files and write tokenizer.json',
      options: {
        corpus: {
          type: 'array',
          string: true,
          describe: 'text files (.txt; .jsonl with a "text" field) or folders of them; default: the built-in corpus',
        },
        'corpus-unit': {
          type: 'string',
          choices: ['auto', 'line', 'paragraph'],
          default: 'auto',
          describe: 'how text files become documents (as for `avey pretrain`)',
        },
        'vocab-size': { type: 'number', default: 8192, integer: true, min: 262, describe: 'vocabulary size including the special tokens' },
        'min-frequency': { type: 'number', default: 2, integer: true, min: 1, describe: 'merge only pairs seen at least this often' },
        out: { type: 'string', default: '.', describe: 'folder to write tokenizer.json into (Hugging Face format)' },
      },
      examples: [
        ['$0 tokenizer train', 'train on the built-in corpus, write ./tokenizer.json'],
        ['$0 tokenizer train --corpus data/*.txt --vocab-size 16000 --out tok/', 'train on your own text files'],
      ],
      run: async (args) => (await import('../handlers/tokenizer.js')).runTokenizerTrain(args),
    },
  ],
};
