// Training a byte-level BPE tokenizer on a corpus, and saying so when the text was too small for
// the vocabulary asked for (the trainer stops merging when no pair repeats).
import type { BpeTrainReport, DocumentSource, Tokenizer } from '@avey/data';
import { formatCount } from '../util/format.js';

export interface TrainedTokenizer {
  tok: Tokenizer;
  report: BpeTrainReport;
  documents: number;
  /** A warning line when the vocabulary is smaller than asked for (null otherwise). */
  warning: string | null;
}

/** The warning for a vocabulary smaller than requested, with both numbers and the reason. */
export function vocabularyWarning(r: BpeTrainReport, flag = '--vocab-size'): string | null {
  if (r.reached >= r.requested) return null;
  const text = `${formatCount(r.charsSeen)} characters, ${formatCount(r.distinctPretokens)} distinct words`;
  const why =
    r.stop === 'min-frequency'
      ? `after ${formatCount(r.merges)} merges no pair of tokens occurs ${r.minFrequency} or more times in the training text (${text})`
      : `the training text (${text}) has no pair of tokens left to merge`;
  return `warning: the tokenizer has ${r.reached} tokens, not the ${r.requested} asked for: ${why}. The model is built for ${r.reached} tokens. Train on more text, or pass a smaller ${flag}.`;
}

/** Trains on every document of `train` (streamed: only word counts are kept), or on its first
 *  documents up to `maxChars` characters. */
export async function trainTokenizer(
  train: DocumentSource,
  vocabSize: number,
  opts: { minFrequency?: number; onProgress?: (done: number, target: number) => void; flag?: string; maxChars?: number } = {},
): Promise<TrainedTokenizer> {
  const { BpeTrainer } = await import('@avey/data');
  const t = new BpeTrainer({ vocabSize, minFrequency: opts.minFrequency, onProgress: opts.onProgress });
  let documents = 0;
  for (const { doc } of train.iterate(0)) {
    t.feed(doc.text);
    documents++;
    if (opts.maxChars !== undefined && t.bytesSeen >= opts.maxChars) break; // a sample: the first maxChars characters (whole documents)
  }
  const tok = t.finish();
  const report = t.report as BpeTrainReport;
  return { tok, report, documents, warning: vocabularyWarning(report, opts.flag) };
}
