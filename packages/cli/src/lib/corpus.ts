// Opening pretraining / tokenizer corpora: user files (FileSource) or the built-in corpus, split
// into training and held-out documents (or held out by --validation-corpus), with a report of
// what each file gave for the log and run.json.
import type { DocumentSource, FileStats, HeldOutSplitReport, TextUnit } from '@avey/data';
import { FileError } from '../errors.js';
import { formatCount } from '../util/format.js';

export type CorpusUnit = TextUnit | 'auto';
export const CORPUS_UNITS: readonly CorpusUnit[] = ['auto', 'line', 'paragraph'];

/** What the corpus gave: recorded in run.json (`data`) and printed in the log. */
export interface CorpusInfo {
  /** The --corpus-unit asked for (files only). */
  unit: CorpusUnit | null;
  /** Per file: the unit used and the documents it gave (the first MAX_LISTED files). */
  files: Array<Pick<FileStats, 'name' | 'unit' | 'documents' | 'cut'>>;
  files_total: number;
  documents: number;
  /** How the held-out documents were chosen. */
  held_out: (HeldOutSplitReport & { from: 'split' }) | { from: 'validation-corpus'; documents: number; files: Array<Pick<FileStats, 'name' | 'unit' | 'documents' | 'cut'>> };
}

export interface OpenedCorpus {
  /** Human description for logs ("built-in corpus (sotu+moby-dick+spam-assassin)" or file count). */
  describe: string;
  train: DocumentSource;
  /** Held-out documents: 5 % of documents chosen by a hash of their id (the last 5 % when the
   *  hash leaves a side empty), or the --validation-corpus files. */
  heldOut: DocumentSource;
  /** Files only (null for the built-in corpus without --validation-corpus). */
  info: CorpusInfo | null;
  /** Lines for the run log saying what was read and how it was split. */
  notes: string[];
}

export interface OpenCorpusOptions {
  /** Read the built-in corpus' documents in a seeded random order (its sources are stored one
   *  after the other); with `shuffleFiles`, user files too (files in a seeded order, documents
   *  permuted within windows of 256: windowShuffled). */
  shuffleSeed?: number;
  shuffleFiles?: boolean;
  /** How text files are cut into documents (default 'auto'). */
  unit?: CorpusUnit;
  /** Held-out files to use instead of splitting the corpus. */
  validation?: readonly string[];
  /** The flag named in messages (default '--corpus'). */
  flag?: string;
}

const MAX_LISTED = 1000;
const SHAPES = 'Pass text files (.txt: one document per line, or per blank-line-separated paragraph; .jsonl: a "text" field per line) or folders holding them.';

async function openFiles(paths: readonly string[], unit: CorpusUnit, flag: string, fileOrderSeed?: number) {
  const data = await import('@avey/data');
  let files: string[];
  try {
    files = data.expandPaths([...paths]);
  } catch (e) {
    const err = e as { file?: string | null; reason?: string; message: string };
    throw new FileError(err.file ?? String(paths), `${flag} '${err.file ?? paths.join(' ')}': ${err.reason ?? err.message}. ${SHAPES}`, { cause: e });
  }
  return new data.FileSource(files, { unit, fileOrderSeed });
}

const byName = (stats: FileStats[]) => [...stats].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
const listed = (stats: FileStats[]) => byName(stats).slice(0, MAX_LISTED).map(({ name, unit, documents, cut }) => ({ name, unit, documents, cut }));

const docs = (n: number) => `${formatCount(n)} document${n === 1 ? '' : 's'}`;

/** "reviews.txt: 8530 documents (one per line)" for the first few files. */
function fileLines(stats: FileStats[], max = 8): string[] {
  const how = (s: FileStats) =>
    s.unit === 'jsonl' ? 'JSONL records' : s.unit === 'line' ? 'one per line' : 'blank-line paragraphs';
  const out = byName(stats).slice(0, max).map((s) => `  ${s.name}: ${docs(s.documents)} (${how(s)}${s.cut ? `; ${formatCount(s.cut)} are pieces of lines/paragraphs longer than 32 KiB, cut at sentence ends` : ''})`);
  if (stats.length > max) out.push(`  … and ${stats.length - max} more files (all listed in run.json)`);
  return out;
}

