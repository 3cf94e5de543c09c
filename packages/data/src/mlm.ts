import type { DocumentSource } from './corpus/source.js';
import { DataError } from './errors.js';
import { DataRng, mixSeed } from './rng.js';

/** What the MLM batcher needs from a tokenizer (our Tokenizer satisfies it). */
export interface MlmTokenizer {
  encodeIds(text: string): number[];
  readonly vocabSize: number;
  readonly special: { mask: number | null; eos: number | null };
  isSpecialId(id: number): boolean;
}

/** A batch as plain typed arrays, row-major over shape [B, T]. */
export interface MlmBatch {
  /** (B, T) token ids after masking. */
  inputIds: Int32Array;
  /** (B, T) original id at masked positions, −100 elsewhere. */
  labels: Int32Array;
  shape: [number, number];
  /** 0-based index of this batch for this rank. */
  step: number;
  /** Pass over the data that this batch's last token came from (0-based). */
  epoch: number;
}

export type MaskStrategy = 'mask-all' | 'bert-80-10-10';

export interface MaskOptions {
  /** Fraction of the B·T positions to mask (default 0.20, the Avey-B recipe). */
  rate?: number;
  /** 'mask-all' (recipe: every chosen position → [MASK]) or BERT's 80 % [MASK] / 10 % random / 10 % kept. */
  strategy?: MaskStrategy;
}

export interface MlmOptions extends MaskOptions {
  batchSize: number;
  seqLen: number;
  /** Default 11 (the recipe's seed). */
  seed?: number;
  /** This worker's rank r of `worldSize` P: it reads documents r, r+P, r+2P, … (default 0 of 1). */
  rank?: number;
  worldSize?: number;
  /** Passes over the data before next() returns null; the partial last block is dropped. Default Infinity. */
  epochs?: number;
}

/** JSON-serialisable position of an MlmBatcher; `new MlmBatcher(…, state)` continues exactly. */
export interface MlmState {
  version: 1;
  seed: number;
  rank: number;
  worldSize: number;
  batchSize: number;
  seqLen: number;
  /** Batches emitted so far. */
  step: number;
  epoch: number;
  /** Global index of the document being consumed (−1: none yet), and tokens of it already used. */
  docIndex: number;
  docPos: number;
}

/** Python's round(): half to even (the recipe computes n_mask with Python). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** n_mask = round(rate · N) clamped to [1, N − 1] (digest §4.2). */
export function maskCount(n: number, rate: number): number {
  if (n < 2) throw new DataError(`maskCount: need at least 2 positions, got ${n}`);
  return Math.min(n - 1, Math.max(1, roundHalfEven(rate * n)));
}

/**
 * Masks `ids` (flattened (B, T)) in place, drawing positions uniformly without replacement with
 * `rng`. Returns labels: the original id at masked positions, −100 elsewhere.
 */
export function applyMask(ids: Int32Array, tok: Pick<MlmTokenizer, 'vocabSize' | 'special' | 'isSpecialId'>, rng: DataRng, opts: MaskOptions = {}): Int32Array {
  const rate = opts.rate ?? 0.2;
  if (!(rate > 0 && rate < 1)) throw new DataError(`MLM mask rate must be in (0, 1), got ${rate}`);
  const mask = tok.special.mask;
  if (mask === null) throw new DataError('MLM masking: the tokenizer has no [MASK] token');
  const labels = new Int32Array(ids.length).fill(-100);
  const pos = rng.sampleWithoutReplacement(ids.length, maskCount(ids.length, rate));
  const strategy = opts.strategy ?? 'mask-all';
  let normal: number[] | null = null;
  for (const p of pos) {
    labels[p] = ids[p];
    if (strategy === 'mask-all') { ids[p] = mask; continue; }
    const u = rng.float();
    if (u < 0.8) ids[p] = mask;
    else if (u < 0.9) {
      if (normal === null) {
        normal = [];
        for (let i = 0; i < tok.vocabSize; i++) if (!tok.isSpecialId(i)) normal.push(i);
      }
      ids[p] = normal[rng.int(normal.length)];
    }
  }
  return labels;
}

/**
 * MLM pretraining batches as in the Avey-B recipe: documents (this rank's share, in order) are
 * tokenized without special tokens, an end-of-document token is appended, the stream is cut into
 * (B, T) blocks ignoring document boundaries, and round(rate·B·T) positions are masked. The mask of
 * step s depends only on (seed, rank, s), so a restored batcher reproduces the exact batches.
 */
export class MlmBatcher implements Iterable<MlmBatch> {
  private st: MlmState;
  private cur: number[] = [];
  private it: Iterator<{ index: number; doc: { id: string; text: string } }> | null = null;
  private readonly eos: number;

