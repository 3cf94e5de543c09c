import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DataError } from '../errors.js';
import { decodeTokens, checkDecoder } from './decoder.js';
import type { AddedTokenJson, DecoderJson, NormalizerJson, PostProcessorJson, PreTokenizerJson, TokenizerJson } from './json-types.js';
import { BpeModel, modelFromJSON, type Model } from './models.js';
import { checkNormalizer, isBertWhitespace, normalize } from './normalizer.js';
import { checkPostProcessor, postProcess, type Seq } from './postprocess.js';
import { byteLevelPiece, compilePreTokenizer, preTokenize, type PreTokenizer } from './pretokenizer.js';
import { BYTE_TO_CHAR, CHAR_TO_BYTE, GPT2_SPLIT, toByteChars } from './bytelevel.js';

/**
 * Result of encoding. `offsets[i]` is the [start, end) span of token i in the input string, in
 * UTF-16 code units (JS string indices: `text.slice(...offsets[i])`); special tokens added by the
 * post-processor get [0, 0). For byte-level tokenizers, leading/trailing whitespace is trimmed from
 * the span (HF `trim_offsets`), so "Ġworld" in "hello world" spans "world".
 */
export interface Encoding {
  ids: number[];
  tokens: string[];
  offsets: [number, number][];
  typeIds: number[];
  specialTokensMask: number[];
  /** 0 / 1 = token of the first / second text; null = special token added by the post-processor. */
  sequenceIds: (0 | 1 | null)[];
}

export interface EncodeOptions {
  /** Second text of a pair (sequence B). */
  pair?: string;
  /** Apply the post-processor's special tokens ([CLS] … [SEP]); default true, as in HF. */
  addSpecialTokens?: boolean;
}

/** Well-known special token roles, resolved by name from the vocab. */
export interface SpecialIds {
  pad: number | null;
  unk: number | null;
  mask: number | null;
  cls: number | null;
  sep: number | null;
  bos: number | null;
  /** End of document / sequence: appended after every pretraining document. */
  eos: number | null;
}

const ROLE_NAMES: Record<keyof SpecialIds, string[]> = {
  pad: ['[PAD]', '<pad>', '<|pad|>'],
  unk: ['[UNK]', '<unk>', '<|unk|>'],
  mask: ['[MASK]', '<mask>', '<|mask|>'],
  cls: ['[CLS]', '<s>', '<|cls|>'],
  sep: ['[SEP]', '</s>', '<|sep|>'],
  bos: ['[BOS]', '<s>', '<|startoftext|>', '[CLS]'],
  eos: ['[EOS]', '</s>', '<|endoftext|>', '[SEP]'],
};

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isWs(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && isBertWhitespace(String.fromCharCode(c)));
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/**
 * A Hugging Face-compatible tokenizer: added tokens → normalizer → pre-tokenizer → model (BPE or
 * WordPiece) → post-processor, and a decoder. Loads/saves `tokenizer.json`.
 */
export class Tokenizer {
  readonly model: Model;
  readonly addedTokens: AddedTokenJson[];
  readonly special: SpecialIds;
  private readonly pre: PreTokenizer;
  private readonly idToTok: string[] = [];
  private readonly tokToId = new Map<string, number>();
  private readonly specialIdSet = new Set<number>();
  private readonly addedRe: RegExp | null;
  private readonly addedByContent = new Map<string, AddedTokenJson>();
  private readonly trimOffsets: boolean;
  /** No normalizer and a plain GPT-2 ByteLevel pre-tokenizer: per-pre-token cache on raw text. */
  private readonly fastByteLevel: boolean;
  private readonly rawCache = new Map<string, { ids: number[]; starts: number[]; ends: number[] }>();
  /** Entries of rawCache before it is cleared. One entry (key string, three small arrays, an object)
   *  costs about 0.5 KB, so this bounds it near 32 MB. With the earlier bound of 1M entries a
   *  pretraining run's heap grew ~30 KB per step for hours as new words arrived (the "RSS grows
   *  every step" report: docs/cli.md, "Memory over a long run"). Common words re-enter at once. */
  static readonly RAW_CACHE_MAX = 65_536;

  /** Pre-tokens whose encoding is cached now (at most RAW_CACHE_MAX): for memory diagnostics. */
  get cachedPretokens(): number {
    return this.rawCache.size;
  }
  /** Plain byte-level BPE: id of each byte token (skips building byte-character strings). */
  private readonly byteIdTable: Int32Array | null;

