// Micro-benchmark of the gpu.js backend: matmul 512×512·512×512 and add over 1M elements, per
// primitive call (kernel run + gpu.js' argument copy + result), min / median of `reps` runs after
// a warm-up; the CPU backend alongside for scale.
//
//   node --import tsx packages/tensor/scripts/bench-gpujs.ts [mode …]     (default: every mode here)

import type { Backend, BackendBuffer, StridedRef } from '../src/backend.js';
import { CpuBackend } from '../src/cpu/backend.js';
import { availableModes, createGpuJsBackendTyped } from '../src/gpujs/index.js';

function ref(buffer: BackendBuffer, shape: number[]): StridedRef {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  return { buffer, view: { shape, strides, offset: 0 } };
}

function time(reps: number, fn: () => BackendBuffer, be: Backend): string {
  be.free(fn()); // warm-up: compiles the kernel
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const out = fn();
    ts.push(performance.now() - t);
    be.free(out);
  }
  ts.sort((a, b) => a - b);
  return `${ts[0].toFixed(1)} / ${ts[ts.length >> 1].toFixed(1)} ms`;
}

async function bench(label: string, be: Backend): Promise<void> {
  const n = 512;
  const rnd = (k: number) => Float32Array.from({ length: k }, () => Math.random() - 0.5);
  const a = ref(be.upload('float32', rnd(n * n)), [1, n, n]);
  const b = ref(be.upload('float32', rnd(n * n)), [1, n, n]);
  const m = 1 << 20;
  const x = ref(be.upload('float32', rnd(m)), [m]);
  const y = ref(be.upload('float32', rnd(m)), [m]);
  const mm = time(5, () => be.matmul(a, b), be);
  const add = time(10, () => be.binary('add', x, y, [m], 'float32'), be);
  console.log(`${label.padEnd(28)} matmul 512: ${mm.padEnd(22)} add 1M: ${add}`);
  be.dispose();
}

const modes = process.argv.slice(2).length ? process.argv.slice(2) : await availableModes();
for (const mode of modes) {
  const be = await createGpuJsBackendTyped({ mode });
  await bench(`gpujs ${be.mode}`, be);
}
await bench('cpu backend', new CpuBackend());
