// `avey tokenizer train`: byte-level BPE on the built-in corpus or the user's files.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RawArgs } from '../spec.js';
import { openCorpus } from '../lib/corpus.js';
import { formatDuration } from '../util/format.js';

export interface TokenizerTrainArgs {
  corpus?: string[];
  vocabSize: number;
  minFrequency: number;
  out: string;
}

export async function runTokenizerTrain(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & TokenizerTrainArgs;
  const { BpeTrainer } = await import('@avey/data');
  const corpus = await openCorpus(a.corpus);
  const t0 = performance.now();
  const trainer = new BpeTrainer({
    vocabSize: a.vocabSize,
    minFrequency: a.minFrequency,
    onProgress: (done, target) => {
      if (a.verbose) process.stderr.write(`merges ${done}/${target}\n`);
    },
  });
  let docs = 0;
  for (const { doc } of corpus.train.iterate(0)) {
    trainer.feed(doc.text);
    docs++;
  }
  process.stderr.write(`read ${docs} documents (${(trainer.bytesSeen / 1e6).toFixed(1)} MB) from the ${corpus.describe}; merging…\n`);
  const tok = trainer.finish();
  const out = resolve(a.out);
  mkdirSync(dirname(out), { recursive: true });
  tok.save(out);
  const summary = {
    out,
    vocab_size: tok.vocabSize,
    documents: docs,
    bytes: trainer.bytesSeen,
    corpus: corpus.describe,
    seconds: Math.round(performance.now() - t0) / 1000,
  };
  if (a.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`wrote ${out}: ${tok.vocabSize} tokens, trained on ${docs} documents in ${formatDuration(performance.now() - t0)}\n`);
}
