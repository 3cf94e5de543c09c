import { dirname, relative, resolve, sep } from 'node:path';
import { DataError } from '../errors.js';
import { DataRng, mixSeed } from '../rng.js';
import { linesSync } from '../io/lines.js';
import { expandPaths } from '../io/paths.js';
import type { Document, DocumentSource } from './source.js';
import { decodeTextDoc, DEFAULT_MAX_DOC_BYTES, hasBlankLineParagraphs, textDocs, type TextUnit } from './text-docs.js';

export interface FileCorpusOptions {
  /**
   * 'text': plain text; 'jsonl': one JSON object per line with a string field `field`;
   * 'auto' (default): by extension (.jsonl / .ndjson → jsonl, else text).
   */
  format?: 'text' | 'jsonl' | 'auto';
  /** JSONL field holding the text (default 'text'). */
  field?: string;
  /**
   * For text: 'line' = each non-blank line is a document; 'paragraph' = blank-line-separated
   * blocks; 'auto' (default) = 'paragraph' for a file with a blank line between two non-blank
   * lines, else 'line'.
   */
  unit?: TextUnit | 'auto';
  /** Text documents longer than this many UTF-8 bytes are cut (default 32768; see text-docs.ts). */
  maxDocBytes?: number;
  /** 'throw' (default): a malformed JSONL line is a DataError (file:line); 'skip': counted in `skipped`. */
  onBad?: 'throw' | 'skip';
  /** Read the files in a seeded random order (default: path order). */
  fileOrderSeed?: number;
}

/** What one file of a FileSource gave. */
export interface FileStats {
  file: string;
  /** The name used in document ids (path relative to the files' common folder). */
  name: string;
  /** How its documents were found: text by line or paragraph, or JSONL records. */
  unit: TextUnit | 'jsonl';
  documents: number;
  /** Documents that are pieces of a line/paragraph longer than maxDocBytes. */
  cut: number;
}

/** The longest folder holding every file (absolute). */
function commonDir(files: readonly string[]): string {
  let parts = dirname(resolve(files[0])).split(sep);
  for (const f of files.slice(1)) {
    const q = dirname(resolve(f)).split(sep);
    let k = 0;
    while (k < parts.length && k < q.length && parts[k] === q[k]) k++;
    parts = parts.slice(0, k);
  }
  return parts.join(sep) || sep;
}

/**
 * Plain-text / JSONL corpora from files, folders and globs, streamed (never a whole file in
 * memory; see text-docs.ts). Document ids are 'name:line' ('name:line:column' for a second document
 * starting on the same line), with `name` the path relative to the files' common folder, so the
 * held-out split does not depend on where the files live. Invalid UTF-8 is a DataError naming file
 * and line.
 */
export class FileSource implements DocumentSource {
  readonly files: string[];
  readonly name: string;
  /** Bad lines skipped so far (onBad = 'skip'). */
  readonly skipped: { file: string; line: number; reason: string }[] = [];
  private names: string[];
  private readonly units = new Map<string, TextUnit | 'jsonl'>();
  private fileStats: FileStats[] | null = null;

  constructor(paths: string | string[], readonly opts: FileCorpusOptions = {}) {
    this.files = expandPaths(paths);
    this.name = `files:${Array.isArray(paths) ? paths.join(',') : paths}`;
    const base = commonDir(this.files);
    this.names = this.files.map((f) => relative(base, resolve(f)).split(sep).join('/'));
    if (opts.fileOrderSeed !== undefined) {
      const order = new DataRng(mixSeed(opts.fileOrderSeed, 3)).shuffle(this.files.map((_, i) => i));
      this.files = order.map((i) => this.files[i]);
      this.names = order.map((i) => this.names[i]);
    }
    const u = opts.unit ?? 'auto';
    if (u !== 'auto' && u !== 'line' && u !== 'paragraph') throw new DataError(`unit must be 'line', 'paragraph' or 'auto', got '${String(u)}'`);
  }

  private formatOf(file: string): 'text' | 'jsonl' {
    const f = this.opts.format ?? 'auto';
    if (f !== 'auto') return f;
    return /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'text';
  }

  /** How `file`'s documents are found ('auto' is decided by a scan for blank lines, once). */
  unitOf(file: string): TextUnit | 'jsonl' {
    let u = this.units.get(file);
    if (u === undefined) {
      const want = this.opts.unit ?? 'auto';
      u = this.formatOf(file) === 'jsonl' ? 'jsonl' : want !== 'auto' ? want : hasBlankLineParagraphs(file) ? 'paragraph' : 'line';
      this.units.set(file, u);
    }
    return u;
  }

  /** All documents in order, numbered from 0; from `start` on (earlier ones are read, not kept). */
  *iterate(start = 0): Iterable<{ index: number; doc: Document }> {
    let index = 0;
    const stats: FileStats[] = [];
    for (let f = 0; f < this.files.length; f++) {
      const file = this.files[f];
      const st: FileStats = { file, name: this.names[f], unit: this.unitOf(file), documents: 0, cut: 0 };
      stats.push(st);
      for (const d of this.fileDocs(file, this.names[f], st)) {
        if (index >= start) yield { index, doc: d };
        index++;
      }
    }
    if (start === 0) this.fileStats = stats;
  }

  /** Per-file document counts (read from a complete pass; one is made if none was yet). */
  stats(): FileStats[] {
    if (this.fileStats === null) for (const _ of this.iterate(0)) { /* counting */ }
    return this.fileStats as FileStats[];
  }

  private *fileDocs(file: string, name: string, st: FileStats): Iterable<Document> {
    const unit = st.unit;
    if (unit === 'jsonl') {
      const field = this.opts.field ?? 'text';
      for (const { text, line } of linesSync(file)) {
        if (text.trim() === '') continue;
        let obj: unknown;
        try { obj = JSON.parse(text); } catch (e) {
          this.bad(file, line, `invalid JSON (${(e as Error).message})`);
          continue;
        }
        const v = obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[field] : undefined;
        if (typeof v !== 'string') { this.bad(file, line, `JSONL record has no string field '${field}'`); continue; }
        st.documents++;
        yield { id: `${name}:${line}`, text: v };
      }
      return;
    }
    let lastLine = 0;
    for (const d of textDocs(file, unit, this.opts.maxDocBytes ?? DEFAULT_MAX_DOC_BYTES)) {
      const id = d.line === lastLine ? `${name}:${d.line}:${d.col}` : `${name}:${d.line}`;
      lastLine = d.line;
      st.documents++;
      if (d.cut) st.cut++;
      yield { id, text: decodeTextDoc(file, d) };
    }
  }

  private readonly skippedKeys = new Set<string>();

  private bad(file: string, line: number, reason: string): void {
    if ((this.opts.onBad ?? 'throw') === 'throw') throw new DataError(reason, file, line);
    // re-iterating (next epoch, resume) meets the same bad line again: report it once
    const k = `${file}\u0000${line}`;
    if (!this.skippedKeys.has(k)) { this.skippedKeys.add(k); this.skipped.push({ file, line, reason }); }
  }
}
