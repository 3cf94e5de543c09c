// The official Avey-B head classes. Like the official code they subclass AveyModel, so parameter
// names have no prefix: `embed.weight`, `layers.0.…`, `ranker.down_proj`, `dense.0.weight`,
// `classifier.weight`, … (checked against the fixture names).
import type { Tensor } from '@avey/tensor';
import { Rng } from '@avey/tensor';
import type { Variable, nn } from '@avey/autograd';
import type { AveyConfig } from './config.js';
import { AveyModel, type AveyModelOptions } from './model.js';
import {
  SeqClsHead, TokClsHead, meanPool, mlmOutput, poolingMask, qaOutput, seqClsOutput, tokClsOutput,
  type HeadInput, type HeadOutput, type QAOutput,
} from './heads.js';
import { xavierLinear } from './modules.js';

/** Heads of this package's encoders, by the CLI name. */
export type HeadName = 'mlm' | 'seqcls' | 'tokcls' | 'qa';

export class AveyForMaskedLM extends AveyModel {
  forward(inputIds: Tensor, opts: HeadInput = {}): HeadOutput {
    return mlmOutput(this.encode(inputIds, opts), this.embed.weight, opts);
  }
}

export class AveyForSequenceClassification extends AveyModel {
  dense: nn.Sequential;
  classifier: nn.Linear;
  constructor(config: AveyConfig, opts: AveyModelOptions = {}) {
    super(config, opts);
    const { dense, classifier } = SeqClsHead.build(config.d_embed, config.num_labels, new Rng((opts.seed ?? 0) + 1));
    this.dense = dense;
    this.classifier = classifier;
  }

  /** The pooled sentence vector after `dense` (B, d). */
  forward(inputIds: Tensor, opts: HeadInput = {}): HeadOutput {
    const mask = poolingMask(opts, inputIds.shape, this.config.mask_mode);
    return seqClsOutput(this.encode(inputIds, opts), mask, this.dense, this.classifier, this.config.num_labels, opts);
  }
}

export class AveyForTokenClassification extends AveyModel {
  dense: nn.Sequential;
  classifier: nn.Linear;
  constructor(config: AveyConfig, opts: AveyModelOptions = {}) {
    super(config, opts);
    const { dense, classifier } = TokClsHead.build(config.d_embed, config.num_labels, new Rng((opts.seed ?? 0) + 1));
    this.dense = dense;
    this.classifier = classifier;
  }

  forward(inputIds: Tensor, opts: HeadInput = {}): HeadOutput {
    return tokClsOutput(this.encode(inputIds, opts), this.dense, this.classifier, opts);
  }
}

/** Extractive QA with start/end pointers (an addition: the official QA is 2-label token
 *  classification, use AveyForTokenClassification for that). */
export class AveyForQuestionAnswering extends AveyModel {
  qa_outputs: nn.Linear;
  constructor(config: AveyConfig, opts: AveyModelOptions = {}) {
    super(config, opts);
    this.qa_outputs = xavierLinear(config.d_embed, 2, new Rng((opts.seed ?? 0) + 1));
  }

  forward(inputIds: Tensor, opts: HeadInput = {}): QAOutput {
    return qaOutput(this.encode(inputIds, opts), this.qa_outputs, opts);
  }
}

export type AveyHeadModel = AveyForMaskedLM | AveyForSequenceClassification | AveyForTokenClassification | AveyForQuestionAnswering;

/** A fresh model with the given head (`seed` drives the Xavier initialisation). */
export function createAvey(config: AveyConfig, head: HeadName = 'mlm', opts: AveyModelOptions = {}): AveyHeadModel {
  switch (head) {
    case 'mlm': return new AveyForMaskedLM(config, opts);
    case 'seqcls': return new AveyForSequenceClassification(config, opts);
    case 'tokcls': return new AveyForTokenClassification(config, opts);
    case 'qa': return new AveyForQuestionAnswering(config, opts);
  }
}

/** Sentence embeddings: mean pooling of last_hidden_state over real tokens (B, d). */
export function sentenceEmbeddings(model: AveyModel, inputIds: Tensor, attentionMask?: Tensor): Variable {
  const opts = attentionMask ? { attentionMask } : {};
  const h = model.encode(inputIds, opts);
  return meanPool(h, poolingMask(opts, inputIds.shape, model.config.mask_mode));
}
