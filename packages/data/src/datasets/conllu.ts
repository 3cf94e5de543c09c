import { BadRecordPolicy } from '../errors.js';
import { DataError } from '../errors.js';
import { linesSync } from '../io/lines.js';
import type { ReadOptions, ReadResult } from './classification.js';

/** The 17 Universal POS tags, in label-id order. */
export const UPOS_TAGS = ['ADJ', 'ADP', 'ADV', 'AUX', 'CCONJ', 'DET', 'INTJ', 'NOUN', 'NUM', 'PART', 'PRON', 'PROPN', 'PUNCT', 'SCONJ', 'SYM', 'VERB', 'X'] as const;
const UPOS_SET = new Set<string>(UPOS_TAGS);

export interface ConlluSentence {
  sentId: string | null;
  text: string | null;
  /** Syntactic words (integer-ID lines only; `n-m` multiword and `n.k` empty-node lines skipped). */
  words: string[];
  upos: string[];
  xpos: string[];
  heads: number[];
  deprels: string[];
  /** Line of the sentence's first line. */
  line: number;
}

/**
 * Streams a CoNLL-U file sentence by sentence. Every token line must have 10 tab-separated
 * columns, integer IDs must run 1…n, and UPOS must be one of the 17 UD tags; a violation is a
 * DataError (file, line) or, with onBad = 'skip', the whole sentence is skipped and counted.
 */
export function* iterConllu(file: string, policy = new BadRecordPolicy('throw')): Generator<ConlluSentence> {
  let cur: ConlluSentence | null = null;
  let broken = false;
  let any = false;
  const fresh = (line: number): ConlluSentence => ({ sentId: null, text: null, words: [], upos: [], xpos: [], heads: [], deprels: [], line });
  for (const { text, line } of linesSync(file)) {
    if (text.trim() === '') {
      if (cur && !broken && cur.words.length) yield cur;
      cur = null; broken = false;
      continue;
    }
    any = true;
    if (cur === null) cur = fresh(line);
    if (broken) continue;
    if (text.startsWith('#')) {
      const m = /^#\s*(sent_id|text)\s*=\s?(.*)$/.exec(text);
      if (m) { if (m[1] === 'sent_id') cur.sentId = m[2]; else cur.text = m[2]; }
      continue;
    }
    const cols = text.split('\t');
    const fail = (reason: string): void => { policy.bad(file, line, reason); broken = true; };
    if (cols.length !== 10) { fail(`expected 10 tab-separated CoNLL-U columns, got ${cols.length}`); continue; }
    const id = cols[0];
    if (/^\d+-\d+$/.test(id) || /^\d+\.\d+$/.test(id)) continue; // multiword token / empty node
    if (!/^\d+$/.test(id)) { fail(`bad token ID '${id}'`); continue; }
    if (Number(id) !== cur.words.length + 1) { fail(`token ID ${id} out of sequence (expected ${cur.words.length + 1})`); continue; }
    if (!UPOS_SET.has(cols[3])) { fail(`unknown UPOS '${cols[3]}'`); continue; }
    const head = cols[6] === '_' ? -1 : Number(cols[6]);
    if (!Number.isInteger(head)) { fail(`bad HEAD '${cols[6]}'`); continue; }
    cur.words.push(cols[1]); cur.upos.push(cols[3]); cur.xpos.push(cols[4]); cur.heads.push(head); cur.deprels.push(cols[7]);
  }
  if (cur && !broken && cur.words.length) yield cur;
  if (!any) throw new DataError('empty file', file);
}

export function readConllu(file: string, opts: ReadOptions = {}): ReadResult<ConlluSentence> {
  const policy = new BadRecordPolicy(opts.onBad);
  const examples: ConlluSentence[] = [];
  for (const s of iterConllu(file, policy)) {
    examples.push(s);
    if (opts.limit !== undefined && examples.length >= opts.limit) break;
  }
  return { file, examples, skipped: policy.skipped };
}
