// Model benchmarks: training throughput, inference latency per length, the scaling sweep.
export { runTrainBench } from './train.js';
export { runInferBench } from './infer.js';
export { runSweep, type SweepOptions } from './sweep.js';
export { fitPowerLaw, type PowerLaw } from './scaling.js';
export { sweepMarkdown, sweepSvg, type SweepCurve, type SweepResult } from './report.js';
export { findTorch, torchInfer, torchTrain, type TorchInfo } from './torch.js';
export { TWIN_CONFIGS, compareInfer, compareTrain, medianRatios, type InferComparison, type TrainComparison, type TorchSkip } from './compare.js';
export { selectGemm } from './setup.js';
export type * from './types.js';
