// @avey/tensor — n-d tensors, dtypes, views, broadcasting, ops, backends. See docs/tensor.md.

export type {
  ArrayFor, Backend, BackendBuffer, BinaryOp, DType, ReduceOp, StridedRef, TypedArray, UnaryOp, View,
} from './backend.js';
export { AveyError, BackendError, DTypeError, IndexError, ShapeError, fmtShape } from './errors.js';
export {
  DTYPES, allocArray, bytesPerElement, coerceScalar, dtypeOfArray, isDType, isFloat, isIntLike, promoteTypes, scalarDType,
} from './dtype.js';
export {
  broadcastShapes, broadcastStrides, collapseDims, contiguousStrides, inferReshape, isContiguous, normalizeAxes,
  normalizeAxis, reshapeStrides, shapesEqual, sizeOf, type Shape,
} from './shape.js';
export { Storage, Tensor, type NestedArray, type TensorLike } from './tensor.js';
import './tensor-methods.js'; // x.add(y), x.sum(), …: the fluent methods, attached to Tensor.prototype
export {
  type RegisterOptions, backendInfo, disposeBackends, getBackend, initBackend, listBackends, memory, registerBackend, setBackend,
  type BackendFactory, type BackendInfo, type MemoryInfo,
} from './engine.js';
import './backends.js'; // registers cpu, webgpu and gpujs with the engine
export { getKernel, listKernels, registerKernel, type KernelName, type KernelSignatures } from './registry.js';
export { TENSORS, keep, scope, scopeDepth, type HasTensors } from './scope.js';
export { Rng, manualSeed, mulberry32, rand, randn, type RandomOptions } from './random.js';

export {
  arange, eye, full, fullLike, linspace, oneHot, ones, onesLike, tensor, toBackend, zeros, zerosLike,
  type CreateOptions, type TensorData, type TensorOptions,
} from './ops/creation.js';
export {
  abs, add, cast, ceil, clamp, clone, cos, div, eq, erf, exp, floor, ge, gelu, gt, le, log, logicalAnd, logicalNot,
  logicalOr, lt, maximum, minimum, mod, mul, ne, neg, pow, reciprocal, relu, round, rsqrt, sigmoid, sign, sin, sqrt,
  square, sub, tanh, where,
} from './ops/elementwise.js';
export { argmax, argmin, logsumexp, max, mean, min, norm, prod, sum, variance, type Axes } from './ops/reduce.js';
export { logSoftmax, normalize, softmax } from './ops/nn.js';
export { adamwComposed, adamwStep, gatedMixComposed, normalizeL2Composed, geluDerivative, type AdamWStep, type GeluMath } from './fused/index.js';
import './fused/index.js'; // the fused kernels' signatures (KernelSignatures) and references
export { matmul } from './ops/linalg.js';
export {
  broadcastTo, contiguous, expand, flatten, narrow, permute, reshape, slice, squeeze, transpose, unsqueeze,
} from './ops/views.js';
export { cat, chunk, pad, split, stack } from './ops/join.js';
export { embedding, gather, indexSelect, scatterAdd, topk } from './ops/indexing.js';

export { CpuBackend } from './cpu/backend.js';
import './cpu/fused/index.js'; // the CPU's fused kernels (kernel registry)
export { sgemm, setSgemmImpl, getSgemmImpl, sgemmJs, type SgemmFn } from './cpu/sgemm.js';
export {
  installWasmKernels, wasmKernelsAvailable, wasmUnavailableReason, wasmSgemm, wasmBinaryF32, wasmUnaryF32, wasmSumRowsF32,
  setWasmGemmBlocking, getWasmGemmBlocking, setWasmGemmThreads, wasmGemmThreads, wasmGemmFma, wasmGemmTile, wasmTensorHeap, type GemmBlocking, type WasmBinaryOp, type WasmUnaryOp,
} from './cpu/wasm/index.js';
