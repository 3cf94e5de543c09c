// avey-ts through its public API (@avey/tensor): tensors are built in `setup`, each timed run is
// one op call whose result is disposed. CPU ops compute eagerly; on a backend that queues work
// (webgpu, `syncRead` false) a run also waits for the device (`backend.sync()`), so the time is
// the op's, not its dispatch's; nothing is read back.

import { add, embedding, exp, matmul, mul, setBackend, sum, tensor, wasmGemmThreads, type Backend, type Tensor } from '@avey/tensor';
import type { Inputs } from './cases.js';
import { key, shapeOf, workOf, type OpSpec, type Provider } from './specs.js';
import type { BenchCase } from './types.js';

/** What a backend runs on: the WebGPU adapter, the gpu.js mode, or just its name. */
export function describeBackend(b: Backend): string {
  const info: unknown = (b as { info?: unknown }).info;
  let d = b.name;
  if (typeof info === 'string') d = info;
  else if (info && typeof info === 'object' && 'adapterName' in info) {
    const i = info as { adapterName: string; kind?: string; featureLevel?: string };
    d = `${b.name}: adapter '${i.adapterName}' (${[i.kind, i.featureLevel].filter(Boolean).join(', ')})`;
  }
  return b.emulated ? `${d}; emulated: ${b.emulated}` : d;
}

export function aveyProvider(backendName: string): Provider {
  let be: Backend | null = null;
  return {
    backend: backendName,
    describe: () => (be ? describeBackend(be) : backendName),
    threads: () => (backendName === 'cpu'
      ? `${wasmGemmThreads()} (GEMM tiles and large elementwise/row jobs; AVEY_CPU_THREADS)`
      : 'the device\'s (a software adapter runs on the CPU\'s cores)'),
    async init() {
      try {
        be = await setBackend(backendName);
        return null;
      } catch (e) {
        return `@avey/tensor backend '${backendName}': ${e instanceof Error ? e.message : String(e)}`;
      }
    },
    make(s: OpSpec, inputs: Inputs): BenchCase | null {
      let held: Tensor[] = [];
      let body: () => Tensor = () => { throw new Error('not set up'); };
      const f = (k: string, shape: number[]): Tensor => {
        const x = tensor(inputs.f32(k, shape.reduce((p, d) => p * d, 1)), { shape, backend: backendName });
        held.push(x);
        return x;
      };
      let build: () => void;
      switch (s.op) {
        case 'matmul': build = () => { const a = f(key.a(s), [s.n, s.n]), b = f(key.b(s), [s.n, s.n]); body = () => matmul(a, b); }; break;
        case 'add': build = () => { const a = f(key.a(s), [s.n]), b = f(key.b(s), [s.n]); body = () => add(a, b); }; break;
        case 'mul': build = () => { const a = f(key.a(s), [s.n]), b = f(key.b(s), [s.n]); body = () => mul(a, b); }; break;
        case 'exp': build = () => { const a = f(key.a(s), [s.n]); body = () => exp(a); }; break;
        case 'sum': build = () => { const x = f(key.a(s), [s.rows, s.cols]); body = () => sum(x, -1); }; break;
        case 'gather': build = () => {
          const w = f(key.a(s), [s.vocab, s.dim]);
          const ids = tensor(inputs.ids(key.b(s), s.count, s.vocab), { shape: [s.count], dtype: 'int32', backend: backendName });
          held.push(ids);
          body = () => embedding(w, ids);
        }; break;
        default: return null;
      }
      return {
        op: s.op, shape: shapeOf(s), backend: backendName, work: workOf(s),
        setup: async () => { await setBackend(backendName); build(); },
        enter: async () => { await setBackend(backendName); },
        run: be && !be.syncRead
          ? async () => { const y = body(); await be?.sync(); y.dispose(); }
          : () => body().dispose(),
        teardown: () => { for (const x of held) x.dispose(); held = []; },
      };
    },
  };
}
