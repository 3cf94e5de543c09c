// Your own tagged tokens for `avey finetune tag` / `avey eval tag`: CoNLL/IOB column files, one
// token per line, a blank line between sentences. Fields are tab-separated when the file's first
// token line has a tab, else separated by runs of spaces (CoNLL-2003 style). --token-column
// (default 1) and --tag-column (default: the last column) pick the columns, 1-based. A line
// starting with '#' is a comment unless it has the file's column count (so `#hashtag<TAB>O` is a
// token); before the first token line, a '#' line with no tab or starting with '# ' is a comment.
// CoNLL-2003's `-DOCSTART-` lines are skipped. --scheme iob2|bio (the same thing: B-X starts an
// entity, I-X continues it, O is outside) checks every tag and scores entity-level F1; --scheme
// none takes any tag names and scores token accuracy. Every problem names file:line.
import { resolve } from 'node:path';
import type { Tokenizer } from '@avey/data';
import { FileError, UsageError } from '../errors.js';
import { taggingSplit, type LoadOptions, type TaskData } from './tasks.js';

export type TagScheme = 'iob2' | 'bio' | 'none';

export interface TagColumns {
  /** 1-based token column. */
  token: number;
  /** 1-based tag column; undefined: the last column. */
  tag?: number;
  scheme: TagScheme;
}

export interface TaggedSentence {
  words: string[];
  tags: string[];
  /** Line of the sentence's first token. */
  line: number;
  /** Line of each token (for messages). */
  lines: number[];
}

const IOB_TAG = /^(O|[BI]-(.+))$/;

/** Reads a column file; `flag` names the option it came from (for messages). */
export async function readTagged(file: string, cols: TagColumns, flag: string): Promise<TaggedSentence[]> {
  const d = await import('@avey/data');
  const out: TaggedSentence[] = [];
  let cur: TaggedSentence | null = null;
  let width = 0; // the file's column count, from its first token line
  let tabs: boolean | undefined; // tab-separated, from its first token line
  const close = () => {
    if (cur) out.push(cur);
    cur = null;
  };
  let lines;
  try {
    lines = [...d.linesSync(file)];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(file, code ? `${flag} '${file}' cannot be read (${code}).` : `${file}: ${(e as Error).message}`, { cause: e });
  }
  for (const { text, line } of lines) {
    if (text.trim() === '') {
      close();
      continue;
    }
    const fields = tabs ?? text.includes('\t') ? text.split('\t').map((f) => f.trim()) : text.trim().split(/\s+/);
    // a comment: a '#' line that does not have the file's column count; before the first token
    // line, one with no tab or starting with '# '
    if (text.startsWith('#') && (width ? fields.length !== width : !text.includes('\t') || text.startsWith('# '))) continue;
    if (width === 0) {
      width = fields.length;
      tabs = text.includes('\t');
    }
    const at = `${file}:${line}`;
    if (fields.length !== width) throw new FileError(file, `${at}: ${fields.length} column${fields.length === 1 ? '' : 's'}${tabs ? ' (tab-separated)' : ''}, but the file's first token line has ${width}.`);
    const tc = cols.tag ?? width;
    for (const [c, name] of [[cols.token, '--token-column'], [tc, '--tag-column']] as const) {
      if (c > width) throw new UsageError(`${at}: ${name} ${c}, but the line has ${width} column${width === 1 ? '' : 's'} (a CoNLL file needs a token and a tag column).`, 'finetune');
    }
    if (cols.token === tc) throw new UsageError(`--token-column and --tag-column are both ${tc}.`, 'finetune');
    const word = fields[cols.token - 1];
    if (word === '-DOCSTART-') continue; // CoNLL-2003's document marker, not a token
    const tag = fields[tc - 1];
    if (word === '') throw new FileError(file, `${at}: the token (column ${cols.token}) is empty.`);
    if (tag === '') throw new FileError(file, `${at}: the tag (column ${tc}) is empty.`);
    if (cols.scheme !== 'none' && !IOB_TAG.test(tag)) {
      throw new FileError(file, `${at}: the tag '${tag}' is not an ${cols.scheme.toUpperCase()} tag (O, B-TYPE or I-TYPE); use --scheme none for other tag sets, or --tag-column to pick another column.`);
    }
    if (!cur) cur = { words: [], tags: [], line, lines: [] };
    const c: TaggedSentence = cur;
    c.words.push(word);
    c.tags.push(tag);
    c.lines.push(line);
  }
  close();
  return out;
}

