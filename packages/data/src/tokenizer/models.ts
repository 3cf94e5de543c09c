import { DataError } from '../errors.js';
import type { BpeModelJson, ModelJson, WordPieceModelJson } from './json-types.js';

/** Model output for one pre-token: ids and, per token, its [start, end) in the pre-token's units. */
export interface ModelOutput {
  ids: number[];
  starts: number[];
  ends: number[];
}

export interface Model {
  readonly vocab: Map<string, number>;
  tokenize(s: string): ModelOutput;
  toJSON(): ModelJson;
}

/**
 * Pair key for merge ranks: (a, b) → a·M + b. M = 2^15 when every id < 2^15, so keys stay small
 * integers (V8 Smis, fast Map hashing); else M = 2^26.
 */
export function pairMultiplier(maxId: number): number {
  return maxId < 32768 ? 32768 : 67108864;
}

/**
 * BPE (HF semantics): split the pre-token into characters (with continuing_subword_prefix /
 * end_of_word_suffix decoration if configured), then repeatedly merge the adjacent pair with the
 * lowest merge rank (leftmost on ties) until no ranked pair remains.
 */
export class BpeModel implements Model {
  readonly vocab: Map<string, number>;
  private readonly ranks = new Map<number, { rank: number; id: number }>();
  private readonly mergesList: [string, string][];
  private readonly unkId: number | null;
  private readonly cache = new Map<string, ModelOutput>();
  private readonly mul: number;
  /** Bounded like Tokenizer.RAW_CACHE_MAX (about 0.5 KB per entry). */
  private static readonly CACHE_MAX = 65_536;

  constructor(readonly cfg: Omit<BpeModelJson, 'merges'> & { merges: [string, string][] }) {
    this.vocab = new Map(Object.entries(cfg.vocab));
    this.mergesList = cfg.merges;
    const prefix = cfg.continuing_subword_prefix ?? '';
    let maxId = 0;
    for (const v of this.vocab.values()) if (v > maxId) maxId = v;
    this.mul = pairMultiplier(maxId);
    cfg.merges.forEach(([a, b], rank) => {
      const ia = this.vocab.get(a);
      const ib = this.vocab.get(b);
      const merged = a + (prefix && b.startsWith(prefix) ? b.slice(prefix.length) : b);
      const im = this.vocab.get(merged);
      if (ia === undefined || ib === undefined || im === undefined) {
        throw new DataError(`tokenizer.json: BPE merge #${rank} '${a} ${b}' uses a token missing from the vocab`);
      }
      const k = ia * this.mul + ib;
      if (!this.ranks.has(k)) this.ranks.set(k, { rank, id: im });
    });
    const unk = cfg.unk_token ?? null;
    this.unkId = unk === null ? null : (this.vocab.get(unk) ?? null);
    if (cfg.dropout) throw new DataError('tokenizer.json: BPE dropout is not supported (deterministic tokenization only)');
  }

  static fromJSON(j: BpeModelJson): BpeModel {
    const merges = j.merges.map((m, i): [string, string] => {
      if (Array.isArray(m)) return [m[0], m[1]];
      const sp = m.indexOf(' ', 1);
      if (sp < 0) throw new DataError(`tokenizer.json: BPE merge #${i} '${m}' is not "a b"`);
      return [m.slice(0, sp), m.slice(sp + 1)];
    });
    return new BpeModel({ ...j, merges });
  }

  tokenize(s: string): ModelOutput {
    const hit = this.cache.get(s);
    if (hit) return hit;
    const out = this.bpe(s);
    if (this.cache.size >= BpeModel.CACHE_MAX) this.cache.clear();
    this.cache.set(s, out);
    return out;
  }

