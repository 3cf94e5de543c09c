// Peers: @tensorflow/tfjs 'cpu' and @tensorflow/tfjs-backend-wasm (SIMD, one thread: the threaded
// build cannot start its workers in Node). tfjs has one global backend, so every case switches to
// its backend in `setup` and builds its tensors there. Ops run eagerly; results are disposed, not
// read back (the same as for avey-ts).

import type * as TF from '@tensorflow/tfjs';
import type { Inputs } from './cases.js';
import { key, shapeOf, workOf, type OpSpec, type Provider } from './specs.js';
import type { BenchCase } from './types.js';

type Tf = typeof TF;
let tfPromise: Promise<Tf> | null = null;

async function loadTf(): Promise<Tf> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return tf;
  })();
  return tfPromise;
}

function tfjsProvider(tfBackend: 'wasm' | 'cpu'): Provider {
  let tf: Tf | null = null;
  return {
    backend: `tfjs-${tfBackend}`,
    threads: () => (tfBackend === 'wasm' ? '1 (SIMD build; the threaded build cannot start its workers in Node)' : '1 (plain JS)'),
    async init() {
      try {
        tf = await loadTf();
        const ok = await tf.setBackend(tfBackend);
        if (!ok) return `tf.setBackend('${tfBackend}') returned false`;
        await tf.ready();
        if (tfBackend === 'wasm' && !(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return 'tfjs-wasm: no SIMD';
        return null;
      } catch (e) {
        return `@tensorflow/tfjs ${tfBackend}: ${e instanceof Error ? e.message : String(e)}`;
      }
    },
    make(s: OpSpec, inputs: Inputs): BenchCase | null {
      const t = tf;
      if (t === null) return null;
      let held: TF.Tensor[] = [];
      let body: () => TF.Tensor;
      const f = (k: string, shape: number[]) => {
        const x = t.tensor(inputs.f32(k, shape.reduce((p, d) => p * d, 1)), shape, 'float32');
        held.push(x);
        return x;
      };
      let build: () => void;
      switch (s.op) {
        case 'matmul': build = () => { const a = f(key.a(s), [s.n, s.n]), b = f(key.b(s), [s.n, s.n]); body = () => t.matMul(a, b); }; break;
        case 'add': build = () => { const a = f(key.a(s), [s.n]), b = f(key.b(s), [s.n]); body = () => t.add(a, b); }; break;
        case 'mul': build = () => { const a = f(key.a(s), [s.n]), b = f(key.b(s), [s.n]); body = () => t.mul(a, b); }; break;
        case 'exp': build = () => { const a = f(key.a(s), [s.n]); body = () => t.exp(a); }; break;
        case 'sum': build = () => { const x = f(key.a(s), [s.rows, s.cols]); body = () => t.sum(x, -1); }; break;
        case 'gather': build = () => {
          const w = f(key.a(s), [s.vocab, s.dim]);
          const ids = t.tensor1d(inputs.ids(key.b(s), s.count, s.vocab), 'int32');
          held.push(ids);
          body = () => t.gather(w, ids);
        }; break;
        default: return null;
      }
      return {
        op: s.op, shape: shapeOf(s), backend: this.backend, work: workOf(s),
        setup: async () => { await t.setBackend(tfBackend); build(); },
        enter: async () => { await t.setBackend(tfBackend); },
        run: () => body().dispose(),
        teardown: () => { for (const x of held) x.dispose(); held = []; },
      };
    },
  };
}

export const tfjsWasmProvider = tfjsProvider('wasm');
export const tfjsCpuProvider = tfjsProvider('cpu');
