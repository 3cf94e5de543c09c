// The honest reference point of an MLM run: a unigram model of the training tokens seen so far.
// It ignores the context and predicts every masked token from token frequencies alone:
//   p(t) = (c_t + 1) / (N + V)          (add-one smoothing; c_t = count of t, N = Σ c_t, V = vocab)
// scored exactly like the model's held-out loss: the mean over held-out batches of the mean
// −log p(label) over that batch's masked positions. A model whose held-out loss is not clearly
// below this has learned nothing from the context.

/** JSON-able counts (stored in each checkpoint so a resumed run keeps counting). */
export interface UnigramState extends Record<string, unknown> {
  vocab: number;
  tokens: number;
  /** The counts as a base64 Float64Array of length `vocab` (exact for counts below 2^53). */
  counts_f64_base64: string;
}

export class UnigramCounter {
  private readonly counts: Float64Array;
  private n = 0;

  constructor(readonly vocab: number, saved?: UnigramState) {
    if (!(Number.isInteger(vocab) && vocab >= 1)) throw new RangeError(`UnigramCounter: vocab must be a positive integer, got ${vocab}`);
    this.counts = new Float64Array(vocab);
    if (saved) {
      if (saved.vocab !== vocab) throw new RangeError(`UnigramCounter: saved counts are for vocab ${saved.vocab}, this run has ${vocab}`);
      const buf = Buffer.from(saved.counts_f64_base64, 'base64');
      if (buf.byteLength !== vocab * 8) throw new RangeError(`UnigramCounter: saved counts hold ${buf.byteLength} bytes, expected ${vocab * 8}`);
      this.counts.set(new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)));
      this.n = saved.tokens;
    }
  }

  /** Tokens counted so far. */
  get tokens(): number {
    return this.n;
  }

  /** Counts the original tokens of an MLM batch: `labels` where masked (≠ −100), else `inputIds`. */
  addBatch(inputIds: Int32Array, labels: Int32Array): void {
    for (let i = 0; i < inputIds.length; i++) {
      const id = labels[i] !== -100 ? labels[i] : inputIds[i];
      this.counts[id] += 1;
    }
    this.n += inputIds.length;
  }

  /** −log p(id) under the add-one-smoothed unigram. */
  nll(id: number): number {
    return -Math.log((this.counts[id] + 1) / (this.n + this.vocab));
  }

  /** Mean over batches of the mean −log p(label) over each batch's masked positions (NaN for none). */
  evalLoss(batches: ReadonlyArray<{ labels: Int32Array }>): number {
    let sum = 0;
    let used = 0;
    for (const { labels } of batches) {
      let s = 0;
      let m = 0;
      for (let i = 0; i < labels.length; i++) {
        if (labels[i] === -100) continue;
        s += this.nll(labels[i]);
        m++;
      }
      if (m === 0) continue;
      sum += s / m;
      used++;
    }
    return used ? sum / used : NaN;
  }

  state(): UnigramState {
    const b = Buffer.from(this.counts.buffer, this.counts.byteOffset, this.counts.byteLength);
    return { vocab: this.vocab, tokens: this.n, counts_f64_base64: b.toString('base64') };
  }
}
