// @avey/benchmarks: the op micro-benchmarks (./ops) and the model benchmarks (./model), as
// functions. The CLI's `avey bench ops|train|infer` and the scripts in docs/benchmarks.md call these.
export { runOpBench, toMarkdown, type OpBenchOptions, type OpBenchResult, type OpResult } from './ops/index.js';
export * from './model/index.js';
