// The documents of a plain-text file, found by streaming its bytes: 64 KiB reads and one buffer of
// `maxBytes` for the document being built, so memory stays bounded whatever the file's size (a
// 300 MB file that is one line costs the same as a 300 KB one).
//
// Units: 'line' — each non-blank line is a document; 'paragraph' — blocks of non-blank lines
// separated by blank (whitespace-only) lines. Either way a document longer than `maxBytes` is cut:
// after the last sentence end ('.', '!' or '?', maybe closed by a quote or bracket, then
// whitespace) in its second half, else at its last whitespace, else before the last UTF-8
// character that fits. Every cut is at a byte that never occurs inside a multi-byte UTF-8
// sequence, so the pieces decode on their own. Leading/trailing whitespace of a document is dropped.
import { closeSync, openSync, readSync } from 'node:fs';
import { DataError } from '../errors.js';

export type TextUnit = 'line' | 'paragraph';

/** Default bound on a document's size: 32 KiB of UTF-8 (about 8k tokens of English). */
export const DEFAULT_MAX_DOC_BYTES = 32768;

/** A document found in a text file. */
export interface TextDoc {
  /** 1-based line and byte column where the document starts. */
  line: number;
  col: number;
  /** The document's raw bytes (CRLF kept; surrounding whitespace dropped): a copy. */
  bytes: Uint8Array;
  /** True when the line/paragraph it belongs to was longer than maxBytes and had to be cut. */
  cut: boolean;
}

