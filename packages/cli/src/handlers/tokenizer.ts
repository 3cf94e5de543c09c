// `avey tokenizer train`: byte-level BPE on the built-in corpus or the user's files.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RawArgs } from '../spec.js';
import { outputFileIn } from '../lib/files.js';
import { openCorpus, type CorpusUnit } from '../lib/corpus.js';
import { trainTokenizer } from '../lib/train-tokenizer.js';
import { formatDuration } from '../util/format.js';

export interface TokenizerTrainArgs {
  corpus?: string[];
  corpusUnit: CorpusUnit;
  vocabSize: number;
  minFrequency: number;
  out: string;
}

export async function runTokenizerTrain(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & TokenizerTrainArgs;
  const out = await outputFileIn(a.out, 'tokenizer.json', { command: 'tokenizer train', legacyExts: ['.json'] });
  const corpus = await openCorpus(a.corpus, { unit: a.corpusUnit });
  for (const line of corpus.notes) process.stderr.write(`${line}\n`);
  const t0 = performance.now();
  const { tok, report, documents, warning } = await trainTokenizer(corpus.train, a.vocabSize, {
    minFrequency: a.minFrequency,
    onProgress: (done, target) => {
      if (a.verbose) process.stderr.write(`merges ${done}/${target}\n`);
    },
  });
  process.stderr.write(`read ${documents} documents (${(report.charsSeen / 1e6).toFixed(1)} M characters) from the ${corpus.describe}\n`);
  if (warning) process.stderr.write(`${warning}\n`);
  mkdirSync(dirname(out), { recursive: true });
  tok.save(out);
  const summary = {
    out,
    vocab_size: tok.vocabSize,
    vocab_size_requested: report.requested,
    merges_stopped: report.stop,
    documents,
    characters: report.charsSeen,
    corpus: corpus.describe,
    seconds: Math.round(performance.now() - t0) / 1000,
  };
  if (a.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`wrote ${out}: ${tok.vocabSize} tokens, trained on ${documents} documents in ${formatDuration(performance.now() - t0)}\n`);
}
