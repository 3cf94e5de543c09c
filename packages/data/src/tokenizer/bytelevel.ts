/**
 * GPT-2 byte-level alphabet: each of the 256 byte values maps to one printable Unicode character
 * (printable Latin-1 bytes map to themselves; the other 68 to U+0100…U+0143), so any UTF-8 byte
 * string becomes a string of "byte characters" with exactly one UTF-16 unit per byte.
 */
export const BYTE_TO_CHAR: string[] = (() => {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) { bs.push(b); cs.push(256 + n); n++; }
  }
  const out = new Array<string>(256);
  for (let i = 0; i < 256; i++) out[bs[i]] = String.fromCharCode(cs[i]);
  return out;
})();

/** Inverse of BYTE_TO_CHAR, keyed by UTF-16 code unit (−1 where not a byte character). */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const t = new Int16Array(0x144).fill(-1);
  for (let b = 0; b < 256; b++) t[BYTE_TO_CHAR[b].charCodeAt(0)] = b;
  return t;
})();

/** The GPT-2 pre-tokenization pattern that HF's ByteLevel pre-tokenizer uses when use_regex = true. */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

/**
 * Maps a (UTF-16) string to byte characters, and returns for each byte the [start, end) span of the
 * UTF-16 units of the character it belongs to, relative to `s`.
 */
export function toByteChars(s: string): { chars: string; starts: Int32Array; ends: Int32Array } {
  const bytes = enc.encode(s);
  let chars = '';
  const starts = new Int32Array(bytes.length);
  const ends = new Int32Array(bytes.length);
  let bi = 0;
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i) as number;
    const units = cp > 0xffff ? 2 : 1;
    // UTF-8 length of this code point (lone surrogates encode as U+FFFD: 3 bytes)
    const isLone = cp >= 0xd800 && cp <= 0xdfff;
    const nb = isLone ? 3 : cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let k = 0; k < nb; k++) { starts[bi + k] = i; ends[bi + k] = i + units; }
    bi += nb;
    i += units;
  }
  for (let k = 0; k < bytes.length; k++) chars += BYTE_TO_CHAR[bytes[k]];
  return { chars, starts, ends };
}

/** Byte characters back to text (invalid UTF-8 → U+FFFD, like HF's lossy decode). */
export function fromByteChars(s: string): string {
  const bytes = new Uint8Array(s.length);
  let n = 0;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    if (b >= 0) bytes[n++] = b;
    else {
      // not a byte character (e.g. an added token's text): flush and copy it through
      out += dec.decode(bytes.subarray(0, n));
      n = 0;
      out += s[i];
    }
  }
  return out + dec.decode(bytes.subarray(0, n));
}
