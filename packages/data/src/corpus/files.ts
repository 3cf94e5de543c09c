import { DataError } from '../errors.js';
import { linesSync } from '../io/lines.js';
import { expandPaths } from '../io/paths.js';
import type { Document, DocumentSource } from './source.js';

export interface FileCorpusOptions {
  /**
   * 'text': plain text; 'jsonl': one JSON object per line with a string field `field`;
   * 'auto' (default): by extension (.jsonl / .ndjson → jsonl, else text).
   */
  format?: 'text' | 'jsonl' | 'auto';
  /** JSONL field holding the text (default 'text'). */
  field?: string;
  /** For text: 'line' = each non-empty line is a document (default); 'paragraph' = blank-line-separated blocks. */
  unit?: 'line' | 'paragraph';
  /** 'throw' (default): a malformed JSONL line is a DataError (file:line); 'skip': counted in `skipped`. */
  onBad?: 'throw' | 'skip';
}

/**
 * Plain-text / JSONL corpora from files, folders and globs, streamed line by line (never a whole
 * file in memory). Document ids are 'path:line'. Invalid UTF-8 is a DataError naming file and line.
 */
export class FileSource implements DocumentSource {
  readonly files: string[];
  readonly name: string;
  /** Bad lines skipped so far (onBad = 'skip'). */
  readonly skipped: { file: string; line: number; reason: string }[] = [];

  constructor(paths: string | string[], readonly opts: FileCorpusOptions = {}) {
    this.files = expandPaths(paths);
    this.name = `files:${Array.isArray(paths) ? paths.join(',') : paths}`;
  }

  private formatOf(file: string): 'text' | 'jsonl' {
    const f = this.opts.format ?? 'auto';
    if (f !== 'auto') return f;
    return /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'text';
  }

  /** All documents in order, numbered from 0; from `start` on, earlier ones are skipped cheaply. */
  *iterate(start = 0): Iterable<{ index: number; doc: Document }> {
    let index = 0;
    for (const file of this.files) {
      for (const d of this.fileDocs(file, index < start)) {
        if (index >= start) yield { index, doc: d };
        index++;
      }
    }
  }

  private *fileDocs(file: string, _skipping: boolean): Iterable<Document> {
    const fmt = this.formatOf(file);
    const field = this.opts.field ?? 'text';
    if (fmt === 'jsonl') {
      for (const { text, line } of linesSync(file)) {
        if (text.trim() === '') continue;
        let obj: unknown;
        try { obj = JSON.parse(text); } catch (e) {
          this.bad(file, line, `invalid JSON (${(e as Error).message})`);
          continue;
        }
        const v = obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[field] : undefined;
        if (typeof v !== 'string') { this.bad(file, line, `JSONL record has no string field '${field}'`); continue; }
        yield { id: `${file}:${line}`, text: v };
      }
      return;
    }
    if ((this.opts.unit ?? 'line') === 'line') {
      for (const { text, line } of linesSync(file)) if (text.trim() !== '') yield { id: `${file}:${line}`, text };
      return;
    }
    let buf: string[] = [];
    let first = 0;
    for (const { text, line } of linesSync(file)) {
      if (text.trim() === '') {
        if (buf.length) { yield { id: `${file}:${first}`, text: buf.join('\n') }; buf = []; }
      } else {
        if (!buf.length) first = line;
        buf.push(text);
      }
    }
    if (buf.length) yield { id: `${file}:${first}`, text: buf.join('\n') };
  }

  private readonly skippedKeys = new Set<string>();

  private bad(file: string, line: number, reason: string): void {
    if ((this.opts.onBad ?? 'throw') === 'throw') throw new DataError(reason, file, line);
    // re-iterating (next epoch, resume) meets the same bad line again: report it once
    const k = `${file}\u0000${line}`;
    if (!this.skippedKeys.has(k)) { this.skippedKeys.add(k); this.skipped.push({ file, line, reason }); }
  }
}
