/** A document of a pretraining corpus. */
export interface Document {
  /** Stable id (e.g. 'sotu/1790_george_washington_n', or 'file.jsonl:17'). */
  id: string;
  text: string;
}

/**
 * An ordered, re-iterable collection of documents. `iterate(start)` yields documents from global
 * index `start` on (so a resumed reader can skip ahead without keeping anything in memory).
 */
export interface DocumentSource {
  readonly name: string;
  iterate(start?: number): Iterable<{ index: number; doc: Document }>;
}

/** A DocumentSource over an in-memory or lazily-read list. */
export class ListSource implements DocumentSource {
  constructor(readonly name: string, private readonly docs: readonly { id: string; read(): string }[]) {}
  get length(): number {
    return this.docs.length;
  }
  *iterate(start = 0): Iterable<{ index: number; doc: Document }> {
    for (let i = start; i < this.docs.length; i++) yield { index: i, doc: { id: this.docs[i].id, text: this.docs[i].read() } };
  }
  /** Same documents, as plain ids (for split checks). */
  ids(): string[] {
    return this.docs.map((d) => d.id);
  }
}

/** A source from plain strings (tests, small corpora). */
export function textsSource(name: string, texts: readonly string[]): ListSource {
  return new ListSource(name, texts.map((t, i) => ({ id: `${name}/${i}`, read: () => t })));
}

/** The texts of a source, streamed (e.g. `trainBpe(documentTexts(train), { vocabSize })`). */
export function* documentTexts(source: DocumentSource, limit = Infinity): Generator<string> {
  let n = 0;
  for (const { doc } of source.iterate()) {
    if (n++ >= limit) return;
    yield doc.text;
  }
}
