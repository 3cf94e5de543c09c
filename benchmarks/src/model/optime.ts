// Dev tool: times every CPU backend primitive (and sgemm) of a few Avey-B training steps by op and shape.
//   node --import tsx benchmarks/src/model/optime.ts [--infer 8192] [--cold]
import { describeOperand, timeKernels, timePrimitives } from './cpu-timers.js';
import { runInferBench } from './infer.js';
import { runTrainBench } from './train.js';

const acc = timePrimitives((x) => describeOperand(x, { dtype: true, strides: true }));
// composed-op kernels (inclusive of the primitives they call, listed separately under "kernel")
const kacc = timeKernels();
const inferT = process.argv.includes('--infer') ? Number(process.argv[process.argv.indexOf('--infer') + 1]) : 0;
const run = async (): Promise<void> => {
  if (inferT) await runInferBench({ model: 'avey-b', preset: 'small', backend: 'cpu', batch: 1, seqLens: [inferT], repeats: 1, warmup: 0 });
  else await runTrainBench({ model: 'avey-b', preset: 'small', backend: 'cpu', batch: 4, seqLen: 512, steps: 1, warmup: 0 });
};
// one untimed run first (--cold skips it): the CPU backend's buffer pool and V8's code are then warm,
// as in every step after the first of a real run
if (!process.argv.includes('--cold')) {
  await run();
  acc.clear();
  kacc.clear();
}
const tRun = performance.now();
await run();
console.log(`run wall ms ${(performance.now() - tRun).toFixed(0)} (includes model setup)`);
for (const [k, v] of [...kacc.entries()].sort((a, b) => b[1].ms - a[1].ms)) console.log(`kernel ${k.padEnd(24)} ${v.ms.toFixed(1).padStart(8)} ms  x${v.n}`);
const rows = [...acc.entries()].sort((a, b) => b[1].ms - a[1].ms);
const tot = rows.reduce((s, r) => s + r[1].ms, 0);
console.log(`total primitive ms ${tot.toFixed(0)}`);
const byM = new Map<string, number>();
for (const [k, v] of rows) byM.set(k.split(' ')[0] + ' ' + (k.split(' ')[1] ?? ''), (byM.get(k.split(' ')[0] + ' ' + (k.split(' ')[1] ?? '')) ?? 0) + v.ms);
for (const [k, v] of [...byM.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${v.toFixed(1).padStart(8)} ${k}`);
console.log('---');
for (const [k, v] of rows.slice(0, 60)) console.log(`${v.ms.toFixed(1).padStart(8)} ${String(v.n).padStart(4)} ${k}`);
