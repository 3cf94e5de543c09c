// A seeded document order for streamed corpora, in bounded memory: documents are read in windows
// of `window` consecutive documents and each window is permuted (Fisher–Yates, DataRng seeded by
// (seed, window number)). With FileSource's seeded file order this mixes a folder's files and the
// documents within them, holding at most one window (≤ window × maxDocBytes) in memory.
import { DataRng, mixSeed } from '../rng.js';
import type { Document, DocumentSource } from './source.js';

export const DEFAULT_SHUFFLE_WINDOW = 256;

/** `src`'s documents, each window of `window` permuted by `seed`; deterministic and resumable. */
export function windowShuffled(src: DocumentSource, seed: number, window = DEFAULT_SHUFFLE_WINDOW): DocumentSource {
  return {
    name: src.name,
    *iterate(start = 0) {
      const first = Math.floor(start / window); // earlier windows are read, not kept
      let buf: Document[] = [];
      let w = -1;
      function* flush(): Generator<{ index: number; doc: Document }> {
        const order = new DataRng(mixSeed(seed, w)).shuffle(Array.from(buf, (_, i) => i));
        for (let k = 0; k < order.length; k++) {
          const index = w * window + k;
          if (index >= start) yield { index, doc: buf[order[k]] };
        }
        buf = [];
      }
      for (const { index, doc } of src.iterate(0)) {
        w = Math.floor(index / window);
        if (w < first) continue;
        buf.push(doc);
        if (buf.length === window) yield* flush();
      }
      if (buf.length) yield* flush();
    },
  };
}