  constructor(private readonly json: TokenizerJson) {
    if (!json || typeof json !== 'object' || !json.model) throw new DataError('tokenizer.json: missing "model"');
    checkNormalizer(json.normalizer ?? null);
    checkPostProcessor(json.post_processor ?? null);
    checkDecoder(json.decoder ?? null);
    this.pre = compilePreTokenizer(json.pre_tokenizer ?? null);
    this.model = modelFromJSON(json.model);
    this.addedTokens = (json.added_tokens ?? []).slice().sort((a, b) => a.id - b.id);
    for (const [t, id] of this.model.vocab) { this.idToTok[id] = t; this.tokToId.set(t, id); }
    for (const a of this.addedTokens) {
      this.idToTok[a.id] = a.content;
      this.tokToId.set(a.content, a.id);
      this.addedByContent.set(a.content, a);
      if (a.special) this.specialIdSet.add(a.id);
    }
    const contents = this.addedTokens.map((a) => a.content).filter((c) => c.length > 0).sort((x, y) => y.length - x.length);
    this.addedRe = contents.length ? new RegExp(contents.map(escapeRe).join('|'), 'gu') : null;
    const bl = this.pre.byteLevel;
    const pp = json.post_processor;
    this.trimOffsets = bl && !(pp && (pp.type === 'ByteLevel' || pp.type === 'RobertaProcessing') && pp.trim_offsets === false);
    const st = this.pre.steps;
    this.fastByteLevel = !json.normalizer && st.length === 1 && st[0].type === 'ByteLevel' && !st[0].add_prefix_space && st[0].use_regex !== false;
    this.byteIdTable = this.fastByteLevel && this.model instanceof BpeModel ? this.model.byteIds(BYTE_TO_CHAR) : null;
    const special = {} as SpecialIds;
    for (const role of Object.keys(ROLE_NAMES) as (keyof SpecialIds)[]) {
      special[role] = null;
      for (const name of ROLE_NAMES[role]) {
        const id = this.tokToId.get(name);
        if (id !== undefined) { special[role] = id; break; }
      }
    }
    this.special = special;
  }

  static fromJSON(json: TokenizerJson | string): Tokenizer {
    let j: TokenizerJson;
    try {
      j = typeof json === 'string' ? (JSON.parse(json) as TokenizerJson) : json;
    } catch (e) {
      throw new DataError(`tokenizer.json: invalid JSON (${(e as Error).message})`);
    }
    return new Tokenizer(j);
  }

  /** Loads a `tokenizer.json` file; errors name the file. */
  static load(path: string): Tokenizer {
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch (e) { throw new DataError(`cannot read tokenizer: ${(e as Error).message}`, path); }
    try {
      return Tokenizer.fromJSON(text);
    } catch (e) {
      if (e instanceof DataError && e.file === null) throw new DataError(e.reason, path);
      throw e;
    }
  }

