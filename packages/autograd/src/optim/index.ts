export { Optimizer, type OptimizerState, type OptimizerStateMeta, type ParamGroup, type GroupSpec, type Hyper } from './optimizer.js';
export { SGD, type SGDOptions, type SGDHyper } from './sgd.js';
export { AdamW, decayGroups, type AdamWOptions, type AdamWHyper, type AdamWGroup } from './adamw.js';
export { clipGradNorm } from './clip.js';
export { LRScheduler, type Schedule } from './schedules.js';
export * as schedules from './schedules.js';
