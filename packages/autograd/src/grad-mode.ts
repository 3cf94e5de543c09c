// Whether ops record onto the tape. `noGrad(fn)` turns recording off inside fn (sync, or async
// for sequential code: the flag is restored when the promise settles).

import { getKernel, type KernelName, type KernelSignatures } from '@avey/tensor';

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

function withGradMode<R>(on: boolean, fn: () => R): R {
  const prev = enabled;
  enabled = on;
  let result: R;
  try {
    result = fn();
  } catch (e) {
    enabled = prev;
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(() => { enabled = prev; }) as R;
  }
  enabled = prev;
  return result;
}

/** Run fn without recording a tape: every Variable created inside has no grad history. */
export function noGrad<R>(fn: () => R): R {
  return withGradMode(false, fn);
}

/** Run fn with recording on (inside a noGrad scope). */
export function enableGrad<R>(fn: () => R): R {
  return withGradMode(true, fn);
}

/** The backend's fused kernel `op` for a FIRST-ORDER backward (no graph is being recorded), else
 *  undefined. Every backward that has a fused gradient kernel asks through here, and otherwise
 *  composes differentiable Variable ops, so that higher-order gradients always exist. */
export function firstOrderKernel<K extends KernelName>(op: K, backend: string): KernelSignatures[K] | undefined {
  return enabled ? undefined : getKernel(op, backend);
}
