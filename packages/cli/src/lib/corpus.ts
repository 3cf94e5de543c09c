// Opening pretraining / tokenizer corpora: user files (FileSource) or the built-in corpus.
import type { DocumentSource } from '@avey/data';
import { FileError } from '../errors.js';

export interface OpenedCorpus {
  /** Human description for logs ("built-in corpus (sotu+moby-dick+spam-assassin)" or file count). */
  describe: string;
  train: DocumentSource;
  /** Held-out documents (5% of documents, chosen by a hash of their id). */
  heldOut: DocumentSource;
}

/** Documents of `src` whose held-out flag equals `held` (indices renumbered from 0). */
function splitSource(src: DocumentSource, held: boolean, isHeldOut: (id: string) => boolean, name: string): DocumentSource {
  return {
    name,
    *iterate(start = 0) {
      let index = 0;
      for (const { doc } of src.iterate(0)) {
        if (isHeldOut(doc.id) !== held) continue;
        if (index >= start) yield { index, doc };
        index++;
      }
    },
  };
}

/** `shuffleSeed`: read the built-in corpus' documents in a seeded random order (its sources are
 *  stored one after the other); user files are always read in their order. */
export async function openCorpus(paths: readonly string[] | undefined, opts: { shuffleSeed?: number } = {}): Promise<OpenedCorpus> {
  const data = await import('@avey/data');
  if (!paths || paths.length === 0) {
    const { train, heldOut } = data.embeddedCorpus(data.EMBEDDED_CORPORA, { shuffleSeed: opts.shuffleSeed });
    const order = opts.shuffleSeed === undefined ? '' : ', documents shuffled';
    return { describe: `built-in corpus (${data.EMBEDDED_CORPORA.join(', ')}${order})`, train, heldOut };
  }
  let files: string[];
  try {
    files = data.expandPaths([...paths]);
  } catch (e) {
    const err = e as { file?: string | null; reason?: string; message: string };
    throw new FileError(err.file ?? String(paths), `--corpus '${err.file ?? paths.join(' ')}': ${err.reason ?? err.message}. Pass text files (.txt: documents separated by blank lines; .jsonl: a "text" field per line) or folders holding them.`, { cause: e });
  }
  const all = new data.FileSource(files, { unit: 'paragraph' });
  const held = (id: string) => data.isHeldOut(id);
  return {
    describe: `${files.length} file(s)`,
    train: splitSource(all, false, held, `${all.name}:train`),
    heldOut: splitSource(all, true, held, `${all.name}:heldout`),
  };
}
