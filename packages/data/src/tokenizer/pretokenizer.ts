import { DataError } from '../errors.js';
import { BYTE_TO_CHAR, GPT2_SPLIT, toByteChars } from './bytelevel.js';
import type { PreTokenizerJson } from './json-types.js';
import { isBertWhitespace } from './normalizer.js';

/**
 * A pre-token: the string the model sees (`s`) and, per UTF-16 unit of `s`, the span [starts[i],
 * ends[i]) in the coordinates of the string it was split from (the normalized string).
 */
export interface Piece {
  s: string;
  starts: Int32Array;
  ends: Int32Array;
}

/** A contiguous substring [a, b) of a string, as a Piece. */
export function sub(s: string, a: number, b: number, starts: Int32Array, ends: Int32Array): Piece {
  return { s: s.slice(a, b), starts: starts.subarray(a, b), ends: ends.subarray(a, b) };
}

const BERT_PUNCT = /^[\p{P}]$/u;
function isBertPunct(c: string): boolean {
  const x = c.charCodeAt(0);
  return (x >= 33 && x <= 47) || (x >= 58 && x <= 64) || (x >= 91 && x <= 96) || (x >= 123 && x <= 126) || BERT_PUNCT.test(c);
}

/** Splits with a global regex, keeping matches only (`\w+|[^\w\s]+`-style patterns). */
function regexPieces(p: Piece, re: RegExp): Piece[] {
  const out: Piece[] = [];
  re.lastIndex = 0;
  for (const m of p.s.matchAll(re)) {
    const a = m.index as number;
    out.push(sub(p.s, a, a + m[0].length, p.starts, p.ends));
  }
  return out;
}

const WS_WORD = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]+|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}\s]+/gu;
const NON_WS = /\S+/gu;

function splitText(p: Piece, t: PreTokenizerJson): Piece[] {
  switch (t.type) {
    case 'BertPreTokenizer': {
      // whitespace is removed, each punctuation character becomes its own piece
      const out: Piece[] = [];
      let start = -1;
      const cps = [...p.s];
      let i = 0;
      for (const c of cps) {
        if (isBertWhitespace(c)) {
          if (start >= 0) { out.push(sub(p.s, start, i, p.starts, p.ends)); start = -1; }
        } else if (isBertPunct(c)) {
          if (start >= 0) { out.push(sub(p.s, start, i, p.starts, p.ends)); start = -1; }
          out.push(sub(p.s, i, i + c.length, p.starts, p.ends));
        } else if (start < 0) start = i;
        i += c.length;
      }
      if (start >= 0) out.push(sub(p.s, start, i, p.starts, p.ends));
      return out;
    }
    case 'Whitespace': return regexPieces(p, WS_WORD);
    case 'WhitespaceSplit': return regexPieces(p, NON_WS);
    case 'ByteLevel': {
      let q = p;
      if (t.add_prefix_space && q.s.length > 0 && !isBertWhitespace(q.s[0])) {
        // the added space is aligned to the first character (HF prepends with that alignment)
        const starts = new Int32Array(q.s.length + 1);
        const ends = new Int32Array(q.s.length + 1);
        starts.set(q.starts, 1); ends.set(q.ends, 1);
        starts[0] = q.starts[0]; ends[0] = q.ends[0];
        q = { s: ' ' + q.s, starts, ends };
      }
      return t.use_regex === false ? [q] : regexPieces(q, GPT2_SPLIT);
    }
    default: throw new DataError(`tokenizer.json: unsupported pre_tokenizer type '${(t as { type: string }).type}'`);
  }
}

/** Maps a piece to GPT-2 byte characters (one unit per UTF-8 byte), keeping alignment. */
export function byteLevelPiece(p: Piece): Piece {
  // fast path: pure ASCII → one byte per unit
  let ascii = true;
  for (let i = 0; i < p.s.length; i++) if (p.s.charCodeAt(i) > 0x7f) { ascii = false; break; }
  if (ascii) {
    let s = '';
    for (let i = 0; i < p.s.length; i++) s += BYTE_TO_CHAR[p.s.charCodeAt(i)];
    return { s, starts: p.starts, ends: p.ends };
  }
  const b = toByteChars(p.s);
  const starts = new Int32Array(b.chars.length);
  const ends = new Int32Array(b.chars.length);
  for (let k = 0; k < b.chars.length; k++) {
    starts[k] = p.starts[b.starts[k]];
    ends[k] = p.ends[b.ends[k] - 1];
  }
  return { s: b.chars, starts, ends };
}

/** A compiled pre-tokenizer: text splitting steps, then an optional final byte-level mapping. */
export interface PreTokenizer {
  steps: PreTokenizerJson[];
  byteLevel: boolean;
}

export function compilePreTokenizer(t: PreTokenizerJson | null): PreTokenizer {
  const flat: PreTokenizerJson[] = [];
  const visit = (x: PreTokenizerJson): void => {
    if (x.type === 'Sequence') x.pretokenizers.forEach(visit);
    else flat.push(x);
  };
  if (t) visit(t);
  const bl = flat.findIndex((x) => x.type === 'ByteLevel');
  if (bl >= 0 && bl !== flat.length - 1) throw new DataError('tokenizer.json: a ByteLevel pre_tokenizer is only supported as the last step of a Sequence');
  for (const x of flat) splitText({ s: '', starts: new Int32Array(0), ends: new Int32Array(0) }, x); // validates types
  return { steps: flat, byteLevel: bl >= 0 };
}

export function preTokenize(pt: PreTokenizer, p: Piece): Piece[] {
  let pieces = [p];
  for (const step of pt.steps) pieces = pieces.flatMap((q) => splitText(q, step));
  return pt.byteLevel ? pieces.map(byteLevelPiece) : pieces;
}
