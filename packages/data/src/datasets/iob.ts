import { BadRecordPolicy } from '../errors.js';
import { DataError } from '../errors.js';
import { linesSync } from '../io/lines.js';
import type { ReadOptions, ReadResult } from './classification.js';

export const UNER_TYPES = ['PER', 'LOC', 'ORG'] as const;
export const WNUT17_TYPES = ['person', 'location', 'corporation', 'group', 'creative-work', 'product'] as const;

/** IOB2 label list for entity types: ['O', 'B-T1', 'I-T1', …] (label-id order). */
export function iob2Labels(types: readonly string[]): string[] {
  return ['O', ...types.flatMap((t) => [`B-${t}`, `I-${t}`])];
}

export interface IobSentence {
  tokens: string[];
  tags: string[];
  line: number;
}

export interface IobOptions extends ReadOptions {
  /**
   * Column layout: 'uner' (5 columns: index, token, tag, -, -), 'conll' (2 columns: token, tag),
   * or 'auto' (default: from the first token line).
   */
  layout?: 'uner' | 'conll' | 'auto';
  /** Allowed entity types; a tag with another type is an "unknown label". Default: any type. */
  types?: readonly string[];
}

const TAG = /^(O|[BI]-(.+))$/;

/**
 * Streams an IOB2 token-per-line file (UNER 5-column, WNUT/CoNLL 2-column). Blank lines separate
 * sentences; in the 5-column layout, lines starting with '#' that are not token lines are comments.
 * Wrong column counts and malformed or unknown tags → DataError (file, line), or a skipped sentence.
 */
export function* iterIob(file: string, opts: IobOptions = {}, policy = new BadRecordPolicy(opts.onBad)): Generator<IobSentence> {
  let layout = opts.layout ?? 'auto';
  const types = opts.types ? new Set(opts.types) : null;
  let cur: IobSentence | null = null;
  let broken = false;
  let any = false;
  for (const { text, line } of linesSync(file)) {
    if (text.trim() === '') {
      if (cur && !broken && cur.tokens.length) yield cur;
      cur = null; broken = false;
      continue;
    }
    const cols = text.split('\t');
    if (layout === 'auto' && text.startsWith('#') && cols.length !== 5 && cols.length !== 2) continue; // leading comment
    if (layout === 'auto') {
      layout = cols.length === 5 ? 'uner' : cols.length === 2 ? 'conll' : 'auto';
      if (layout === 'auto') throw new DataError(`cannot detect IOB layout: expected 5 (UNER) or 2 (token, tag) tab-separated columns, got ${cols.length}`, file, line);
    }
    const ncol = layout === 'uner' ? 5 : 2;
    if (layout === 'uner' && text.startsWith('#') && cols.length !== ncol) continue; // comment
    any = true;
    if (cur === null) cur = { tokens: [], tags: [], line };
    if (broken) continue;
    const fail = (reason: string): void => { policy.bad(file, line, reason); broken = true; };
    if (cols.length !== ncol) { fail(`expected ${ncol} tab-separated columns, got ${cols.length}`); continue; }
    const token = layout === 'uner' ? cols[1] : cols[0];
    const tag = (layout === 'uner' ? cols[2] : cols[1]).trim();
    const m = TAG.exec(tag);
    if (!m) { fail(`malformed IOB2 tag '${tag}'`); continue; }
    if (types && m[2] !== undefined && !types.has(m[2])) { fail(`unknown label '${tag}' (entity types: ${[...types].join(', ')})`); continue; }
    if (token === '') { fail('empty token'); continue; }
    cur.tokens.push(token); cur.tags.push(tag);
  }
  if (cur && !broken && cur.tokens.length) yield cur;
  if (!any) throw new DataError('empty file', file);
}

export function readIob(file: string, opts: IobOptions = {}): ReadResult<IobSentence> {
  const policy = new BadRecordPolicy(opts.onBad);
  const examples: IobSentence[] = [];
  for (const s of iterIob(file, opts, policy)) {
    examples.push(s);
    if (opts.limit !== undefined && examples.length >= opts.limit) break;
  }
  return { file, examples, skipped: policy.skipped };
}
