// Kernel registry: optional faster implementations of composed ops, keyed by (op, backend).
// Composed ops (softmax, logSoftmax, logsumexp, normalize, …) look here first and fall back to
// their composition from primitives, which stays the reference.
//
// Other packages add ops to the typed table by declaration merging:
//   declare module '@avey/tensor' { interface KernelSignatures { rmsNorm(x: Tensor, w: Tensor, eps: number): Tensor } }

import type { Tensor } from './tensor.js';

export interface KernelSignatures {
  softmax(x: Tensor, axis: number): Tensor;
  logSoftmax(x: Tensor, axis: number): Tensor;
  logsumexp(x: Tensor, axes: number[], keepDim: boolean): Tensor;
  normalize(x: Tensor, p: 1 | 2, axis: number, eps: number): Tensor;
}

export type KernelName = keyof KernelSignatures;

const kernels = new Map<string, unknown>();
const key = (op: string, backend: string): string => `${op}\u0000${backend}`;

/** Registers `impl` for `op` on `backendName` (replacing any previous one); returns a function
 *  that unregisters it and restores the previous kernel. */
export function registerKernel<K extends KernelName>(op: K, backendName: string, impl: KernelSignatures[K]): () => void {
  const k = key(op, backendName);
  const previous = kernels.get(k);
  kernels.set(k, impl);
  return () => {
    if (kernels.get(k) !== impl) return;
    if (previous === undefined) kernels.delete(k);
    else kernels.set(k, previous);
  };
}

export function getKernel<K extends KernelName>(op: K, backendName: string): KernelSignatures[K] | undefined {
  return kernels.get(key(op, backendName)) as KernelSignatures[K] | undefined;
}

/** (op, backend) pairs with a registered kernel: the coverage matrix. */
export function listKernels(): { op: string; backend: string }[] {
  return [...kernels.keys()].map((k) => {
    const [op, backend] = k.split('\u0000');
    return { op, backend };
  });
}
