// Training progress on stderr: a redrawn one-line bar on a terminal, plain periodic lines
// elsewhere (pipes, CI logs), nothing at all when silenced.
import { formatCount, formatDuration } from '../util/format.js';

export interface ProgressStats {
  step: number; // optimiser steps done (1-based)
  loss: number;
  lr?: number;
  tokensPerSec: number;
  /** Milliseconds still to go, estimated from recent steps. */
  etaMs: number;
  evalLoss?: number;
  /** The reference loss of the latest evaluation (MLM: the unigram of the training tokens seen). */
  refLoss?: number;
  /** The total step count when it changes during the run (wall-time budgets). */
  totalSteps?: number;
  /** Budgeted runs: wall time left until the deadline (shown instead of the ETA). */
  timeLeftMs?: number;
}

export interface ProgressOptions {
  totalSteps: number;
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Force the mode; default: bar on a TTY outside CI. */
  mode?: 'bar' | 'lines' | 'silent';
  /** In line mode, print every this many steps (evals and the last step always print). */
  lineEvery?: number;
  /** In line mode, print at most every this many milliseconds instead (wall-time budgets). */
  lineEveryMs?: number;
}

export class Progress {
  readonly mode: 'bar' | 'lines' | 'silent';
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  private total: number;
  private readonly lineEvery: number;
  private readonly lineEveryMs: number | undefined;
  private lastLineAt = -Infinity;
  private barShown = false;
  private lastEval: number | undefined;

  constructor(opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.total = opts.totalSteps;
    const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
    this.mode = opts.mode ?? (this.stream.isTTY && !ci ? 'bar' : 'lines');
    this.lineEvery = Math.max(1, opts.lineEvery ?? Math.ceil(this.total / 20));
    this.lineEveryMs = opts.lineEveryMs;
  }

  /** One line of text: "step 120/400 loss 5.123 eval 5.301 2.35k tok/s ETA 1m12s". */
  static describe(s: ProgressStats, total: number, lastEval?: number): string {
    const parts = [`step ${s.step}/${total}`, `loss ${s.loss.toFixed(4)}`];
    const ev = s.evalLoss ?? lastEval;
    if (ev !== undefined) parts.push(`eval ${ev.toFixed(4)}`);
    if (ev !== undefined && s.refLoss !== undefined && Number.isFinite(s.refLoss)) parts.push(`unigram ${s.refLoss.toFixed(4)}`);
    if (s.lr !== undefined) parts.push(`lr ${s.lr.toExponential(2)}`);
    parts.push(`${formatCount(s.tokensPerSec)} tok/s`, s.timeLeftMs !== undefined ? `left ${formatDuration(Math.max(0, s.timeLeftMs))}` : `ETA ${formatDuration(s.etaMs)}`);
    return parts.join('  ');
  }

  update(s: ProgressStats): void {
    if (s.evalLoss !== undefined) this.lastEval = s.evalLoss;
    if (s.totalSteps !== undefined) this.total = s.totalSteps;
    if (this.mode === 'silent') return;
    const text = Progress.describe(s, this.total, this.lastEval);
    if (this.mode === 'bar') {
      const width = 24;
      const done = Math.round((width * s.step) / Math.max(1, this.total));
      const bar = `[${'#'.repeat(done)}${'-'.repeat(width - done)}]`;
      const cols = this.stream.columns ?? 120;
      this.stream.write(`\r\x1b[2K${`${bar} ${text}`.slice(0, cols - 1)}`);
      this.barShown = true;
      if (s.evalLoss !== undefined) this.message(`eval at step ${s.step}: held-out loss ${s.evalLoss.toFixed(4)}`);
    } else {
      const now = performance.now();
      const due = this.lineEveryMs !== undefined ? now - this.lastLineAt >= this.lineEveryMs : s.step % this.lineEvery === 0;
      if (due || s.step === this.total || s.evalLoss !== undefined) {
        this.stream.write(`${text}\n`);
        this.lastLineAt = now;
      }
    }
  }

  /** A message on its own line, above the bar. */
  message(text: string): void {
    if (this.mode === 'silent') return;
    if (this.barShown) this.stream.write('\r\x1b[2K');
    this.stream.write(`${text}\n`);
    this.barShown = false;
  }

  done(): void {
    if (this.mode === 'bar' && this.barShown) this.stream.write('\n');
    this.barShown = false;
  }
}

/** Sliding-window speed/ETA estimate over the last `window` steps. */
export class Throughput {
  private readonly times: number[] = [];
  private readonly tokens: number[] = [];
  constructor(private readonly window = 20) {}

  add(ms: number, tokens: number): void {
    this.times.push(ms);
    this.tokens.push(tokens);
    if (this.times.length > this.window) {
      this.times.shift();
      this.tokens.shift();
    }
  }

  get msPerStep(): number {
    return this.times.length ? this.times.reduce((a, b) => a + b, 0) / this.times.length : NaN;
  }

  get tokensPerSec(): number {
    const ms = this.times.reduce((a, b) => a + b, 0);
    return ms > 0 ? (1000 * this.tokens.reduce((a, b) => a + b, 0)) / ms : 0;
  }
}