/** Names the text in errors: the file when there is one, else the arguments. */
function whatOf(src: { files: string[] }, paths: readonly string[]): string {
  return src.files.length === 1 ? src.files[0] : `${paths.join(' ')} (${src.files.length} files)`;
}

export async function openCorpus(paths: readonly string[] | undefined, opts: OpenCorpusOptions = {}): Promise<OpenedCorpus> {
  const data = await import('@avey/data');
  const unit = opts.unit ?? 'auto';
  const flag = opts.flag ?? '--corpus';
  let validation: { src: import('@avey/data').FileSource; stats: FileStats[]; documents: number } | null = null;
  if (opts.validation && opts.validation.length) {
    const src = await openFiles(opts.validation, unit, '--validation-corpus');
    const stats = src.stats();
    const documents = stats.reduce((a, s) => a + s.documents, 0);
    if (documents === 0) throw new FileError(src.files[0], `--validation-corpus ${whatOf(src, opts.validation)}: no documents (the files are empty or blank). ${SHAPES}`);
    validation = { src, stats, documents };
  }
  const validationNotes = validation ? [`held-out: ${docs(validation.documents)} of --validation-corpus`, ...fileLines(validation.stats)] : [];

  if (!paths || paths.length === 0) {
    const { train, heldOut } = data.embeddedCorpus(data.EMBEDDED_CORPORA, { shuffleSeed: opts.shuffleSeed });
    const order = opts.shuffleSeed === undefined ? '' : ', documents shuffled';
    return {
      describe: `built-in corpus (${data.EMBEDDED_CORPORA.join(', ')}${order})`,
      train,
      heldOut: validation ? validation.src : heldOut,
      info: validation ? { unit: null, files: [], files_total: 0, documents: train.length, held_out: { from: 'validation-corpus', documents: validation.documents, files: listed(validation.stats) } } : null,
      notes: validationNotes,
    };
  }

  const shuffle = opts.shuffleFiles === true && opts.shuffleSeed !== undefined;
  const all = await openFiles(paths, unit, flag, shuffle ? opts.shuffleSeed : undefined);
  const ordered = shuffle ? data.windowShuffled(all, data.mixSeed(opts.shuffleSeed as number, 4)) : all;
  const describe = `${all.files.length} file(s)${shuffle ? ', documents shuffled' : ''}`;
  if (validation) {
    const stats = all.stats();
    const documents = stats.reduce((a, s) => a + s.documents, 0);
    if (documents === 0) throw new FileError(all.files[0], `${flag} ${whatOf(all, paths)}: no documents (the files are empty or blank). ${SHAPES}`);
    return {
      describe,
      train: ordered,
      heldOut: validation.src,
      info: { unit, files: listed(stats), files_total: stats.length, documents, held_out: { from: 'validation-corpus', documents: validation.documents, files: listed(validation.stats) } },
      notes: [`corpus: ${docs(documents)} for training (unit: ${unit})`, ...fileLines(stats), ...validationNotes],
    };
  }
  const { train, heldOut, report } = data.splitHeldOut(ordered, { describe: whatOf(all, paths) });
  const stats = all.stats();
  const how =
    report.method === 'hash'
      ? `${formatCount(report.heldOut)} held out by a hash of their ids (${Math.round(report.fraction * 100)} %)`
      : `the last ${formatCount(report.heldOut)} held out (with this few documents the id hash left one side empty, so the last ${Math.round(report.fraction * 100)} % are held out instead)`;
  return {
    describe,
    train,
    heldOut,
    info: { unit, files: listed(stats), files_total: stats.length, documents: report.documents, held_out: { from: 'split', ...report } },
    notes: [`corpus: ${docs(report.documents)} (unit: ${unit}); ${formatCount(report.train)} for training, ${how}`, ...fileLines(stats)],
  };
}
