import { DataError } from '../errors.js';
import type { NormalizerJson } from './json-types.js';

/**
 * A normalized string with alignment: `s` plus, for every UTF-16 unit i of `s`, the [starts[i],
 * ends[i]) span of the original text it came from. Normalizers rewrite code point by code point
 * (or by base+combining-mark cluster for NFC/NFKC), so every output unit inherits the span of the
 * input it was produced from, as HF's NormalizedString does.
 */
export interface Aligned {
  s: string;
  starts: Int32Array;
  ends: Int32Array;
}

/** Working form: one entry per output code point (string of 1–2 units) with its original span. */
interface Cps {
  cp: string[];
  os: number[];
  oe: number[];
}

function toCps(text: string, base: number): Cps {
  const cp: string[] = [];
  const os: number[] = [];
  const oe: number[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text.codePointAt(i) as number;
    const u = c > 0xffff ? 2 : 1;
    cp.push(text.slice(i, i + u)); os.push(base + i); oe.push(base + i + u);
    i += u;
  }
  return { cp, os, oe };
}

function fromCps(x: Cps): Aligned {
  const s = x.cp.join('');
  const starts = new Int32Array(s.length);
  const ends = new Int32Array(s.length);
  let k = 0;
  for (let i = 0; i < x.cp.length; i++) {
    for (let u = 0; u < x.cp[i].length; u++) { starts[k] = x.os[i]; ends[k] = x.oe[i]; k++; }
  }
  return { s, starts, ends };
}

/** Rewrites every code point into zero or more code points (given as a string). */
function mapCps(x: Cps, f: (c: string) => string): Cps {
  const out: Cps = { cp: [], os: [], oe: [] };
  for (let i = 0; i < x.cp.length; i++) {
    const r = f(x.cp[i]);
    for (const c of r) { out.cp.push(c); out.os.push(x.os[i]); out.oe.push(x.oe[i]); }
  }
  return out;
}

/** Unicode normal form applied per cluster (base + following combining marks). */
function normalizeForm(x: Cps, form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'): Cps {
  const out: Cps = { cp: [], os: [], oe: [] };
  let i = 0;
  while (i < x.cp.length) {
    let j = i + 1;
    while (j < x.cp.length && MARK.test(x.cp[j])) j++;
    const cluster = x.cp.slice(i, j).join('').normalize(form);
    for (const c of cluster) { out.cp.push(c); out.os.push(x.os[i]); out.oe.push(x.oe[j - 1]); }
    i = j;
  }
  return out;
}

const MARK = /^\p{M}$/u;
const MN = /^\p{Mn}$/u;
const CONTROL = /^[\p{Cc}\p{Cf}\p{Cn}\p{Co}]$/u;
const WHITE = /^\p{White_Space}$/u;

export function isBertWhitespace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || WHITE.test(c);
}

function isBertControl(c: string): boolean {
  if (c === '\t' || c === '\n' || c === '\r') return false;
  return CONTROL.test(c);
}

function isChinese(c: string): boolean {
  const x = c.codePointAt(0) as number;
  return (x >= 0x4e00 && x <= 0x9fff) || (x >= 0x3400 && x <= 0x4dbf) || (x >= 0x20000 && x <= 0x2a6df) ||
    (x >= 0x2a700 && x <= 0x2b73f) || (x >= 0x2b740 && x <= 0x2b81f) || (x >= 0x2b820 && x <= 0x2ceaf) ||
    (x >= 0xf900 && x <= 0xfaff) || (x >= 0x2f800 && x <= 0x2fa1f);
}

function apply(x: Cps, n: NormalizerJson): Cps {
  switch (n.type) {
    case 'BertNormalizer': {
      let y = x;
      if (n.clean_text !== false) {
        y = mapCps(y, (c) => {
          const cp = c.codePointAt(0) as number;
          if (cp === 0 || cp === 0xfffd || isBertControl(c)) return '';
          return isBertWhitespace(c) ? ' ' : c;
        });
      }
      if (n.handle_chinese_chars !== false) y = mapCps(y, (c) => (isChinese(c) ? ` ${c} ` : c));
      const lowercase = n.lowercase !== false;
      const strip = n.strip_accents ?? lowercase;
      if (strip) y = mapCps(y, (c) => [...c.normalize('NFD')].filter((d) => !MN.test(d)).join(''));
      if (lowercase) y = mapCps(y, (c) => c.toLowerCase());
      return y;
    }
    case 'Lowercase': return mapCps(x, (c) => c.toLowerCase());
    case 'StripAccents': return mapCps(x, (c) => (MN.test(c) ? '' : c));
    case 'NFC': case 'NFD': case 'NFKC': case 'NFKD': return normalizeForm(x, n.type);
    case 'Strip': {
      let a = 0;
      let b = x.cp.length;
      if (n.strip_left !== false) while (a < b && isBertWhitespace(x.cp[a])) a++;
      if (n.strip_right !== false) while (b > a && isBertWhitespace(x.cp[b - 1])) b--;
      return { cp: x.cp.slice(a, b), os: x.os.slice(a, b), oe: x.oe.slice(a, b) };
    }
    case 'Sequence': return n.normalizers.reduce(apply, x);
    default: throw new DataError(`tokenizer.json: unsupported normalizer type '${(n as { type: string }).type}'`);
  }
}

/** Validates a normalizer config up front (so load fails, not the first encode). */
export function checkNormalizer(n: NormalizerJson | null): void {
  if (n) apply({ cp: ['A'], os: [0], oe: [1] }, n);
}

/** Normalizes `text` (whose first unit sits at original offset `base`). */
export function normalize(n: NormalizerJson | null, text: string, base: number): Aligned {
  if (!n) {
    const starts = new Int32Array(text.length);
    const ends = new Int32Array(text.length);
    for (let i = 0; i < text.length; i++) { starts[i] = base + i; ends[i] = base + i + 1; }
    return { s: text, starts, ends };
  }
  return fromCps(apply(toCps(text, base), n));
}
