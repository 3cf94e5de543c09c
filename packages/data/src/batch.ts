import { DataError } from './errors.js';
import { DataRng, mixSeed } from './rng.js';

/** A padded batch as plain typed arrays, row-major over shape [B, T]. */
export interface PaddedBatch {
  /** (B, T) ids, `padId` after each sequence's end. */
  inputIds: Int32Array;
  /** (B, T) 1 on real tokens, 0 on padding. */
  attentionMask: Int32Array;
  /** (B, T) labels (−100 on padding), when token labels were given. */
  labels: Int32Array | null;
  shape: [number, number];
}

/**
 * Right-pads sequences to the longest one (or `length`) into one (B, T) batch. Token labels, if
 * given, are padded with −100. Sequences longer than `length` are a DataError (truncate first).
 */
export function padBatch(seqs: readonly ArrayLike<number>[], padId: number, opts: { labels?: readonly ArrayLike<number>[]; length?: number } = {}): PaddedBatch {
  const B = seqs.length;
  if (B === 0) throw new DataError('padBatch: no sequences');
  const T = opts.length ?? Math.max(...seqs.map((s) => s.length));
  if (opts.labels && opts.labels.length !== B) throw new DataError(`padBatch: ${opts.labels.length} label rows for ${B} sequences`);
  const inputIds = new Int32Array(B * T).fill(padId);
  const attentionMask = new Int32Array(B * T);
  const labels = opts.labels ? new Int32Array(B * T).fill(-100) : null;
  seqs.forEach((s, b) => {
    if (s.length > T) throw new DataError(`padBatch: sequence ${b} has ${s.length} tokens > length ${T}`);
    for (let t = 0; t < s.length; t++) { inputIds[b * T + t] = s[t]; attentionMask[b * T + t] = 1; }
    if (labels && opts.labels) {
      const l = opts.labels[b];
      if (l.length !== s.length) throw new DataError(`padBatch: sequence ${b} has ${s.length} tokens but ${l.length} labels`);
      for (let t = 0; t < l.length; t++) labels[b * T + t] = l[t];
    }
  });
  return { inputIds, attentionMask, labels, shape: [B, T] };
}

/** What `encodeInput` needs from a tokenizer. */
export interface InputTokenizer {
  encodeIds(text: string): number[];
  readonly special: { eos: number | null };
}

/**
 * The paper's fine-tuning input: the text tokenized without special tokens, truncated to
 * `maxLength − 1` tokens, then EOS appended. Use `pairText(a, b)` for sentence pairs.
 */
export function encodeInput(tok: InputTokenizer, text: string, maxLength = Infinity): Int32Array {
  const eos = tok.special.eos;
  if (eos === null) throw new DataError('encodeInput: the tokenizer has no EOS token');
  if (maxLength < 2) throw new DataError(`encodeInput: maxLength must be ≥ 2, got ${maxLength}`);
  const ids = tok.encodeIds(text);
  const n = Math.min(ids.length, maxLength - 1);
  const out = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) out[i] = ids[i];
  out[n] = eos;
  return out;
}

/**
 * Index batches over n examples for one epoch: a seeded shuffle (DataRng(mixSeed(seed, epoch)))
 * or the natural order, cut into groups of `batchSize` (the last one shorter unless `dropLast`).
 */
export function batchIndices(n: number, batchSize: number, opts: { seed?: number; epoch?: number; shuffle?: boolean; dropLast?: boolean } = {}): Int32Array[] {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new DataError(`batchIndices: batchSize must be a positive integer, got ${batchSize}`);
  const order = Array.from({ length: n }, (_, i) => i);
  if (opts.shuffle ?? true) new DataRng(mixSeed(opts.seed ?? 0, opts.epoch ?? 0)).shuffle(order);
  const out: Int32Array[] = [];
  for (let i = 0; i < n; i += batchSize) {
    if (opts.dropLast && i + batchSize > n) break;
    out.push(Int32Array.from(order.slice(i, i + batchSize)));
  }
  return out;
}
