// Fused CPU kernels for composed ops, registered in the kernel registry for backend 'cpu'.
// Each handles the common case (float, last axis, contiguous or copied rows) in one pass over rows
// and falls back to the reference composition (ops/nn.ts, ops/reduce.ts) otherwise; the op suite
// and the autograd / Avey-B tests check both against the same references.
//   rows.ts                 softmax, logSoftmax, logsumexp, softmaxGrad
//   gelu-linear.ts          geluGrad, geluWithGrad, linear (bias added in place), linearGelu (GEMM epilogue)
//   norms.ts                rmsNorm(Grad), layerNorm(Grad), normalizeL2
//   loss.ts                 softmaxCrossEntropy(Grad)
//   matmul-max.ts           matmulGroupMax (MaxSim: grouped max in the GEMM epilogue)
//   gated-mix.ts            gatedMix (Avey-B: the product into its output slot, the gate in the GEMM epilogue)
//   adamw.ts                adamw (one optimiser step: wasm SIMD for float32, a host loop for float64)

import {
  geluGradComposed, geluWithGradComposed, layerNormComposed, layerNormGradComposed, linearComposed, linearGeluComposed, logSoftmaxComposed, matmulGroupMaxComposed,
  rmsNormComposed, rmsNormGradComposed, softmaxComposed, softmaxGradComposed, softmaxCrossEntropyComposed,
  softmaxCrossEntropyGradComposed,
  adamwComposed, gatedMixComposed, normalizeL2Composed,
} from '../../fused/index.js';
import { gatedMixCpu } from './gated-mix.js';
import { adamwCpu } from './adamw.js';
import { logsumexpComposed } from '../../ops/reduce.js';
import { registerKernel } from '../../registry.js';
import { geluGradCpu, geluWithGradCpu, linearCpu, linearGeluCpu } from './gelu-linear.js';
import { matmulGroupMaxCpu } from './matmul-max.js';
import { softmaxCrossEntropyCpu, softmaxCrossEntropyGradCpu } from './loss.js';
import { layerNormCpu, layerNormGradCpu, normalizeL2Cpu, rmsNormCpu, rmsNormGradCpu } from './norms.js';
import { logSoftmaxRow, logsumexpLast, mapRows, softmaxGradCpu, softmaxRow } from './rows.js';

registerKernel('softmax', 'cpu', (x, axis) => (axis === x.rank - 1 && mapRows(x, softmaxRow)) || softmaxComposed(x, axis));
registerKernel('logSoftmax', 'cpu', (x, axis) => (axis === x.rank - 1 && mapRows(x, logSoftmaxRow)) || logSoftmaxComposed(x, axis));
registerKernel('logsumexp', 'cpu', (x, axes, keepDim) => logsumexpLast(x, axes, keepDim) ?? logsumexpComposed(x, axes, keepDim));
registerKernel('linear', 'cpu', (x, w, b) => linearCpu(x, w, b) ?? linearComposed(x, w, b));
registerKernel('gatedMix', 'cpu', (z, mix) => gatedMixCpu(z, mix) ?? gatedMixComposed(z, mix));
registerKernel('matmulGroupMax', 'cpu', (a, b, s) => matmulGroupMaxCpu(a, b, s) ?? matmulGroupMaxComposed(a, b, s));
registerKernel('linearGelu', 'cpu', (x, w, b, g) => linearGeluCpu(x, w, b, g) ?? linearGeluComposed(x, w, b, g));
registerKernel('softmaxCrossEntropy', 'cpu', (z, y, ig, keep) => softmaxCrossEntropyCpu(z, y, ig, keep ?? false) ?? softmaxCrossEntropyComposed(z, y, ig, keep ?? false));
registerKernel('softmaxCrossEntropyGrad', 'cpu', (z, l, y, w, ig, p) => softmaxCrossEntropyGradCpu(z, l, y, w, ig, p ?? null) ?? softmaxCrossEntropyGradComposed(z, l, y, w, ig, p ?? null));
registerKernel('normalizeL2', 'cpu', (x, eps) => normalizeL2Cpu(x, eps) ?? normalizeL2Composed(x, eps));
registerKernel('rmsNorm', 'cpu', (x, w, eps) => rmsNormCpu(x, w, eps) ?? rmsNormComposed(x, w, eps));
registerKernel('rmsNormGrad', 'cpu', (x, w, g, eps) => rmsNormGradCpu(x, w, g, eps) ?? rmsNormGradComposed(x, w, g, eps));
registerKernel('layerNorm', 'cpu', (x, w, b, eps) => layerNormCpu(x, w, b, eps) ?? layerNormComposed(x, w, b, eps));
registerKernel('layerNormGrad', 'cpu', (x, w, g, eps) => layerNormGradCpu(x, w, g, eps) ?? layerNormGradComposed(x, w, g, eps));
registerKernel('softmaxGrad', 'cpu', (y, g) => softmaxGradCpu(y, g) ?? softmaxGradComposed(y, g));
registerKernel('geluWithGrad', 'cpu', (x) => geluWithGradCpu(x) ?? geluWithGradComposed(x));
registerKernel('geluGrad', 'cpu', (x, g) => geluGradCpu(x, g) ?? geluGradComposed(x, g));
registerKernel('adamw', 'cpu', (p, g, m, v, h) => adamwCpu(p, g, m, v, h) ?? adamwComposed(p, g, m, v, h));
