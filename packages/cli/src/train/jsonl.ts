// Append-only JSONL training log (one JSON object per logged step). Appends are synchronous so a
// crash loses at most the line being written; `openLog` drops a torn last line and, on resume,
// every record past the checkpoint's step, so the resumed log reads like an uninterrupted one.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface LogRecord {
  step: number;
  [key: string]: unknown;
}

/** Parses a JSONL log; malformed lines (a torn last write) are skipped. */
export function readLog(path: string): LogRecord[] {
  if (!existsSync(path)) return [];
  const out: LogRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as LogRecord;
      if (typeof r.step === 'number') out.push(r);
    } catch {
      // a line cut short by a kill: ignore it
    }
  }
  return out;
}

export class JsonlLog {
  private constructor(readonly path: string) {}

  /** Opens `path` for appending. With `keepThroughStep`, records after that step are removed
   *  (atomically: written to a temp file, then renamed). Without it, the file starts empty. */
  static open(path: string, keepThroughStep?: number): JsonlLog {
    if (keepThroughStep === undefined) {
      writeFileSync(path, '');
    } else {
      const kept = readLog(path).filter((r) => r.step <= keepThroughStep);
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
      renameSync(tmp, path);
    }
    return new JsonlLog(path);
  }

  append(record: LogRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }

  records(): LogRecord[] {
    return readLog(this.path);
  }
}