/** The label list of a training set: for iob2/bio, 'O' then B-/I- of each entity type (sorted);
 *  for none, the sorted tags. An empty or single-tag training set is refused. */
export function tagList(sents: readonly TaggedSentence[], scheme: TagScheme, file: string): string[] {
  if (sents.length === 0) throw new UsageError(`--train '${file}' has no sentences.`, 'finetune');
  const tags = [...new Set(sents.flatMap((s) => s.tags))].sort();
  if (tags.length < 2) throw new UsageError(`--train '${file}' has only one tag ('${tags[0]}'): a tagger needs at least two.`, 'finetune');
  if (scheme === 'none') return tags;
  const types = [...new Set(tags.flatMap((t) => (t === 'O' ? [] : [t.slice(2)])))].sort();
  return ['O', ...types.flatMap((t) => [`B-${t}`, `I-${t}`])];
}

/** Checks every tag of `sents` is in `labels`; an unknown tag is named with its file:line. */
export function checkTags(sents: readonly TaggedSentence[], labels: readonly string[], file: string): void {
  const known = new Set(labels);
  for (const s of sents) {
    s.tags.forEach((t, i) => {
      if (!known.has(t)) throw new FileError(file, `${file}:${s.lines[i]}: the tag '${t}' is not one of the training tags (${labels.slice(0, 8).join(', ')}${labels.length > 8 ? ', …' : ''}).`);
    });
  }
}

/** The scheme a model was trained with, from its tags: iob2 when every tag is O/B-X/I-X. */
export function schemeOf(labels: readonly string[]): TagScheme {
  return labels.every((l) => IOB_TAG.test(l)) && labels.includes('O') ? 'iob2' : 'none';
}

export interface OwnTagFiles {
  train?: string;
  validation?: string;
  test?: string;
  columns: TagColumns;
}

/** Reads the files; `labels` fixes the tag list (evaluating a fine-tuned model), else it comes
 *  from --train. Without --validation the last 10 % of --train's sentences is held out for it. */
export async function loadTag(tok: Tokenizer, o: LoadOptions, f: OwnTagFiles, labels?: string[]): Promise<TaskData> {
  const read = async (file: string | undefined, flag: string, limit?: number) => {
    if (!file) return [];
    const rows = await readTagged(resolve(file), f.columns, flag);
    return limit ? rows.slice(0, limit) : rows;
  };
  let train = await read(f.train, '--train', o.limit);
  const labs = labels ?? tagList(train, f.columns.scheme, f.train ?? '');
  let dev = await read(f.validation, '--validation', o.evalLimit);
  if (!f.validation && train.length >= 10 && !labels) {
    const n = Math.max(1, Math.round(train.length * 0.1));
    dev = train.slice(train.length - n);
    train = train.slice(0, train.length - n);
  }
  const test = await read(f.test, '--test', o.evalLimit);
  const metric = f.columns.scheme === 'none' ? 'accuracy' : 'entity';
  const split = (sents: TaggedSentence[], file: string) => {
    checkTags(sents, labs, file);
    return taggingSplit(tok, sents, labs, o.maxLen, metric);
  };
  return {
    name: 'tag',
    head: 'tokcls',
    labels: labs,
    primary: metric === 'entity' ? 'f1' : 'accuracy',
    train: await split(train, f.train ?? ''),
    dev: await split(dev, f.validation ?? f.train ?? ''),
    test: await split(test, f.test ?? ''),
    source: [f.train, f.validation, f.test].filter(Boolean).join(', '),
  };
}
