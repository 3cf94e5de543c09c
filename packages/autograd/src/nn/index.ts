export { Module, type Layer, type StateDict } from './module.js';
export { Linear, Embedding, RMSNorm, LayerNorm, GELU, Tanh, ReLU, Sigmoid, Dropout, Sequential, ModuleList, defaultLayerRng } from './layers.js';
export { rmsNorm, layerNorm, dropout, linear, linearGelu, softmaxCrossEntropy } from './functional.js';
export * as init from './init.js';
