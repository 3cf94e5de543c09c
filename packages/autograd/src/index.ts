// @avey/autograd — Variable (tensor + tape), Function API, gradcheck, nn, losses, optim,
// schedules, safetensors. See docs/autograd.md.

export { Variable, variable, parameter, constant, record, isFloatDType, type VarLike, type Vjp, type Node } from './variable.js';
export { noGrad, enableGrad, isGradEnabled } from './grad-mode.js';
export { grad, type BackwardOptions } from './engine.js';
export { AutogradFunction as Function, AutogradFunction, FunctionCtx } from './function.js';
export { gradcheck, gradgradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';
export * as ops from './ops/index.js';
export * as nn from './nn/index.js';
export * as losses from './losses.js';
export * as optim from './optim/index.js';
export * as schedules from './optim/schedules.js';
export * as safetensors from './safetensors/index.js';
export { SafetensorsError } from './safetensors/format.js';
export { NON_DIFFERENTIABLE_METHODS } from './registry.js';
