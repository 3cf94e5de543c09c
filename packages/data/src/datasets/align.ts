import { DataError } from '../errors.js';

/** What alignment needs from a tokenizer. */
export interface AlignTokenizer {
  encode(text: string, opts?: { addSpecialTokens?: boolean }): { ids: number[]; offsets: [number, number][] };
  readonly special: { eos: number | null };
}

export interface WordEncoding {
  ids: number[];
  /** Word index of each token (null for the appended EOS and for tokens covering no word). */
  wordIds: (number | null)[];
}

/**
 * Encodes pre-split words (UD / IOB tokens) as the text `words.join(' ')` (the paper's word-level
 * tasks: add_special_tokens = false, EOS appended) and maps every token to the word its span starts
 * in. `maxLength` truncates (the EOS is kept as the last token).
 */
export function encodeWords(tok: AlignTokenizer, words: readonly string[], opts: { appendEos?: boolean; maxLength?: number } = {}): WordEncoding {
  if (words.length === 0) throw new DataError('encodeWords: empty word list');
  const starts: number[] = [];
  let pos = 0;
  for (const w of words) { starts.push(pos); pos += w.length + 1; }
  const enc = tok.encode(words.join(' '), { addSpecialTokens: false });
  const ids = enc.ids.slice();
  const wordIds: (number | null)[] = [];
  let w = 0;
  for (const [s] of enc.offsets) {
    while (w + 1 < words.length && starts[w + 1] <= s) w++;
    // a token starting in the separator space before word w+1 belongs to w+1
    const inWord = s >= starts[w] && s < starts[w] + Math.max(1, words[w].length);
    wordIds.push(inWord ? w : (w + 1 < words.length ? w + 1 : null));
  }
  if (opts.appendEos ?? true) {
    if (tok.special.eos === null) throw new DataError('encodeWords: the tokenizer has no EOS token');
    ids.push(tok.special.eos); wordIds.push(null);
  }
  if (opts.maxLength !== undefined && ids.length > opts.maxLength) {
    const keepEos = opts.appendEos ?? true;
    const n = keepEos ? opts.maxLength - 1 : opts.maxLength;
    const lastId = ids[ids.length - 1];
    ids.length = n; wordIds.length = n;
    if (keepEos) { ids.push(lastId); wordIds.push(null); }
  }
  return { ids, wordIds };
}

/**
 * Word labels → token labels. 'all' (the paper): every sub-token gets its word's label;
 * 'first': only the first sub-token, −100 on the others. Tokens of no word get −100.
 */
export function alignLabels(wordIds: readonly (number | null)[], wordLabels: ArrayLike<number>, mode: 'all' | 'first' = 'all'): Int32Array {
  const out = new Int32Array(wordIds.length).fill(-100);
  let prev: number | null = null;
  for (let i = 0; i < wordIds.length; i++) {
    const w = wordIds[i];
    if (w !== null) {
      if (w >= wordLabels.length) throw new DataError(`alignLabels: token ${i} maps to word ${w}, but only ${wordLabels.length} word labels were given`);
      if (mode === 'all' || w !== prev) out[i] = wordLabels[w];
    }
    prev = w;
  }
  return out;
}

/**
 * Token predictions → word predictions. 'majority' (the paper's eval): the most frequent label
 * among the word's sub-tokens, ties to the label seen first; 'first': the first sub-token's label.
 * Words with no token (truncated away) get −1.
 */
export function wordPredictions(tokenPreds: ArrayLike<number>, wordIds: readonly (number | null)[], nWords: number, mode: 'majority' | 'first' = 'majority'): number[] {
  if (tokenPreds.length < wordIds.length) throw new DataError(`wordPredictions: ${tokenPreds.length} predictions for ${wordIds.length} tokens`);
  const votes: Map<number, number>[] = Array.from({ length: nWords }, () => new Map());
  for (let i = 0; i < wordIds.length; i++) {
    const w = wordIds[i];
    if (w === null) continue;
    const m = votes[w];
    if (mode === 'first' && m.size) continue;
    m.set(tokenPreds[i], (m.get(tokenPreds[i]) ?? 0) + 1);
  }
  return votes.map((m) => {
    let best = -1;
    let bestN = 0;
    for (const [lab, n] of m) if (n > bestN) { best = lab; bestN = n; } // Map keeps first-seen order
    return best;
  });
}
