// Raw kernels on Float32Arrays, with no tensor machinery around them:
//   'wasm-kernel'  packages/tensor/src/cpu/wasm (SIMD128)
//   'js-kernel'    plain typed-array loops (and the core's blocked sgemmJs): what the wasm kernels
//                  must beat to be worth registering
//   'memcpy'       Float32Array.prototype.set: the bandwidth reference for memory-bound ops

import {
  sgemmJs, wasmGemmThreads, wasmSgemm, wasmBinaryF32, wasmUnaryF32, wasmSumRowsF32, wasmKernelsAvailable,
  wasmUnavailableReason,
} from '@avey/tensor';
import type { BenchCase } from './types.js';

import type { Inputs } from './cases.js';
import { key, shapeOf, workOf, type OpSpec, type Provider } from './specs.js';

function base(backend: string, s: OpSpec): Pick<BenchCase, 'op' | 'shape' | 'backend' | 'work'> {
  return { op: s.op, shape: shapeOf(s), backend, work: workOf(s) };
}

export const wasmKernelProvider: Provider = {
  backend: 'wasm-kernel',
  threads: () => `${wasmGemmThreads()} for sgemm (AVEY_CPU_THREADS), 1 for the elementwise kernels`,
  async init() {
    return wasmKernelsAvailable() ? null : `wasm SIMD unavailable: ${wasmUnavailableReason()}`;
  },
  make(s, inputs) {
    switch (s.op) {
      case 'matmul': {
        const n = s.n, a = inputs.f32(key.a(s), n * n), b = inputs.f32(key.b(s), n * n), c = new Float32Array(n * n);
        return { ...base(this.backend, s), run: () => wasmSgemm(n, n, n, a, 0, n, false, b, 0, n, false, c, 0) };
      }
      case 'add': case 'mul': {
        const op = s.op, n = s.n, a = inputs.f32(key.a(s), n), b = inputs.f32(key.b(s), n), out = new Float32Array(n);
        return { ...base(this.backend, s), run: () => wasmBinaryF32(op, a, b, out, n) };
      }
      case 'exp': {
        const n = s.n, a = inputs.f32(key.a(s), n), out = new Float32Array(n);
        return { ...base(this.backend, s), run: () => wasmUnaryF32('exp', a, out, n) };
      }
      case 'sum': {
        const { rows, cols } = s, x = inputs.f32(key.a(s), rows * cols), out = new Float32Array(rows);
        return { ...base(this.backend, s), run: () => wasmSumRowsF32(x, out, rows, cols) };
      }
      default: return null;
    }
  },
};

export const jsKernelProvider: Provider = {
  backend: 'js-kernel',
  threads: () => '1',
  async init() { return null; },
  make(s, inputs) {
    switch (s.op) {
      case 'matmul': {
        const n = s.n, a = inputs.f32(key.a(s), n * n), b = inputs.f32(key.b(s), n * n), c = new Float32Array(n * n);
        return { ...base(this.backend, s), run: () => sgemmJs(n, n, n, a, 0, n, false, b, 0, n, false, c, 0) };
      }
      case 'add': {
        const n = s.n, a = inputs.f32(key.a(s), n), b = inputs.f32(key.b(s), n), out = new Float32Array(n);
        return { ...base(this.backend, s), run: () => { for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; } };
      }
      case 'mul': {
        const n = s.n, a = inputs.f32(key.a(s), n), b = inputs.f32(key.b(s), n), out = new Float32Array(n);
        return { ...base(this.backend, s), run: () => { for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; } };
      }
      case 'exp': {
        const n = s.n, a = inputs.f32(key.a(s), n), out = new Float32Array(n);
        return { ...base(this.backend, s), run: () => { for (let i = 0; i < n; i++) out[i] = Math.exp(a[i]); } };
      }
      case 'sum': {
        const { rows, cols } = s, x = inputs.f32(key.a(s), rows * cols), out = new Float32Array(rows);
        return {
          ...base(this.backend, s),
          run: () => {
            for (let r = 0; r < rows; r++) {
              let acc = 0;
              for (let i = r * cols, e = i + cols; i < e; i++) acc += x[i];
              out[r] = acc;
            }
          },
        };
      }
      case 'gather': {
        const { vocab, dim, count } = s, w = inputs.f32(key.a(s), vocab * dim), ids = inputs.ids(key.b(s), count, vocab);
        const out = new Float32Array(count * dim);
        return { ...base(this.backend, s), run: () => { for (let i = 0; i < count; i++) out.set(w.subarray(ids[i] * dim, ids[i] * dim + dim), i * dim); } };
      }
      default: return null;
    }
  },
};

export const memcpyProvider: Provider = {
  backend: 'memcpy',
  threads: () => '1',
  async init() { return null; },
  make(s, inputs) {
    if (s.op !== 'memcpy') return null;
    const a = inputs.f32(key.a(s), s.n), out = new Float32Array(s.n);
    return { ...base(this.backend, s), run: () => out.set(a) };
  },
};
