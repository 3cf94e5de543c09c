import { DataError } from '../errors.js';
import { BYTE_TO_CHAR, GPT2_SPLIT } from './bytelevel.js';
import type { TokenizerJson } from './json-types.js';
import { Tokenizer } from './tokenizer.js';
import { pairMultiplier } from './models.js';

/** Special tokens of a trained tokenizer, at ids 0…5 in this order. [EOS] ends every document. */
export const DEFAULT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '[EOS]'] as const;

export interface BpeTrainOptions {
  /** Final vocabulary size, special tokens and the 256 byte tokens included (e.g. 8192–16384). */
  vocabSize: number;
  /** Stop merging when the best pair occurs fewer times than this (default 2). */
  minFrequency?: number;
  /** Default DEFAULT_SPECIAL_TOKENS. */
  specialTokens?: readonly string[];
  /** Called every 1000 merges with (merges done, target). */
  onProgress?: (done: number, target: number) => void;
}

const enc = new TextEncoder();

/** What a finished BpeTrainer reached (`trainer.report`), e.g. to warn when the text was too small. */
export interface BpeTrainReport {
  /** vocabSize asked for, and the size reached (specials + 256 bytes + merges). */
  requested: number;
  reached: number;
  merges: number;
  /**
   * Why merging stopped: 'size' — the requested size was reached; 'min-frequency' — the most
   * frequent remaining pair occurs fewer than `minFrequency` times; 'no-pairs' — every pre-token is
   * already a single token (or there was no text).
   */
  stop: 'size' | 'min-frequency' | 'no-pairs';
  minFrequency: number;
  /** Characters of text fed, and distinct pre-tokens (≈ words) among them. */
  charsSeen: number;
  distinctPretokens: number;
}

/** Max-heap on (count desc, key asc): ties break towards the pair of older (smaller) ids. */
class PairHeap {
  private c: number[] = [];
  private k: number[] = [];
  get size(): number { return this.c.length; }
  private before(i: number, j: number): boolean {
    return this.c[i] > this.c[j] || (this.c[i] === this.c[j] && this.k[i] < this.k[j]);
  }
  private swap(i: number, j: number): void {
    [this.c[i], this.c[j]] = [this.c[j], this.c[i]];
    [this.k[i], this.k[j]] = [this.k[j], this.k[i]];
  }
  push(count: number, key: number): void {
    this.c.push(count); this.k.push(key);
    let i = this.c.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p); i = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.c[0], this.k[0]];
    const lc = this.c.pop() as number;
    const lk = this.k.pop() as number;
    if (this.c.length) {
      this.c[0] = lc; this.k[0] = lk;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.c.length && this.before(l, m)) m = l;
        if (r < this.c.length && this.before(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m); i = m;
      }
    }
    return top;
  }
}

/**
 * Byte-level BPE trainer (GPT-2 style). Feed text incrementally (streaming: only the pre-token
 * counts are kept), then `finish()`. Deterministic: pre-tokens are sorted before training and pair
 * ties break on token ids, so the same corpus gives the same vocab and merges whatever the order in
 * which its texts were fed.
 */
export class BpeTrainer {
  private readonly counts = new Map<string, number>();
  /** Characters (UTF-16 code units) of text fed so far. */
  bytesSeen = 0;
  /** Set by finish(): the vocabulary size reached and why merging stopped. */
  report: BpeTrainReport | null = null;

