// A held-out split that always leaves both sides non-empty.
import { DataError } from '../errors.js';
import { isHeldOut } from './embedded.js';
import type { DocumentSource } from './source.js';

export interface HeldOutSplitOptions {
  /** Fraction of documents held out (default 0.05). */
  heldOutFraction?: number;
  /** Changes which documents the hash holds out (default 0). */
  seed?: number;
  /** Names the text in the too-small error (e.g. the file). Default: the source's name. */
  describe?: string;
}

export interface HeldOutSplitReport {
  documents: number;
  train: number;
  heldOut: number;
  /**
   * 'hash': a document is held out when a hash of (seed, id) falls below the fraction (as for the
   * built-in corpus); 'last': the hash left one side empty (few documents), so the last
   * max(1, round(fraction · N)) documents are held out instead.
   */
  method: 'hash' | 'last';
  fraction: number;
}

/** The fewest documents a corpus can be split with (one on each side). */
export const MIN_SPLIT_DOCUMENTS = 2;

/** Documents of `src` for which `keep(index, id)` holds, renumbered from 0 (streamed). */
export function filterSource(src: DocumentSource, name: string, keep: (index: number, id: string) => boolean): DocumentSource {
  return {
    name,
    *iterate(start = 0) {
      let index = 0;
      for (const { index: i, doc } of src.iterate(0)) {
        if (!keep(i, doc.id)) continue;
        if (index >= start) yield { index, doc };
        index++;
      }
    },
  };
}

/**
 * Splits `src` by document into train and held-out sources. One pass counts the documents and
 * what the id hash would hold out; when that leaves a side empty, the last documents are held out
 * instead. Fewer than MIN_SPLIT_DOCUMENTS documents is a DataError naming `describe`.
 */
export function splitHeldOut(src: DocumentSource, opts: HeldOutSplitOptions = {}): { train: DocumentSource; heldOut: DocumentSource; report: HeldOutSplitReport } {
  const fraction = opts.heldOutFraction ?? 0.05;
  if (!(fraction > 0 && fraction < 1)) throw new DataError(`heldOutFraction must be in (0, 1), got ${fraction}`);
  const split = { heldOutFraction: fraction, seed: opts.seed };
  let n = 0;
  let hashed = 0;
  for (const { doc } of src.iterate(0)) {
    n++;
    if (isHeldOut(doc.id, split)) hashed++;
  }
  if (n < MIN_SPLIT_DOCUMENTS) {
    throw new DataError(
      `too little text to hold some out for evaluation: ${n} document(s), at least ${MIN_SPLIT_DOCUMENTS} are needed (one line each, or blank-line paragraphs); add text or pass a separate held-out file`,
      opts.describe ?? src.name,
    );
  }
  let keepHeld: (index: number, id: string) => boolean;
  let report: HeldOutSplitReport;
  if (hashed > 0 && hashed < n) {
    keepHeld = (_i, id) => isHeldOut(id, split);
    report = { documents: n, train: n - hashed, heldOut: hashed, method: 'hash', fraction };
  } else {
    const h = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
    keepHeld = (i) => i >= n - h;
    report = { documents: n, train: n - h, heldOut: h, method: 'last', fraction };
  }
  return {
    train: filterSource(src, `${src.name}:train`, (i, id) => !keepHeld(i, id)),
    heldOut: filterSource(src, `${src.name}:heldout`, keepHeld),
    report,
  };
}
