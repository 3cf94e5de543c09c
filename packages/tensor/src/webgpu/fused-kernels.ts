// Fused kernels for composed ops, registered in the core's kernel registry under 'webgpu'
// (softmax / logSoftmax along the last axis). Cases a kernel does not handle (another axis, leading
// axes that do not flatten to one stride) fall back to the composed reference.
import { logSoftmaxComposed, softmaxComposed } from '../fused/softmax.js';
import { registerKernel } from '../registry.js';
import { Tensor } from '../tensor.js';
import { WebGPUBackend } from './backend.js';

/** (rows, rowStride) when every axis but the last flattens to one strided axis, else null. */
function rowsOf(x: Tensor): { rows: number; rowStride: number } | null {
  let rows = 1;
  let rowStride = 0;
  let expect: number | null = null; // stride the next-outer axis must have to merge
  for (let d = x.rank - 2; d >= 0; d--) {
    const n = x.shape[d];
    if (n === 1) continue;
    if (expect === null) rowStride = x.strides[d];
    else if (x.strides[d] !== expect) return null;
    expect = x.strides[d] * n;
    rows *= n;
  }
  return { rows, rowStride };
}

function fusedSoftmax(x: Tensor, axis: number, log: boolean): Tensor | null {
  const be = x.storage.backend;
  if (!(be instanceof WebGPUBackend) || x.dtype !== 'float32' || axis !== x.rank - 1) return null;
  const r = rowsOf(x);
  if (!r) return null;
  const buf = be.softmaxRows(x.ref, r.rows, x.shape[axis], r.rowStride, log);
  return Tensor.fromBuffer(be, buf, x.shape);
}

let registered = false;
/** Idempotent; called by createWebGPUBackend. */
export function registerWebGPUKernels(): void {
  if (registered) return;
  registered = true;
  registerKernel('softmax', 'webgpu', (x, axis) => fusedSoftmax(x, axis, false) ?? softmaxComposed(x, axis));
  registerKernel('logSoftmax', 'webgpu', (x, axis) => fusedSoftmax(x, axis, true) ?? logSoftmaxComposed(x, axis));
}
