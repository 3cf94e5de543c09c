// Learning-rate schedules as pure functions of the step: factor(step) multiplies each group's base
// learning rate (torch LambdaLR). Warmup is linear from 0: factor = step / warmupSteps
// (HF transformers' convention). warmupSteps may be given as a fraction of totalSteps.

import type { Optimizer, Hyper } from './optimizer.js';

export type Schedule = (step: number) => number;

interface Warmup { warmupSteps?: number; warmupFraction?: number; totalSteps: number }

const warmupOf = (o: Warmup) => Math.round(o.warmupSteps ?? (o.warmupFraction ?? 0) * o.totalSteps);

export function constant(): Schedule {
  return () => 1;
}

/** Linear warmup, then constant. */
export function warmupConstant(o: { warmupSteps: number }): Schedule {
  return (s) => (s < o.warmupSteps ? s / Math.max(1, o.warmupSteps) : 1);
}

/** Linear warmup, then cosine from 1 down to minFactor at totalSteps (Avey recipe: 10 %, to 0). */
export function warmupCosine(o: Warmup & { minFactor?: number }): Schedule {
  const w = warmupOf(o);
  const min = o.minFactor ?? 0;
  return (s) => {
    if (s < w) return s / Math.max(1, w);
    const progress = Math.min(1, (s - w) / Math.max(1, o.totalSteps - w));
    return min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

/** Linear warmup, then linear decay to minFactor at totalSteps. */
export function warmupLinear(o: Warmup & { minFactor?: number }): Schedule {
  const w = warmupOf(o);
  const min = o.minFactor ?? 0;
  return (s) => {
    if (s < w) return s / Math.max(1, w);
    const progress = Math.min(1, (s - w) / Math.max(1, o.totalSteps - w));
    return min + (1 - min) * (1 - progress);
  };
}

/** Linear warmup, then factor γ^(step − warmup). */
export function warmupExponential(o: { warmupSteps: number; gamma: number }): Schedule {
  return (s) => (s < o.warmupSteps ? s / Math.max(1, o.warmupSteps) : o.gamma ** (s - o.warmupSteps));
}

/** Applies a schedule to an optimiser: lr_group = baseLr_group · schedule(step). Call step() after
 *  each optimiser step. */
export class LRScheduler {
  stepCount = 0;
  readonly baseLrs: number[];
  constructor(readonly optimizer: Optimizer<Hyper>, readonly schedule: Schedule) {
    this.baseLrs = optimizer.groups.map((g) => g.hyper.lr);
    this.#apply();
  }
  #apply(): void {
    const f = this.schedule(this.stepCount);
    this.optimizer.groups.forEach((g, i) => { g.hyper.lr = this.baseLrs[i] * f; });
  }
  step(): void {
    this.stepCount++;
    this.#apply();
  }
  get lr(): number[] {
    return this.optimizer.groups.map((g) => g.hyper.lr);
  }
  stateDict(): { stepCount: number; baseLrs: number[] } {
    return { stepCount: this.stepCount, baseLrs: [...this.baseLrs] };
  }
  loadStateDict(s: { stepCount: number; baseLrs: number[] }): void {
    this.stepCount = s.stepCount;
    this.baseLrs.splice(0, this.baseLrs.length, ...s.baseLrs);
    this.#apply();
  }
}
