// Fused kernels, one file per family. Each file declares its kernels' signatures in the registry
// (KernelSignatures), and holds the composed forward reference and, where the kernel is a
// gradient, the composed gradient reference. Backends register implementations (cpu/fused/,
// webgpu/fused-kernels.ts); callers look a kernel up and fall back to the composition, which stays
// the reference the op suite checks every kernel against. The tensor package holds backward
// KERNELS (as tfjs does) but no tape and no gradient rules: those live in @avey/autograd.
//
//   gelu.ts           geluGrad, geluWithGrad; geluDerivative (the one GELU derivative)
//   linear.ts         linear, linearGelu
//   norms.ts          rmsNorm, rmsNormGrad, layerNorm, layerNormGrad, normalizeL2
//   softmax.ts        softmaxGrad; softmax / logSoftmax references
//   cross-entropy.ts  softmaxCrossEntropy, softmaxCrossEntropyGrad
//   maxsim.ts         matmulGroupMax
//   gated-mix.ts      gatedMix (an Avey-B layer's [gate ⊙ (S v) ‖ bypass])
//   adamw.ts          adamw (one optimiser step)

export { geluDerivative, geluGradComposed, geluWithGradComposed, type GeluMath } from './gelu.js';
export { linearComposed, linearGeluComposed } from './linear.js';
export { layerNormComposed, layerNormGradComposed, normalizeL2Composed, rmsNormComposed, rmsNormGradComposed } from './norms.js';
export { logSoftmaxComposed, softmaxComposed, softmaxGradComposed } from './softmax.js';
export { softmaxCrossEntropyComposed, softmaxCrossEntropyGradComposed } from './cross-entropy.js';
export { matmulGroupMaxComposed } from './maxsim.js';
export { gatedMixComposed } from './gated-mix.js';
export { adamwComposed, adamwStep, type AdamWStep } from './adamw.js';
