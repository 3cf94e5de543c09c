// Dev tool: steady-state inference profile of Avey-B small at one length. Runs 5 untimed forwards,
// then N timed ones, and prints the latency (median, min, p90) and, per forward, the time in each
// CPU kernel (--kernels: linearGelu, linear, …) or backend primitive by operand shape (--prims;
// --strides adds the strides). Unlike optime.ts (one forward), it shows V8's optimised steady state.
//   node --import tsx benchmarks/src/model/prof-infer.ts [T=128] [N=30] [--kernels | --prims [--strides]]
import * as T from '@avey/tensor';
import { noGrad } from '@avey/autograd';
import { describeOperand, timeKernels, timePrimitives, type Timing } from './cpu-timers.js';
import { benchConfig, createBenchModel } from './setup.js';
const pos = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const len = Number(pos[0] ?? 128), N = Number(pos[1] ?? 30);
const cfg = benchConfig({ model: 'avey-b', preset: 'small', backend: 'cpu', batch: 1, seqLens: [len] } as never, len);
const model = createBenchModel(cfg, 0);
model.eval();
const kacc = process.argv.includes('--kernels') ? timeKernels() : new Map<string, Timing>();
const strides = process.argv.includes('--strides');
const pacc = process.argv.includes('--prims') ? timePrimitives((x) => describeOperand(x, { dtype: false, strides })) : new Map<string, Timing>();
const ids = new Int32Array(len); for (let i = 0; i < len; i++) ids[i] = (i * 7919) % cfg.vocab_size;
const times: number[] = [];
for (let r = 0; r < N + 5; r++) {
  if (r === 5) { kacc.clear(); pacc.clear(); }
  const t0 = performance.now();
  await T.scope(async () => { const x = T.tensor(ids, { dtype: 'int32', shape: [1, len] }); const h = noGrad(() => model.encode(x)); await h.value.data(); });
  if (r >= 5) times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`T=${len}: median ${times[N >> 1].toFixed(1)} ms, min ${times[0].toFixed(1)}, p90 ${times[Math.floor(N * 0.9)].toFixed(1)}`);
for (const [k, v] of [...kacc.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8)) console.log(`  ${k.padEnd(20)} ${(v.ms / N).toFixed(2)} ms/forward`);
const ptot = [...pacc.values()].reduce((a, b) => a + b.ms, 0);
if (pacc.size) console.log(`  primitives total ${(ptot / N).toFixed(2)} ms/forward`);
for (const [k, v] of [...pacc.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) console.log(`  ${(v.ms / N).toFixed(3).padStart(7)} ${k}`);
