// @avey/avey-b: a faithful Avey-B (official rimads/avey-b HEAD 8f3ed57), its heads, a Transformer
// baseline, HF-format checkpoints and the `avey forward` entry point. See docs/avey-b.md.
export * from './config.js';
export { aveyConfigFromHF, unknownAveyConfigKeys, AVEY_OFFICIAL_DEFAULTS, HF_COMMON_KEYS } from './hf-config.js';
export { Ranker, type RankerState, type RankerSelection } from './ranker.js';
export { AveyLayer, makeLayers, type LayerKind, type LayerObserver } from './layers.js';
export {
  contextualiser, contextualisers, CONTEXTUALISER_NAMES,
  type Contextualiser, type ContextualiserLayer, type ContextualiserName,
} from './contextualisers.js';
export { TraceRecorder, type AveyForwardTrace } from './trace.js';
export { AveyModel, type AveyModelOptions, type AveyTrace } from './model.js';
export type { Encoder, EncodeOptions } from './encoder.js';
export {
  meanPool, poolingMask, mlmLogits, mlmLoss, seqClsLoss, tokClsLoss, qaLoss, cosineMatrix,
  type HeadInput, type HeadOutput, type QAOutput,
} from './heads.js';
export {
  AveyForMaskedLM, AveyForSequenceClassification, AveyForTokenClassification, AveyForQuestionAnswering,
  createAvey, sentenceEmbeddings, type AveyHeadModel, type HeadName,
} from './avey-heads.js';
export * from './transformer.js';
export {
  saveCheckpoint, loadCheckpoint, loadCheckpointFromBytes, readCheckpointConfig, parseCheckpointConfig, parameterShapes, headOfArchitecture, headOfModel,
  CheckpointError, type AnyConfig, type AnyHeadModel, type ModelKind, type LoadOptions, type LoadedCheckpoint,
} from './checkpoint.js';
export { forwardOutputs, readForwardInputs, runForward, type RunForwardOptions, type RunForwardResult } from './forward.js';
export { diffArrays, summarize, formatDiff, type TensorDiff, type ParityReport, type Tolerance } from './compare.js';
export { safeL2Norm, normalizeL2, normalizeL1, cosineSimilarity, gram } from './functional.js';
export { xavierLinear, namedParams } from './modules.js';
export { mnrlLoss, mnrlStep, scaledCosine, padRows, meanPoolEmbedder, MNRL_SCALE, type Embedder, type ContrastiveBatch, type MnrlStepOptions } from './retrieval.js';