  constructor(readonly opts: BpeTrainOptions) {
    const specials = opts.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
    if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < specials.length + 256) {
      throw new DataError(`trainBpe: vocabSize must be an integer ≥ ${specials.length + 256} (specials + 256 bytes), got ${opts.vocabSize}`);
    }
    if (new Set(specials).size !== specials.length) throw new DataError('trainBpe: duplicate special tokens');
  }

  /** Counts the GPT-2 pre-tokens of `text`. */
  feed(text: string): void {
    this.bytesSeen += text.length;
    const re = GPT2_SPLIT;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    const counts = this.counts;
    while ((m = re.exec(text)) !== null) {
      const w = m[0];
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }

  finish(): Tokenizer {
    const { vocabSize } = this.opts;
    // pair key (a, b) → a·KEY + b; small-integer keys (Smis) when ids < 2^15
    const KEY = pairMultiplier(vocabSize - 1);
    const minFreq = this.opts.minFrequency ?? 2;
    const specials = this.opts.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
    // vocab: specials, then the 256 byte characters in byte order, then merges in creation order
    const idToStr: string[] = [...specials];
    const strToId = new Map<string, number>();
    specials.forEach((s, i) => strToId.set(s, i));
    const byteBase = specials.length;
    for (let b = 0; b < 256; b++) {
      const c = BYTE_TO_CHAR[b];
      if (strToId.has(c)) throw new DataError(`trainBpe: special token '${c}' collides with a byte character`);
      strToId.set(c, idToStr.length);
      idToStr.push(c);
    }
    // words: unique pre-tokens (sorted: order-independent), as byte-token id sequences
    const uniq = [...this.counts.keys()].sort();
    const words: Int32Array[] = new Array(uniq.length);
    const freq = new Float64Array(uniq.length);
    for (let w = 0; w < uniq.length; w++) {
      const bytes = enc.encode(uniq[w]);
      const ids = new Int32Array(bytes.length);
      for (let i = 0; i < bytes.length; i++) ids[i] = byteBase + bytes[i];
      words[w] = ids;
      freq[w] = this.counts.get(uniq[w]) as number;
    }
    // pair statistics
    const pairCount = new Map<number, number>();
    const pairWords = new Map<number, number[]>();
    for (let w = 0; w < words.length; w++) {
      const s = words[w];
      for (let i = 0; i + 1 < s.length; i++) {
        const k = s[i] * KEY + s[i + 1];
        pairCount.set(k, (pairCount.get(k) ?? 0) + freq[w]);
        const ws = pairWords.get(k);
        if (ws === undefined) pairWords.set(k, [w]);
        else if (ws[ws.length - 1] !== w) ws.push(w);
      }
    }
    const heap = new PairHeap();
    for (const [k, c] of pairCount) heap.push(c, k);

    const merges: [string, string][] = [];
    const seen = new Int32Array(words.length).fill(-1);
    const target = vocabSize - idToStr.length;
    let stop: BpeTrainReport['stop'] = 'no-pairs';
    for (;;) {
      if (idToStr.length >= vocabSize) { stop = 'size'; break; }
      if (heap.size === 0) { stop = 'no-pairs'; break; }
      const [c, k] = heap.pop();
      const cur = pairCount.get(k) ?? 0;
      if (cur !== c) {
        if (cur > 0) heap.push(cur, k); // stale (over-estimated) entry: requeue with the true count
        continue;
      }
      if (c < minFreq) { stop = 'min-frequency'; break; }
      const a = Math.floor(k / KEY);
      const b = k - a * KEY;
      const newStr = idToStr[a] + idToStr[b];
      let newId = strToId.get(newStr);
      if (newId === undefined) {
        newId = idToStr.length;
        idToStr.push(newStr);
        strToId.set(newStr, newId);
      }
      merges.push([idToStr[a], idToStr[b]]);
      const mergeNo = merges.length;
      // apply the merge to every word holding the pair; update counts by (new pairs − old pairs)
      const delta = new Map<number, number>();
      const holders = pairWords.get(k) ?? [];
      for (const w of holders) {
        if (seen[w] === mergeNo) continue;
        seen[w] = mergeNo;
        const s = words[w];
        let has = false;
        for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) { has = true; break; }
        if (!has) continue;
        const f = freq[w];
        for (let i = 0; i + 1 < s.length; i++) {
          const pk = s[i] * KEY + s[i + 1];
          delta.set(pk, (delta.get(pk) ?? 0) - f);
        }
        const out: number[] = [];
        for (let i = 0; i < s.length; i++) {
          if (i + 1 < s.length && s[i] === a && s[i + 1] === b) { out.push(newId); i++; } else out.push(s[i]);
        }
        const ns = Int32Array.from(out);
        words[w] = ns;
        for (let i = 0; i + 1 < ns.length; i++) {
          const pk = ns[i] * KEY + ns[i + 1];
          delta.set(pk, (delta.get(pk) ?? 0) + f);
          if (ns[i] === newId || ns[i + 1] === newId) {
            const ws = pairWords.get(pk);
            if (ws === undefined) pairWords.set(pk, [w]);
            else if (ws[ws.length - 1] !== w) ws.push(w);
          }
        }
      }
      pairWords.delete(k);
      for (const [pk, d] of delta) {
        if (d === 0) continue;
        const nc = (pairCount.get(pk) ?? 0) + d;
        if (nc <= 0) pairCount.delete(pk);
        else pairCount.set(pk, nc);
        if (d > 0) heap.push(nc, pk);
      }
      if (this.opts.onProgress && mergeNo % 1000 === 0) this.opts.onProgress(mergeNo, target);
    }

    this.report = { requested: vocabSize, reached: idToStr.length, merges: merges.length, stop, minFrequency: minFreq, charsSeen: this.bytesSeen, distinctPretokens: uniq.length };
    const vocab: Record<string, number> = {};
    idToStr.forEach((s, i) => { vocab[s] = i; });
    const json: TokenizerJson = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
        fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
      },
    };
    return Tokenizer.fromJSON(json);
  }
}

/** Trains a byte-level BPE tokenizer on an iterable of texts (documents). */
export function trainBpe(texts: Iterable<string>, opts: BpeTrainOptions): Tokenizer {
  const t = new BpeTrainer(opts);
  for (const x of texts) t.feed(x);
  return t.finish();
}
