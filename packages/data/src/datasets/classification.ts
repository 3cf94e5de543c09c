import { BadRecordPolicy, type OnBadRecord, type SkippedRecord } from '../errors.js';
import { DataError } from '../errors.js';
import { linesSync } from '../io/lines.js';

/** What every reader returns: the examples, and the records it skipped (onBad = 'skip'). */
export interface ReadResult<T> {
  file: string;
  examples: T[];
  skipped: SkippedRecord[];
}

export interface ReadOptions {
  /** 'throw' (default): first bad record → DataError(file, line); 'skip': count it in `skipped`. */
  onBad?: OnBadRecord;
  /** Stop after this many examples (streaming: the rest of the file is not read). */
  limit?: number;
}

export interface Sst2Example {
  text: string;
  /** 0 = negative, 1 = positive. */
  label: 0 | 1;
  line: number;
}

export const SST2_LABELS = ['negative', 'positive'] as const;

function expectHeader(file: string, got: string | undefined, want: string[]): void {
  if (got === undefined) throw new DataError('empty file', file);
  const cols = got.split('\t');
  if (cols.length !== want.length || cols.some((c, i) => c.trim() !== want[i])) {
    throw new DataError(`expected header '${want.join('<TAB>')}', got '${got.slice(0, 80)}'`, file, 1);
  }
}

/** SST-2 TSV: header `sentence<TAB>label`, label 0/1. Sentences are trimmed (they often end in a space). */
export function readSst2(file: string, opts: ReadOptions = {}): ReadResult<Sst2Example> {
  const policy = new BadRecordPolicy(opts.onBad);
  const examples: Sst2Example[] = [];
  let header: string | undefined;
  for (const { text, line } of linesSync(file)) {
    if (line === 1) { header = text; expectHeader(file, header, ['sentence', 'label']); continue; }
    if (text.trim() === '') continue;
    const cols = text.split('\t');
    if (cols.length !== 2) { policy.bad(file, line, `expected 2 tab-separated columns (sentence, label), got ${cols.length}`); continue; }
    const lab = cols[1].trim();
    if (lab !== '0' && lab !== '1') { policy.bad(file, line, `unknown label '${lab}' (expected 0 or 1)`); continue; }
    const sentence = cols[0].trim();
    if (!sentence) { policy.bad(file, line, 'empty sentence'); continue; }
    examples.push({ text: sentence, label: lab === '1' ? 1 : 0, line });
    if (opts.limit !== undefined && examples.length >= opts.limit) break;
  }
  if (header === undefined) throw new DataError('empty file', file);
  return { file, examples, skipped: policy.skipped };
}

/** SICK entailment labels, in label-id order. */
export const SICK_LABELS = ['ENTAILMENT', 'NEUTRAL', 'CONTRADICTION'] as const;

export interface SickExample {
  pairId: number;
  a: string;
  b: string;
  /** Relatedness in [1, 5] (SICK-R). */
  relatedness: number;
  /** Index into SICK_LABELS (SICK-E). */
  label: 0 | 1 | 2;
  line: number;
}

/** SICK TSV: `pair_ID sentence_A sentence_B relatedness_score entailment_judgment`. */
export function readSick(file: string, opts: ReadOptions = {}): ReadResult<SickExample> {
  const policy = new BadRecordPolicy(opts.onBad);
  const examples: SickExample[] = [];
  let header: string | undefined;
  for (const { text, line } of linesSync(file)) {
    if (line === 1) { header = text; expectHeader(file, header, ['pair_ID', 'sentence_A', 'sentence_B', 'relatedness_score', 'entailment_judgment']); continue; }
    if (text.trim() === '') continue;
    const cols = text.split('\t');
    if (cols.length !== 5) { policy.bad(file, line, `expected 5 tab-separated columns, got ${cols.length}`); continue; }
    const id = Number(cols[0]);
    if (!Number.isInteger(id)) { policy.bad(file, line, `pair_ID '${cols[0]}' is not an integer`); continue; }
    const rel = Number(cols[3]);
    if (!(rel >= 1 && rel <= 5)) { policy.bad(file, line, `relatedness_score '${cols[3]}' is not a number in [1, 5]`); continue; }
    const label = SICK_LABELS.indexOf(cols[4].trim() as (typeof SICK_LABELS)[number]);
    if (label < 0) { policy.bad(file, line, `unknown label '${cols[4]}' (expected ${SICK_LABELS.join(' | ')})`); continue; }
    if (!cols[1].trim() || !cols[2].trim()) { policy.bad(file, line, 'empty sentence'); continue; }
    examples.push({ pairId: id, a: cols[1], b: cols[2], relatedness: rel, label: label as 0 | 1 | 2, line });
    if (opts.limit !== undefined && examples.length >= opts.limit) break;
  }
  if (header === undefined) throw new DataError('empty file', file);
  return { file, examples, skipped: policy.skipped };
}

/** The paper's pair input: the literal text "[CLS]{a}[SEP]{b}" (special tokens matched as added tokens). */
export function pairText(a: string, b: string): string {
  return `[CLS]${a}[SEP]${b}`;
}