  private bpe(s: string): ModelOutput {
    const { cfg } = this;
    if (cfg.ignore_merges) {
      const whole = this.vocab.get(s);
      if (whole !== undefined) return { ids: [whole], starts: [0], ends: [s.length] };
    }
    const prefix = cfg.continuing_subword_prefix ?? '';
    const suffix = cfg.end_of_word_suffix ?? '';
    // symbols: ids (−1 = unknown char), with unit spans
    const ids: number[] = [];
    const st: number[] = [];
    const en: number[] = [];
    const chars = [...s];
    let pos = 0;
    chars.forEach((c, i) => {
      let tok = c;
      if (i > 0 && prefix) tok = prefix + tok;
      if (i === chars.length - 1 && suffix) tok = tok + suffix;
      let id = this.vocab.get(tok);
      if (id === undefined && cfg.byte_fallback) {
        // one <0xXX> token per UTF-8 byte of the character
        const bytes = new TextEncoder().encode(c);
        const fb = [...bytes].map((b) => this.vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`));
        if (fb.every((x) => x !== undefined)) {
          for (const x of fb) { ids.push(x as number); st.push(pos); en.push(pos + c.length); }
          pos += c.length;
          return;
        }
      }
      ids.push(id ?? -1); st.push(pos); en.push(pos + c.length);
      pos += c.length;
    });
    // greedy lowest-rank merging, leftmost first on ties
    if (ids.length > 12) this.mergeHeap(ids, st, en);
    else this.mergeScan(ids, st, en);
    // unknown characters → unk (fused when fuse_unk)
    const outIds: number[] = [];
    const outS: number[] = [];
    const outE: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] >= 0) { outIds.push(ids[i]); outS.push(st[i]); outE.push(en[i]); continue; }
      if (this.unkId === null) continue; // HF drops characters it cannot represent when no unk token
      if (cfg.fuse_unk && outIds.length && outIds[outIds.length - 1] === this.unkId && ids[i - 1] < 0) {
        outE[outE.length - 1] = en[i];
        continue;
      }
      outIds.push(this.unkId); outS.push(st[i]); outE.push(en[i]);
    }
    return { ids: outIds, starts: outS, ends: outE };
  }

  /**
   * Byte-level shortcut: initial symbols are given as ids (one per byte), merged in place. Only
   * valid for a plain byte-level BPE (see `byteIds`).
   */
  mergeIds(ids: number[], st: number[], en: number[]): void {
    if (ids.length > 12) this.mergeHeap(ids, st, en);
    else this.mergeScan(ids, st, en);
  }

  /**
   * id of each of the 256 byte characters, when this model is a plain byte-level BPE (every byte
   * character in the vocab, no subword prefix/suffix, no ignore_merges); else null.
   */
  byteIds(byteChars: readonly string[]): Int32Array | null {
    const c = this.cfg;
    if (c.continuing_subword_prefix || c.end_of_word_suffix || c.ignore_merges) return null;
    const out = new Int32Array(256);
    for (let b = 0; b < 256; b++) {
      const id = this.vocab.get(byteChars[b]);
      if (id === undefined) return null;
      out[b] = id;
    }
    return out;
  }

  /** O(n²) merging for short words: repeatedly merge the lowest-rank (leftmost) pair. */
  private mergeScan(ids: number[], st: number[], en: number[]): void {
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      let bestId = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        if (ids[i] < 0 || ids[i + 1] < 0) continue;
        const r = this.ranks.get(ids[i] * this.mul + ids[i + 1]);
        if (r && r.rank < bestRank) { bestRank = r.rank; best = i; bestId = r.id; }
      }
      if (best < 0) return;
      ids.splice(best, 2, bestId);
      en.splice(best, 2, en[best + 1]);
      st.splice(best + 1, 1);
    }
  }

  /**
   * O(n log n) merging for long words (same result as mergeScan): a linked list of symbols and a
   * min-heap of candidate pairs keyed by (rank, position); stale candidates are skipped on pop.
   */
  private mergeHeap(ids: number[], st: number[], en: number[]): void {
    const n = ids.length;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; }
    const id = Int32Array.from(ids);
    const end = Int32Array.from(en);
    const alive = new Uint8Array(n).fill(1);
    // heap of [rank, pos, leftId, rightId]
    const hr: number[] = [];
    const hp: number[] = [];
    const ha: number[] = [];
    const hb: number[] = [];
    const less = (i: number, j: number): boolean => hr[i] < hr[j] || (hr[i] === hr[j] && hp[i] < hp[j]);
    const swap = (i: number, j: number): void => {
      [hr[i], hr[j]] = [hr[j], hr[i]]; [hp[i], hp[j]] = [hp[j], hp[i]];
      [ha[i], ha[j]] = [ha[j], ha[i]]; [hb[i], hb[j]] = [hb[j], hb[i]];
    };
    const push = (pos: number): void => {
      const q = next[pos];
      if (q < 0 || id[pos] < 0 || id[q] < 0) return;
      const r = this.ranks.get(id[pos] * this.mul + id[q]);
      if (!r) return;
      hr.push(r.rank); hp.push(pos); ha.push(id[pos]); hb.push(id[q]);
      let i = hr.length - 1;
      while (i > 0) { const p = (i - 1) >> 1; if (!less(i, p)) break; swap(i, p); i = p; }
    };
    const pop = (): void => {
      const last = hr.length - 1;
      swap(0, last);
      hr.pop(); hp.pop(); ha.pop(); hb.pop();
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < hr.length && less(l, m)) m = l;
        if (r < hr.length && less(r, m)) m = r;
        if (m === i) break;
        swap(i, m); i = m;
      }
    };
    for (let i = 0; i + 1 < n; i++) push(i);
    while (hr.length) {
      const pos = hp[0], a = ha[0], b = hb[0];
      pop();
      const q = next[pos];
      if (!alive[pos] || q < 0 || id[pos] !== a || id[q] !== b) continue; // stale
      const r = this.ranks.get(a * this.mul + b) as { rank: number; id: number };
      id[pos] = r.id;
      end[pos] = end[q];
      alive[q] = 0;
      next[pos] = next[q];
      if (next[q] >= 0) prev[next[q]] = pos;
      if (prev[pos] >= 0) push(prev[pos]);
      push(pos);
    }
    const oi: number[] = [], os: number[] = [], oe: number[] = [];
    for (let i = 0; i >= 0 && i < n; i = next[i]) { oi.push(id[i]); os.push(st[i]); oe.push(end[i]); }
    ids.length = 0; st.length = 0; en.length = 0;
    ids.push(...oi); st.push(...os); en.push(...oe);
  }

  get merges(): readonly [string, string][] {
    return this.mergesList;
  }

  toJSON(): BpeModelJson {
    const vocab: Record<string, number> = {};
    for (const [k, v] of [...this.vocab].sort((x, y) => x[1] - y[1])) vocab[k] = v;
    return {
      type: 'BPE',
      dropout: null,
      unk_token: this.cfg.unk_token ?? null,
      continuing_subword_prefix: this.cfg.continuing_subword_prefix ?? null,
      end_of_word_suffix: this.cfg.end_of_word_suffix ?? null,
      fuse_unk: this.cfg.fuse_unk ?? false,
      byte_fallback: this.cfg.byte_fallback ?? false,
      ignore_merges: this.cfg.ignore_merges ?? false,
      vocab,
      merges: this.mergesList.map(([a, b]): [string, string] => [a, b]),
    };
  }
}

/**
 * WordPiece (BERT): greedy longest-match-first over the pre-token's characters; pieces after the
 * first carry the continuing_subword_prefix ('##'); if any position cannot be matched, or the word
 * is longer than max_input_chars_per_word characters, the whole word becomes the unk token.
 */
export class WordPieceModel implements Model {
  readonly vocab: Map<string, number>;
  private readonly unkId: number;
  private readonly prefix: string;
  private readonly maxChars: number;

  constructor(readonly cfg: WordPieceModelJson) {
    this.vocab = new Map(Object.entries(cfg.vocab));
    const unk = this.vocab.get(cfg.unk_token);
    if (unk === undefined) throw new DataError(`tokenizer.json: WordPiece unk_token '${cfg.unk_token}' is not in the vocab`);
    this.unkId = unk;
    this.prefix = cfg.continuing_subword_prefix ?? '##';
    this.maxChars = cfg.max_input_chars_per_word ?? 100;
  }

  tokenize(s: string): ModelOutput {
    const chars = [...s];
    if (chars.length > this.maxChars) return { ids: [this.unkId], starts: [0], ends: [s.length] };
    // unit offset of each char boundary
    const at = [0];
    for (const c of chars) at.push(at[at.length - 1] + c.length);
    const out: ModelOutput = { ids: [], starts: [], ends: [] };
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found = -1;
      while (start < end) {
        let piece = s.slice(at[start], at[end]);
        if (start > 0) piece = this.prefix + piece;
        const id = this.vocab.get(piece);
        if (id !== undefined) { found = id; break; }
        end--;
      }
      if (found < 0) return { ids: [this.unkId], starts: [0], ends: [s.length] };
      out.ids.push(found); out.starts.push(at[start]); out.ends.push(at[end]);
      start = end;
    }
    return out;
  }

  toJSON(): WordPieceModelJson {
    const vocab: Record<string, number> = {};
    for (const [k, v] of [...this.vocab].sort((x, y) => x[1] - y[1])) vocab[k] = v;
    return { type: 'WordPiece', unk_token: this.cfg.unk_token, continuing_subword_prefix: this.prefix, max_input_chars_per_word: this.maxChars, vocab };
  }
}

export function modelFromJSON(j: ModelJson): Model {
  switch (j.type) {
    case 'BPE': return BpeModel.fromJSON(j);
    case 'WordPiece': return new WordPieceModel(j);
    default: throw new DataError(`tokenizer.json: unsupported model type '${(j as { type: string }).type}'`);
  }
}
