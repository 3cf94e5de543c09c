// Timing with tinybench, robust to a shared, bursty machine: all backends of one (op, shape) are
// measured in ROUNDS interleaved rounds (A B C A B C …), each a short tinybench run, and the
// median / min are taken over every sample of every round. A burst of load then hits all
// backends alike instead of whichever one happened to be running.

import { Bench } from 'tinybench';
import type { BenchCase } from './types.js';

export interface Timing {
  medianMs: number;
  minMs: number;
  samples: number;
}

async function call(fn: () => unknown): Promise<void> {
  const r = fn();
  if (r instanceof Promise) await r;
}

/** One tinybench run of `iterations` samples; returns the sorted latencies (ms). */
async function sample(name: string, fn: () => unknown, isAsync: boolean, iterations: number, warmup: boolean): Promise<number[]> {
  const bench = new Bench({ time: 0, iterations, warmup, warmupIterations: Math.min(5, iterations), warmupTime: 0, throws: true, retainSamples: true });
  bench.add(name, isAsync ? async () => { await fn(); } : () => { fn(); });
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`bench ${name}: ${r.state}`);
  return [...(r.latency.samples ?? [r.latency.p50])];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Measures every case (already set up) for about `budgetMs` each, split over `rounds` rounds.
 * A case slower than a round's budget (tfjs-cpu at 1024) gets one sample per round and no
 * warm-up beyond the sizing call. Returns one Timing per case, or the error it threw.
 */
export async function measureInterleaved(cases: BenchCase[], budgetMs: number, rounds: number): Promise<(Timing | Error)[]> {
  const per = budgetMs / rounds;
  const plan = [];
  for (const c of cases) {
    try {
      await c.enter?.();
      const t0 = performance.now();
      const r0 = c.run();
      const isAsync = r0 instanceof Promise;
      if (isAsync) await r0;
      const first = Math.max(performance.now() - t0, 1e-3);
      const slow = first > per;
      plan.push({ c, isAsync, slow, iterations: slow ? 1 : Math.max(2, Math.min(100, Math.round(per / first))), samples: [] as number[], error: null as Error | null });
    } catch (e) {
      plan.push({ c, isAsync: false, slow: true, iterations: 0, samples: [], error: e instanceof Error ? e : new Error(String(e)) });
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const p of plan) {
      if (p.error) continue;
      try {
        await p.c.enter?.();
        if (p.slow) {
          const t0 = performance.now();
          await call(p.c.run);
          p.samples.push(performance.now() - t0);
        } else {
          p.samples.push(...(await sample(`${p.c.op} ${p.c.backend}`, p.c.run, p.isAsync, p.iterations, true)));
        }
      } catch (e) {
        p.error = e instanceof Error ? e : new Error(String(e));
      }
    }
  }
  return plan.map((p) => p.error ?? { medianMs: median(p.samples), minMs: Math.min(...p.samples), samples: p.samples.length });
}
