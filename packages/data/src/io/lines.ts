import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { DataError } from '../errors.js';

export interface Line {
  /** Line text without the trailing '\n' or '\r\n'. */
  text: string;
  /** 1-based line number. */
  line: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeLine(bytes: Uint8Array, file: string, line: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let bad = 0;
    // find the first offending byte for the message: decode growing prefixes at code-point starts
    for (let i = 0; i < bytes.length; i++) {
      try { utf8.decode(bytes.subarray(0, i + 1)); bad = i + 1; } catch { /* incomplete or invalid */ }
    }
    throw new DataError(`invalid UTF-8 near byte ${bad} of the line (0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')})`, file, line);
  }
}

/**
 * Streams a file's lines synchronously (64 KiB reads; never the whole file in memory). Splits on
 * the byte 0x0A — safe in UTF-8, where 0x0A never occurs inside a multi-byte sequence — then decodes
 * each line strictly: invalid UTF-8 throws a DataError naming the file and line. A leading BOM on
 * line 1 is dropped; a trailing '\r' is dropped (CRLF files). `startLine` lets a reader resume.
 */
export function* linesSync(file: string, chunkBytes = 1 << 16): Generator<Line> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new DataError(`cannot open: ${(e as Error).message}`, file);
  }
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    let carry: Uint8Array = new Uint8Array(0);
    let lineNo = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) break;
      let data: Uint8Array = buf.subarray(0, n);
      if (carry.length) {
        const joined = new Uint8Array(carry.length + n);
        joined.set(carry);
        joined.set(data, carry.length);
        data = joined;
      }
      let start = 0;
      for (;;) {
        const nl = data.indexOf(0x0a, start);
        if (nl < 0) break;
        lineNo++;
        yield { text: finish(decodeLine(data.subarray(start, nl), file, lineNo), lineNo), line: lineNo };
        start = nl + 1;
      }
      carry = Uint8Array.prototype.slice.call(data, start); // a copy: Buffer#slice would be a view of `buf`
    }
    if (carry.length) {
      lineNo++;
      yield { text: finish(decodeLine(carry, file, lineNo), lineNo), line: lineNo };
    }
  } finally {
    closeSync(fd);
  }
}

function finish(s: string, line: number): string {
  if (line === 1 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  if (s.endsWith('\r')) s = s.slice(0, -1);
  return s;
}

/** Reads a whole (small) file strictly as UTF-8; DataError on invalid bytes (with the line) or if empty. */
export function readTextStrict(file: string, allowEmpty = false): string {
  const parts: string[] = [];
  for (const l of linesSync(file)) parts.push(l.text);
  if (!allowEmpty && parts.every((p) => p.trim() === '')) throw new DataError('empty file', file);
  return parts.join('\n');
}

/** Throws DataError if `file` is missing or not a regular file. */
export function assertFile(file: string): void {
  let ok = false;
  try { ok = statSync(file).isFile(); } catch { ok = false; }
  if (!ok) throw new DataError('no such file', file);
}
