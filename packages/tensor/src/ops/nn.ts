// softmax, logSoftmax, normalize: composed from primitives; a backend may register a fused kernel.
// The reference compositions and the other fused kernels (GELU, linear, norms, cross-entropy,
// MaxSim) live in ../fused/.

import { isFloat } from '../dtype.js';
import { DTypeError, fmtShape } from '../errors.js';
import { getKernel } from '../registry.js';
import { scope } from '../scope.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div, maximum } from './elementwise.js';
import { norm } from './reduce.js';
import { logSoftmaxComposed, softmaxComposed } from '../fused/softmax.js';

function floatOnly(op: string, x: Tensor): void {
  x.assertLive(op);
  if (!isFloat(x.dtype)) throw new DTypeError(op, `needs a float tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
}

/** exp(x - max) / Σ exp(x - max) along `axis`. */
export function softmax(x: Tensor, axis = -1): Tensor {
  floatOnly('softmax', x);
  const a = normalizeAxis('softmax', axis, x.rank);
  const k = getKernel('softmax', x.backend);
  return k ? k(x, a) : softmaxComposed(x, a);
}

/** x - logsumexp(x) along `axis`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  floatOnly('logSoftmax', x);
  const a = normalizeAxis('logSoftmax', axis, x.rank);
  const k = getKernel('logSoftmax', x.backend);
  return k ? k(x, a) : logSoftmaxComposed(x, a);
}

/** x / max(‖x‖_p, eps) along `axis` (torch.nn.functional.normalize). */
export function normalize(x: Tensor, p: 1 | 2 = 2, axis = -1, eps = 1e-12): Tensor {
  floatOnly('normalize', x);
  const a = normalizeAxis('normalize', axis, x.rank);
  const k = getKernel('normalize', x.backend);
  if (k) return k(x, p, a, eps);
  return scope(() => div(x, maximum(norm(x, p, a, true), eps)));
}