  toJSON(): TokenizerJson {
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: this.addedTokens.map((a) => ({
        id: a.id, content: a.content, single_word: a.single_word ?? false, lstrip: a.lstrip ?? false,
        rstrip: a.rstrip ?? false, normalized: a.normalized ?? false, special: a.special ?? false,
      })),
      normalizer: (this.json.normalizer ?? null) as NormalizerJson | null,
      pre_tokenizer: (this.json.pre_tokenizer ?? null) as PreTokenizerJson | null,
      post_processor: (this.json.post_processor ?? null) as PostProcessorJson | null,
      decoder: (this.json.decoder ?? null) as DecoderJson | null,
      model: this.model.toJSON(),
    };
  }

  /** Writes `tokenizer.json` atomically (temp file + rename). */
  save(path: string): void {
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(this.toJSON()));
    renameSync(tmp, path);
  }

  /** Largest id + 1 (model vocab and added tokens). */
  get vocabSize(): number {
    return this.idToTok.length;
  }

  tokenToId(token: string): number | undefined {
    return this.tokToId.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.idToTok[id];
  }

  isSpecialId(id: number): boolean {
    return this.specialIdSet.has(id);
  }

  /** Encodes one text (or a pair). */
  encode(text: string, opts: EncodeOptions = {}): Encoding {
    const a = this.encodeSeq(text);
    const b = opts.pair === undefined ? null : this.encodeSeq(opts.pair);
    return postProcess(this.json.post_processor ?? null, a, b, opts.addSpecialTokens ?? true);
  }

  /** Ids only, no special tokens added (the pretraining path). */
  encodeIds(text: string): number[] {
    return this.encodeSeq(text, false).ids;
  }

  /** `withOffsets = false`: ids only (tokens and offsets arrays stay empty), for throughput. */
  private encodeSeq(text: string, withOffsets = true): Seq {
    const out: Seq = { ids: [], tokens: [], offsets: [] };
    // 1. split out added tokens (leftmost, longest first), honouring lstrip/rstrip/single_word
    let pos = 0;
    if (this.addedRe) {
      const re = this.addedRe;
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        const tok = this.addedByContent.get(m[0]) as AddedTokenJson;
        let s = m.index;
        let e = s + m[0].length;
        if (tok.single_word && ((s > 0 && WORD_CHAR.test(text[s - 1])) || (e < text.length && WORD_CHAR.test(text[e])))) {
          re.lastIndex = s + 1;
          continue;
        }
        if (tok.lstrip) while (s > pos && isBertWhitespace(text[s - 1])) s--;
        if (tok.rstrip) while (e < text.length && isBertWhitespace(text[e])) e++;
        if (s > pos) this.encodeText(text, pos, s, out, withOffsets);
        out.ids.push(tok.id);
        if (withOffsets) { out.tokens.push(tok.content); out.offsets.push([m.index, m.index + m[0].length]); }
        pos = e;
        re.lastIndex = e;
      }
    }
    if (pos < text.length) this.encodeText(text, pos, text.length, out, withOffsets);
    return out;
  }

  /** normalizer → pre-tokenizer → model on text[a, b). */
  private encodeText(text: string, a: number, b: number, out: Seq, withOffsets: boolean): void {
    if (this.fastByteLevel) return this.encodeByteLevel(text, a, b, out, withOffsets);
    const norm = normalize(this.json.normalizer ?? null, text.slice(a, b), a);
    const pieces = preTokenize(this.pre, { s: norm.s, starts: norm.starts, ends: norm.ends });
    for (const p of pieces) {
      if (p.s.length === 0) continue;
      const r = this.model.tokenize(p.s);
      for (let k = 0; k < r.ids.length; k++) {
        let s = p.starts[r.starts[k]];
        let e = p.ends[r.ends[k] - 1];
        if (this.trimOffsets) {
          while (s < e && isBertWhitespace(text[s])) s++;
          while (e > s && isBertWhitespace(text[e - 1])) e--;
        }
        out.ids.push(r.ids[k]);
        if (withOffsets) { out.tokens.push(this.idToTok[r.ids[k]]); out.offsets.push([s, e]); }
      }
    }
  }

  /** Fast path: GPT-2 regex over the raw text, model output cached per raw pre-token. */
  private encodeByteLevel(text: string, a: number, b: number, out: Seq, withOffsets: boolean): void {
    const re = GPT2_SPLIT;
    const seg = a === 0 && b === text.length ? text : text.slice(a, b);
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    const cache = this.rawCache;
    while ((m = re.exec(seg)) !== null) {
      const w = m[0];
      let r = cache.get(w);
      if (r === undefined && this.byteIdTable) {
        r = this.bpeBytes(w);
        if (cache.size >= Tokenizer.RAW_CACHE_MAX) cache.clear();
        cache.set(w, r);
      } else if (r === undefined) {
        const ident = new Int32Array(w.length);
        const identE = new Int32Array(w.length);
        for (let i = 0; i < w.length; i++) { ident[i] = i; identE[i] = i + 1; }
        const p = byteLevelPiece({ s: w, starts: ident, ends: identE });
        const mo = this.model.tokenize(p.s);
        r = { ids: mo.ids, starts: mo.starts.map((x) => p.starts[x]), ends: mo.ends.map((x) => p.ends[x - 1]) };
        if (cache.size >= Tokenizer.RAW_CACHE_MAX) cache.clear();
        cache.set(w, r);
      }
      if (!withOffsets) {
        for (let k = 0; k < r.ids.length; k++) out.ids.push(r.ids[k]);
        continue;
      }
      const base = a + m.index;
      for (let k = 0; k < r.ids.length; k++) {
        let s = base + r.starts[k];
        let e = base + r.ends[k];
        if (isWs(text.charCodeAt(s)) || isWs(text.charCodeAt(e - 1))) {
          while (s < e && isWs(text.charCodeAt(s))) s++;
          while (e > s && isWs(text.charCodeAt(e - 1))) e--;
        }
        out.ids.push(r.ids[k]);
        out.tokens.push(this.idToTok[r.ids[k]]);
        out.offsets.push([s, e]);
      }
    }
  }

  /** Byte-level BPE of one raw pre-token: bytes → byte-token ids → merges; spans in units of `w`. */
  private bpeBytes(w: string): { ids: number[]; starts: number[]; ends: number[] } {
    const table = this.byteIdTable as Int32Array;
    const ids: number[] = [];
    const st: number[] = [];
    const en: number[] = [];
    let ascii = true;
    for (let i = 0; i < w.length; i++) if (w.charCodeAt(i) > 0x7f) { ascii = false; break; }
    if (ascii) {
      for (let i = 0; i < w.length; i++) { ids.push(table[w.charCodeAt(i)]); st.push(i); en.push(i + 1); }
    } else {
      const b = toByteChars(w);
      for (let k = 0; k < b.chars.length; k++) { ids.push(table[CHAR_TO_BYTE[b.chars.charCodeAt(k)]]); st.push(b.starts[k]); en.push(b.ends[k]); }
    }
    (this.model as BpeModel).mergeIds(ids, st, en);
    return { ids, starts: st, ends: en };
  }

  /** Ids → text through the decoder; `skipSpecialTokens` drops special added tokens. */
  decode(ids: ArrayLike<number>, opts: { skipSpecialTokens?: boolean } = {}): string {
    const toks: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (opts.skipSpecialTokens && this.specialIdSet.has(id)) continue;
      const t = this.idToTok[id];
      if (t === undefined) throw new DataError(`Tokenizer.decode: id ${id} is outside the vocabulary (size ${this.vocabSize})`);
      toks.push(t);
    }
    return decodeTokens(this.json.decoder ?? null, toks);
  }
}