// ASCII whitespace: space, \t, \n, \v, \f, \r
function isWs(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

const isSentenceEnd = (b: number) => b === 0x2e || b === 0x21 || b === 0x3f; // . ! ?
const isCloser = (b: number) => b === 0x22 || b === 0x27 || b === 0x29 || b === 0x5d; // " ' ) ]

/**
 * Where to cut a full buffer `p` (length n): an index k in (0, n] such that p[0, k) is the document
 * and p[k, n) is carried into the next one.
 */
export function cutPoint(p: Uint8Array, n: number): number {
  const lo = n >> 1;
  for (let j = n - 1; j >= Math.max(lo, 1); j--) {
    if (!isWs(p[j])) continue;
    const a = p[j - 1];
    if (isSentenceEnd(a) || (j >= 2 && isCloser(a) && isSentenceEnd(p[j - 2]))) return j;
  }
  for (let j = n - 1; j > 0; j--) if (isWs(p[j])) return j;
  // no whitespace at all: cut before the lead byte of the last (maybe incomplete) character
  let k = n - 1;
  while (k > 0 && (p[k] & 0xc0) === 0x80) k--;
  return k > 0 ? k : n;
}

/** Opens a file for reading; a DataError naming it when that fails. */
export function openForReading(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (e) {
    throw new DataError(`cannot open: ${(e as Error).message}`, file);
  }
}

/** Streams the documents of a text file (see the file comment). A leading UTF-8 BOM is skipped. */
export function* textDocs(file: string, unit: TextUnit, maxBytes = DEFAULT_MAX_DOC_BYTES, chunkBytes = 1 << 16): Generator<TextDoc> {
  if (!(Number.isInteger(maxBytes) && maxBytes >= 16)) throw new DataError(`maxDocBytes must be an integer ≥ 16, got ${maxBytes}`);
  const fd = openForReading(file);
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    const pend = new Uint8Array(maxBytes); // the document being built: pend[0, plen)
    let plen = 0;
    let docLine = 0;
    let docCol = 0;
    let docCut = false; // this document continues a cut one
    let line = 1; // position of the next byte
    let col = 1;
    let lineBlank = true; // the current line holds only whitespace so far
    let pos = 0; // bytes read so far
    const paragraph = unit === 'paragraph';

    const emit = (cut: boolean): TextDoc => {
      let end = plen;
      while (end > 0 && isWs(pend[end - 1])) end--;
      const doc = { line: docLine, col: docCol, bytes: pend.slice(0, end), cut: cut || docCut };
      plen = 0;
      docCut = false;
      return doc;
    };

    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, chunkBytes, null);
      } catch (e) {
        throw new DataError(`cannot read: ${(e as Error).message}`, file, line);
      }
      if (n === 0) break;
      let i = 0;
      if (pos === 0 && n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3; // BOM
      pos += n;
      for (; i < n; i++) {
        const b = buf[i];
        if (b === 0x0a) {
          if (plen > 0) {
            if (!paragraph || lineBlank) yield emit(false);
            else pend[plen++] = b; // a line break inside a paragraph (room: plen < maxBytes here)
          }
          line++;
          col = 1;
          lineBlank = true;
          if (plen === maxBytes) yield* cutFull();
          continue;
        }
        const ws = isWs(b);
        if (!ws) lineBlank = false;
        if (plen === 0) {
          if (ws) {
            col++;
            continue;
          }
          docLine = line;
          docCol = col;
        }
        pend[plen++] = b;
        col++;
        if (plen === maxBytes) yield* cutFull();
      }
    }
    if (plen > 0) yield emit(false);

    // pend is full: emit its head as a document, keep the tail (without leading whitespace)
    function* cutFull(): Generator<TextDoc> {
      const k = cutPoint(pend, plen);
      let s = k;
      while (s < plen && isWs(pend[s])) s++;
      // where the tail starts: count line breaks in pend[0, s)
      let l = docLine;
      let lastNl = -1;
      for (let j = 0; j < s; j++) if (pend[j] === 0x0a) { l++; lastNl = j; }
      const c = lastNl < 0 ? docCol + s : s - lastNl;
      const tail = pend.slice(s, plen);
      plen = k;
      const doc = emit(true);
      pend.set(tail, 0);
      plen = tail.length;
      docLine = l;
      docCol = c;
      docCut = plen > 0;
      yield doc;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Does the file separate paragraphs with blank lines? True when a blank (whitespace-only) line
 * stands between two non-blank lines. A byte scan that stops at the first such line.
 */
export function hasBlankLineParagraphs(file: string, chunkBytes = 1 << 16): boolean {
  const fd = openForReading(file);
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    let seenText = false; // a non-blank line so far
    let gap = false; // a blank line after it
    let lineBlank = true;
    let pos = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) return false;
      const from = pos === 0 && n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0; // BOM
      pos += n;
      for (let i = from; i < n; i++) {
        const b = buf[i];
        if (b === 0x0a) {
          if (lineBlank) { if (seenText) gap = true; } else seenText = true;
          lineBlank = true;
        } else if (lineBlank && !isWs(b)) {
          if (gap) return true;
          lineBlank = false;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Index of the first byte that is not valid UTF-8 (−1 if all is valid). */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0) return i;
    for (let k = 1; k <= need; k++) if (i + k >= n || (b[i + k] & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1];
    // overlong 3/4-byte forms, UTF-16 surrogates, code points past U+10FFFF
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return i;
    i += need + 1;
  }
  return -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of a document: strict UTF-8 (a DataError naming file:line and column), CRLF → LF. */
export function decodeTextDoc(file: string, doc: TextDoc): string {
  let s: string;
  try {
    s = utf8.decode(doc.bytes);
  } catch {
    const bad = Math.max(0, firstInvalidUtf8(doc.bytes));
    let line = doc.line;
    let lastNl = -1;
    for (let j = 0; j < bad; j++) if (doc.bytes[j] === 0x0a) { line++; lastNl = j; }
    const col = lastNl < 0 ? doc.col + bad : bad - lastNl;
    throw new DataError(`invalid UTF-8 at byte ${col} of the line (0x${doc.bytes[bad].toString(16).padStart(2, '0')})`, file, line);
  }
  return s.indexOf('\r') < 0 ? s : s.replace(/\r\n/g, '\n');
}