  constructor(
    private readonly source: DocumentSource,
    private readonly tok: MlmTokenizer,
    private readonly opts: MlmOptions,
    resume?: MlmState,
  ) {
    const { batchSize: B, seqLen: T } = opts;
    if (!(Number.isInteger(B) && B >= 1 && Number.isInteger(T) && T >= 1 && B * T >= 2)) throw new DataError(`MlmBatcher: need integer batchSize, seqLen ≥ 1 with B·T ≥ 2, got [${B}, ${T}]`);
    const rank = opts.rank ?? 0;
    const world = opts.worldSize ?? 1;
    if (!(Number.isInteger(world) && world >= 1 && Number.isInteger(rank) && rank >= 0 && rank < world)) throw new DataError(`MlmBatcher: need 0 ≤ rank < worldSize, got rank ${rank} of ${world}`);
    if (tok.special.eos === null) throw new DataError('MlmBatcher: the tokenizer has no end-of-document token ([EOS], </s> or <|endoftext|>)');
    this.eos = tok.special.eos;
    const seed = opts.seed ?? 11;
    this.st = { version: 1, seed, rank, worldSize: world, batchSize: B, seqLen: T, step: 0, epoch: 0, docIndex: -1, docPos: 0 };
    if (resume) this.restore(resume);
  }

  private restore(s: MlmState): void {
    const keys: (keyof MlmState)[] = ['version', 'seed', 'rank', 'worldSize', 'batchSize', 'seqLen'];
    for (const k of keys) {
      if (s[k] !== this.st[k]) throw new DataError(`MlmBatcher: resume state has ${k} = ${String(s[k])}, but this batcher has ${String(this.st[k])}`);
    }
    this.st = { ...s };
    if (s.docIndex >= 0) {
      this.it = this.source.iterate(s.docIndex)[Symbol.iterator]();
      const n = this.it.next();
      if (n.done || n.value.index !== s.docIndex) throw new DataError(`MlmBatcher: resume state points at document ${s.docIndex}, which the source no longer has`);
      this.cur = this.tokenize(n.value.doc.text);
      if (s.docPos > this.cur.length) throw new DataError(`MlmBatcher: resume state offset ${s.docPos} is past document ${s.docIndex} (${this.cur.length} tokens): the corpus or tokenizer changed`);
    }
  }

  /** A copy of the current position (JSON-serialisable). */
  state(): MlmState {
    return { ...this.st };
  }

  private tokenize(text: string): number[] {
    const ids = this.tok.encodeIds(text);
    ids.push(this.eos);
    return ids;
  }

  /** Next document of this rank, wrapping into the next epoch; false when the epochs are done. */
  private advance(): boolean {
    const { rank, worldSize } = this.st;
    for (let restarts = 0; restarts < 2; ) {
      if (this.it === null) this.it = this.source.iterate(this.st.docIndex < 0 ? 0 : this.st.docIndex + 1)[Symbol.iterator]();
      const n = this.it.next();
      if (n.done) {
        restarts++;
        this.st.epoch++;
        this.st.docIndex = -1;
        this.it = null;
        if (this.st.epoch >= (this.opts.epochs ?? Infinity)) return false;
        continue;
      }
      const { index, doc } = n.value;
      if (index % worldSize !== rank || doc.text.trim() === '') continue;
      this.st.docIndex = index;
      this.st.docPos = 0;
      this.cur = this.tokenize(doc.text);
      return true;
    }
    throw new DataError(`MlmBatcher: source '${this.source.name}' has no non-empty documents for rank ${rank} of ${worldSize}`);
  }

  /** The next (B, T) batch, or null when `epochs` passes are done. */
  next(): MlmBatch | null {
    const { batchSize: B, seqLen: T } = this.st;
    if (this.st.epoch >= (this.opts.epochs ?? Infinity)) return null; // exhausted (stays so)
    const n = B * T;
    const ids = new Int32Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.st.docIndex < 0 || this.st.docPos >= this.cur.length) {
        if (!this.advance()) return null;
      }
      const take = Math.min(n - filled, this.cur.length - this.st.docPos);
      for (let i = 0; i < take; i++) ids[filled + i] = this.cur[this.st.docPos + i];
      filled += take;
      this.st.docPos += take;
    }
    const rng = new DataRng(mixSeed(this.st.seed, this.st.rank, this.st.step));
    const labels = applyMask(ids, this.tok, rng, this.opts);
    const batch: MlmBatch = { inputIds: ids, labels, shape: [B, T], step: this.st.step, epoch: this.st.epoch };
    this.st.step++;
    return batch;
  }

  *[Symbol.iterator](): Iterator<MlmBatch> {
    for (;;) {
      const b = this.next();
      if (b === null) return;
      yield b;
    }
  }
}
