// Your own labelled texts for `avey finetune classify` / `avey eval classify`: TSV, CSV (both with
// a header row) or JSONL (one object per line), chosen by the file extension. Columns are named by
// --text-column, optional --text-pair-column and --label-column. Labels are names or integers; the
// label list comes from the training file (integers: 0…max; names: sorted) and is saved in the
// model's config.json as id2label. Every problem names file:line.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { FileError, UsageError } from '../errors.js';

export interface OwnDataColumns {
  text: string;
  pair?: string;
  label: string;
}

export interface LabelledRow {
  text: string;
  pair?: string;
  label: string;
  line: number;
}

/** Splits one CSV record (RFC 4180 quotes: "a, b" and "" for a quote inside). */
function csvFields(line: string, file: string, n: number): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) throw new FileError(file, `${file}:${n}: a quoted field is not closed (a CSV field with a line break inside is not supported).`);
  out.push(cur);
  return out;
}

/** Reads a labelled file; `flag` names the option it came from (for messages). */
export function readLabelled(file: string, cols: OwnDataColumns, flag: string): LabelledRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FileError(file, `${flag} '${file}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { cause: e });
  }
  const ext = extname(file).toLowerCase();
  const lines = text.split(/\r?\n/);
  const rows: LabelledRow[] = [];
  const want = [cols.text, cols.label, ...(cols.pair ? [cols.pair] : [])];
  const take = (get: (c: string) => unknown, n: number) => {
    const val = (c: string) => {
      const v = get(c);
      if (v === undefined || v === null) throw new FileError(file, `${file}:${n}: no value for the column '${c}'.`);
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new FileError(file, `${file}:${n}: the column '${c}' holds ${JSON.stringify(v).slice(0, 40)}, not a text or a number.`);
      return String(v);
    };
    const row: LabelledRow = { text: val(cols.text), label: val(cols.label).trim(), line: n };
    if (cols.pair) row.pair = val(cols.pair);
    if (row.text.trim() === '') throw new FileError(file, `${file}:${n}: the text in '${cols.text}' is empty.`);
    if (row.label === '') throw new FileError(file, `${file}:${n}: the label in '${cols.label}' is empty.`);
    rows.push(row);
  };
  if (ext === '.jsonl' || ext === '.json') {
    lines.forEach((l, i) => {
      if (l.trim() === '') return;
      let obj: unknown;
      try {
        obj = JSON.parse(l);
      } catch (e) {
        throw new FileError(file, `${file}:${i + 1}: not valid JSON (${(e as Error).message}).`);
      }
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new FileError(file, `${file}:${i + 1}: each line must be a JSON object like {"${cols.text}": "…", "${cols.label}": "…"}.`);
      take((c) => (obj as Record<string, unknown>)[c], i + 1);
    });
    return rows;
  }
  if (ext !== '.tsv' && ext !== '.csv' && ext !== '.txt') {
    throw new UsageError(`${flag} '${file}': use a .tsv, .csv or .jsonl file (the extension says which format).`, 'finetune');
  }
  const split = (l: string, n: number) => (ext === '.csv' ? csvFields(l, file, n) : l.split('\t'));
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return rows;
  const header = split(lines[first], first + 1).map((h) => h.trim());
  for (const c of want) {
    if (!header.includes(c)) {
      throw new FileError(file, `${file}:${first + 1}: the header has no column '${c}' (it has ${header.map((h) => `'${h}'`).join(', ')}). Name the columns with --text-column, --text-pair-column and --label-column.`);
    }
  }
  for (let i = first + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const f = split(lines[i], i + 1);
    if (f.length !== header.length) throw new FileError(file, `${file}:${i + 1}: ${f.length} fields, but the header has ${header.length}.`);
    take((c) => f[header.indexOf(c)], i + 1);
  }
  return rows;
}

/** The label list of a training set: integers 0…max when every label is a whole number, else the
 *  sorted names. An empty or one-class training set is refused. */
export function labelList(rows: readonly LabelledRow[], file: string): string[] {
  if (rows.length === 0) throw new UsageError(`--train '${file}' has no examples.`, 'finetune');
  const names = [...new Set(rows.map((r) => r.label))];
  if (names.length < 2) throw new UsageError(`--train '${file}' has only one label ('${names[0]}'): a classifier needs at least two classes.`, 'finetune');
  if (names.every((n) => /^\d+$/.test(n))) {
    const max = Math.max(...names.map(Number));
    if (max > 100_000) throw new UsageError(`--train '${file}': label ${max} is too large for an integer class id (use names, or ids 0…N−1).`, 'finetune');
    return Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  return names.sort();
}

/** Class ids of `rows` under `labels`; an unknown label is named with its file:line. */
export function classIds(rows: readonly LabelledRow[], labels: readonly string[], file: string): number[] {
  const index = new Map(labels.map((l, i) => [l, i]));
  return rows.map((r) => {
    const id = index.get(r.label);
    if (id === undefined) throw new FileError(file, `${file}:${r.line}: the label '${r.label}' is not one of the training labels (${labels.slice(0, 8).join(', ')}${labels.length > 8 ? ', …' : ''}).`);
    return id;
  });
}
