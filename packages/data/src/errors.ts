import { AveyError } from '@avey/tensor';

/**
 * DataError: bad input to a data reader (an AveyError with op 'data'). Names the file and (1-based)
 * line when known: "data: sst2/train.tsv:17: expected 2 tab-separated columns, got 3".
 * `file`, `line` and `reason` are also fields, for programmatic checks.
 */
export class DataError extends AveyError {
  readonly code = 'E_DATA';
  readonly file: string | null;
  readonly line: number | null;
  readonly reason: string;
  constructor(reason: string, file: string | null = null, line: number | null = null) {
    const where = file === null ? '' : line === null ? `${file}: ` : `${file}:${line}: `;
    super('data', `${where}${reason}`);
    this.name = 'DataError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** What a reader does with a bad record: throw (default) or skip it and count it. */
export type OnBadRecord = 'throw' | 'skip';

/** A skipped record, reported back to the caller (never silently dropped). */
export interface SkippedRecord {
  file: string;
  /** 1-based line, or null where the format has no useful line (JSON records). */
  line: number | null;
  reason: string;
}

/** Collects skips (onBad = 'skip') or throws at the first problem (onBad = 'throw'). */
export class BadRecordPolicy {
  readonly skipped: SkippedRecord[] = [];
  constructor(readonly onBad: OnBadRecord = 'throw') {}
  /** Throws a DataError, or records the skip and returns (so the caller `continue`s). */
  bad(file: string, line: number | null, reason: string): void {
    if (this.onBad === 'throw') throw new DataError(reason, file, line);
    this.skipped.push({ file, line, reason });
  }
}
