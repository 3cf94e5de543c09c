// A wall-time budget for a training run (`avey pretrain --budget 20m`): the total step count that
// the LR schedule ends at is set from the measured step time and re-estimated after every step, so
// the run ends on time, with its final evaluation and checkpoint, at the schedule's final LR.
//
//   time left for steps  R = deadline − now − (final eval + final save + half the slowest recent step)
//   cost of n more steps  C(n) = n · (mean recent step time) + the evaluations and saves due at the
//                         interval steps from now to the last (the last step's are in R's reserve)
//   total                 = step + max{ n : C(n) ≤ R }
//
// The budget counts from the start of the command (tokenizer training and model set-up included);
// a resumed run continues with what is left of its budget.

/** "90s", "20m", "2h", "1h30m", "1.5h", "45" (seconds) → milliseconds; null when not a duration. */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  let end = 0;
  let parts = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    ms += Number(m[1]) * unit[m[2]];
    end = re.lastIndex;
    parts++;
  }
  return parts > 0 && end === t.length ? ms : null;
}

export interface StepBudgetOptions {
  /** The whole budget in milliseconds. */
  budgetMs: number;
  /** Budget already spent by earlier processes of this run (resume). */
  spentBeforeMs: number;
  /** performance.now() when this process started on the run (the command's start). */
  startedAt: number;
  /** Evaluate every N steps (0 = only at the end), save every N steps: their cost is planned for. */
  evalInterval: number;
  saveInterval: number;
  /** The total to plan with until a step is measured (a guess; keeps the first step in the LR warmup). */
  initialTotal?: number;
  /** Step times averaged for the estimate (default 20). */
  window?: number;
}

export class StepBudget {
  private readonly times: number[] = [];
  private stepsSeen = 0;
  private evalMs = 0;
  private saveMs = 0;

  constructor(private readonly o: StepBudgetOptions) {
    if (!(o.budgetMs > 0)) throw new RangeError(`StepBudget: the budget must be positive, got ${o.budgetMs} ms`);
  }

  get budgetMs(): number {
    return this.o.budgetMs;
  }

  /** Budget spent so far, this process included. */
  spentMs(now = performance.now()): number {
    return this.o.spentBeforeMs + (now - this.o.startedAt);
  }

  /** Milliseconds until the deadline (negative once past it). */
  timeLeftMs(now = performance.now()): number {
    return this.o.budgetMs - this.spentMs(now);
  }

  /** A finished optimiser step and its duration. The first step of a process (compilation,
   *  caches) is dropped from the estimate once a second one is measured. */
  recordStep(ms: number): void {
    this.stepsSeen++;
    if (this.stepsSeen === 2 && this.times.length === 1) this.times.length = 0;
    this.times.push(ms);
    if (this.times.length > (this.o.window ?? 20)) this.times.shift();
  }

  /** Durations of an evaluation and of a checkpoint save (the latest of each is used). */
  recordEval(ms: number): void {
    this.evalMs = ms;
  }

  recordSave(ms: number): void {
    this.saveMs = ms;
  }

  /** Mean of the recent step times (NaN before the first step). */
  get msPerStep(): number {
    return this.times.length ? this.times.reduce((a, b) => a + b, 0) / this.times.length : NaN;
  }

  /**
   * The total step count that ends the run on time, given `step` steps done. Never below `step`;
   * before any step is measured, `initialTotal` (at least `step + 1`) while time is left (a fresh run
   * always makes one step), then re-planned from the measured step time.
   */
  plan(step: number, now = performance.now()): number {
    const ms = this.msPerStep;
    if (!Number.isFinite(ms)) return step === 0 || this.timeLeftMs(now) > 0 ? Math.max(step + 1, this.o.initialTotal ?? 0) : step;
    // the final evaluation and save, plus a margin of half the slowest recent step
    const reserve = this.evalMs + Math.max(this.saveMs, 200) + Math.max(...this.times) * 0.5;
    const left = this.timeLeftMs(now) - reserve;
    const { evalInterval: ei, saveInterval: si } = this.o;
    // the evaluations and saves due at interval steps from this one (they run after planning) up to,
    // not including, the last step (whose evaluation and save are in the reserve)
    const between = (every: number, n: number) => (every > 0 && n > 0 ? Math.floor((step + n - 1) / every) - Math.floor((step - 1) / every) : 0);
    const cost = (n: number) => n * ms + between(ei, n) * this.evalMs + between(si, n) * this.saveMs;
    const perStep = ms + (ei > 0 ? this.evalMs / ei : 0) + this.saveMs / Math.max(1, si);
    let n = Math.max(0, Math.floor(left / perStep));
    while (n > 0 && cost(n) > left) n--;
    while (cost(n + 1) <= left) n++;
    return step + n;
  }
}
