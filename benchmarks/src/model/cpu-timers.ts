// Dev-tool hooks (optime.ts, prof-infer.ts): wall time per CPU backend primitive, keyed by op and
// operand layout, and per composed-op kernel (inclusive of the primitives it calls). Installing
// them patches CpuBackend.prototype / the kernel registry for the rest of the process.
import * as T from '@avey/tensor';

export interface Timing { ms: number; n: number }

const PRIMITIVES = ['unary', 'binary', 'where', 'cast', 'reduce', 'matmul', 'gather', 'scatterAdd', 'topk', 'assign', 'fill', 'upload', 'readSync'];

type Ref = { view: { shape: number[]; strides: number[] }; buffer: { dtype: string } };

/** `dtype[shape]strides` of an operand (each part optional), a string argument as it is, else ''. */
export function describeOperand(x: unknown, o: { dtype: boolean; strides: boolean }): string {
  const r = x as Ref;
  if (r && r.view) return `${o.dtype ? r.buffer.dtype : ''}[${r.view.shape.join(',')}]${o.strides ? r.view.strides.join(',') : ''}`;
  return typeof x === 'string' ? x : '';
}

function add(acc: Map<string, Timing>, key: string, ms: number): void {
  const e = acc.get(key) ?? { ms: 0, n: 0 };
  e.ms += ms;
  e.n++;
  acc.set(key, e);
}

/** Times every CPU backend primitive call under the key `op operand operand …` (first 3 arguments). */
export function timePrimitives(describe: (x: unknown) => string): Map<string, Timing> {
  const acc = new Map<string, Timing>();
  const proto = T.CpuBackend.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const m of PRIMITIVES) {
    const f = proto[m];
    proto[m] = function (this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      const r = f.apply(this, args);
      add(acc, `${m} ${args.slice(0, 3).map(describe).filter((s) => s).join(' ')}`, performance.now() - t0);
      return r;
    };
  }
  return acc;
}

/** Times every kernel registered for the CPU backend, keyed by its op name. */
export function timeKernels(): Map<string, Timing> {
  const acc = new Map<string, Timing>();
  for (const { op, backend } of T.listKernels()) {
    if (backend !== 'cpu') continue;
    const f = T.getKernel(op as T.KernelName, 'cpu') as unknown as (...a: unknown[]) => unknown;
    T.registerKernel(op as T.KernelName, 'cpu', ((...args: unknown[]) => {
      const t0 = performance.now();
      const r = f(...args);
      add(acc, op, performance.now() - t0);
      return r;
    }) as never);
  }
  return acc;
}
