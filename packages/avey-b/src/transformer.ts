// A BERT-style Transformer encoder baseline in the same framework, for like-for-like comparisons:
// token embedding (+ learned or sinusoidal positions) → n pre-LN blocks
//   x ← x + Attn(LN(x)),  x ← x + MLP(LN(x))   (MLP: d → 4d → GELU → d)
// → final LayerNorm. Multi-head scaled dot-product attention, bidirectional; pads are masked
// out of the keys (mask_mode 'masked'). Same heads and checkpoint format as Avey-B, its own config
// (`model_type: "transformer_baseline"`).
import type { Tensor } from '@avey/tensor';
import { AveyError, Rng, keep, scope, tensor } from '@avey/tensor';
import { Variable, isGradEnabled, nn } from '@avey/autograd';
import type { AveyPresetName, MaskMode } from './config.js';
import { checkInputIds, checkMask, type EncodeOptions, type Encoder } from './encoder.js';
import {
  SeqClsHead, TokClsHead, mlmOutput, poolingMask, qaOutput, seqClsOutput, tokClsOutput,
  type HeadInput, type HeadOutput, type QAOutput,
} from './heads.js';
import { xavierLinear } from './modules.js';
import { xavierNormal } from './init.js';
import type { HeadName } from './avey-heads.js';

export interface TransformerConfig {
  model_type: 'transformer_baseline';
  architectures?: string[];
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  position_embedding_type: 'learned' | 'sinusoidal';
  layer_norm_eps: number;
  num_labels: number;
  id2label: Record<string, string>;
  label2id: Record<string, number>;
  mask_mode: MaskMode;
}

export type TransformerConfigInput = Partial<TransformerConfig>;

export const TRANSFORMER_PRESETS: Readonly<Record<AveyPresetName, TransformerConfigInput>> = {
  tiny: { vocab_size: 8192, hidden_size: 64, num_hidden_layers: 4, num_attention_heads: 4 },
  small: { vocab_size: 8192, hidden_size: 256, num_hidden_layers: 8, num_attention_heads: 4 },
  base: { vocab_size: 50368, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12 },
};

export function transformerConfig(input: TransformerConfigInput = {}): TransformerConfig {
  const d = input.hidden_size ?? 768;
  const heads = input.num_attention_heads ?? 12;
  if (d % heads !== 0) throw new AveyError('transformerConfig', `hidden_size ${d} is not divisible by num_attention_heads ${heads}`);
  const n = input.id2label ? Object.keys(input.id2label).length : input.num_labels ?? 2;
  if (input.num_labels !== undefined && input.id2label && input.num_labels !== n) {
    throw new AveyError('transformerConfig', `num_labels ${input.num_labels} disagrees with id2label (${n} labels)`);
  }
  const id2label: Record<string, string> = input.id2label ?? Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), `LABEL_${i}`]));
  const label2id: Record<string, number> = input.label2id ?? Object.fromEntries(Object.entries(id2label).map(([i, l]) => [l, Number(i)]));
  const cfg: TransformerConfig = {
    model_type: 'transformer_baseline',
    vocab_size: input.vocab_size ?? 50368,
    hidden_size: d,
    num_hidden_layers: input.num_hidden_layers ?? 12,
    num_attention_heads: heads,
    intermediate_size: input.intermediate_size ?? 4 * d,
    max_position_embeddings: input.max_position_embeddings ?? 2048,
    position_embedding_type: input.position_embedding_type ?? 'learned',
    layer_norm_eps: input.layer_norm_eps ?? 1e-5,
    num_labels: n,
    id2label,
    label2id,
    mask_mode: input.mask_mode ?? 'masked',
  };
  if (input.architectures) cfg.architectures = [...input.architectures];
  if (input.model_type !== undefined && input.model_type !== 'transformer_baseline') {
    throw new AveyError('transformerConfig', `model_type must be "transformer_baseline", got ${JSON.stringify(input.model_type)}`);
  }
  return cfg;
}

export function transformerConfigToJSON(cfg: TransformerConfig): Record<string, unknown> {
  return { architectures: cfg.architectures ?? ['TransformerForMaskedLM'], ...cfg, torch_dtype: 'float32' };
}

/** Fixed sinusoidal table (P, d): PE[p, 2i] = sin(p / 10000^{2i/d}), PE[p, 2i+1] = cos(…). */
export function sinusoidalPositions(P: number, d: number): Tensor {
  const out = new Float32Array(P * d);
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < d; i += 2) {
      const f = p / Math.pow(10000, i / d);
      out[p * d + i] = Math.sin(f);
      if (i + 1 < d) out[p * d + i + 1] = Math.cos(f);
    }
  }
  return tensor(out, { shape: [P, d] });
}

class Attention extends nn.Module {
  qkv: nn.Linear;
  out: nn.Linear;
  readonly heads: number;
  constructor(d: number, heads: number, rng: Rng) {
    super();
    this.heads = heads;
    this.qkv = xavierLinear(d, 3 * d, rng);
    this.out = xavierLinear(d, d, rng);
  }

  /** x: (B, T, d); keyBias: (B, 1, 1, T) additive (0 or −1e9) or null. */
  forward(x: Variable, keyBias: Tensor | null): Variable {
    const [B, T, d] = x.shape;
    const H = this.heads, dh = d / H;
    // (B, T, 3, H, dh) → (3, B, H, T, dh)
    const qkv = this.qkv.forward(x).reshape([B, T, 3, H, dh]).permute([2, 0, 3, 1, 4]);
    const q = qkv.narrow(0, 0, 1).reshape([B, H, T, dh]);
    const k = qkv.narrow(0, 1, 1).reshape([B, H, T, dh]);
    const v = qkv.narrow(0, 2, 1).reshape([B, H, T, dh]);
    // (q/√dh) kᵀ: the scale on the (B, H, T, dh) queries instead of the (B, H, T, T) scores
    let scores = q.mul(1 / Math.sqrt(dh)).matmul(k.transpose(-2, -1)); // (B, H, T, T)
    if (keyBias) scores = scores.add(keyBias);
    const ctx = scores.softmax(-1).matmul(v); // (B, H, T, dh)
    return this.out.forward(ctx.permute([0, 2, 1, 3]).reshape([B, T, d]));
  }
}

class Mlp extends nn.Module {
  fc1: nn.Linear;
  fc2: nn.Linear;
  constructor(d: number, m: number, rng: Rng) {
    super();
    this.fc1 = xavierLinear(d, m, rng);
    this.fc2 = xavierLinear(m, d, rng);
  }
  forward(x: Variable): Variable {
    return this.fc2.forward(this.fc1.forward(x).gelu());
  }
}

class Block extends nn.Module {
  attn_norm: nn.LayerNorm;
  attn: Attention;
  mlp_norm: nn.LayerNorm;
  mlp: Mlp;
  constructor(cfg: TransformerConfig, rng: Rng) {
    super();
    this.attn_norm = new nn.LayerNorm(cfg.hidden_size, cfg.layer_norm_eps);
    this.attn = new Attention(cfg.hidden_size, cfg.num_attention_heads, rng);
    this.mlp_norm = new nn.LayerNorm(cfg.hidden_size, cfg.layer_norm_eps);
    this.mlp = new Mlp(cfg.hidden_size, cfg.intermediate_size, rng);
  }
  forward(x: Variable, keyBias: Tensor | null): Variable {
    const y = x.add(this.attn.forward(this.attn_norm.forward(x), keyBias));
    return y.add(this.mlp.forward(this.mlp_norm.forward(y)));
  }
}

export class TransformerModel extends nn.Module implements Encoder {
  readonly config: TransformerConfig;
  embed: nn.Embedding;
  position_embed: nn.Embedding | null;
  layers: nn.ModuleList<Block>;
  final_norm: nn.LayerNorm;
  private sinusoid: Tensor | null = null;

  constructor(config: TransformerConfig, opts: { seed?: number } = {}) {
    super();
    this.config = config;
    const rng = new Rng(opts.seed ?? 0);
    const d = config.hidden_size;
    this.embed = new nn.Embedding(config.vocab_size, d);
    this.embed.weight.value = xavierNormal(rng, [config.vocab_size, d]);
    if (config.position_embedding_type === 'learned') {
      this.position_embed = new nn.Embedding(config.max_position_embeddings, d);
      this.position_embed.weight.value = rng.normal([config.max_position_embeddings, d], 0, 0.02);
    } else {
      this.position_embed = null;
    }
    this.layers = new nn.ModuleList(Array.from({ length: config.num_hidden_layers }, () => new Block(config, rng)));
    this.final_norm = new nn.LayerNorm(d, config.layer_norm_eps);
  }

  get hiddenSize(): number { return this.config.hidden_size; }
  get maskMode(): MaskMode { return this.config.mask_mode; }
  tiedEmbedding(): Variable { return this.embed.weight; }

  encode(inputIds: Tensor, opts: EncodeOptions = {}): Variable {
    checkInputIds(inputIds, this.config.vocab_size, 'TransformerModel.encode');
    const [B, T] = inputIds.shape;
    const { max_position_embeddings: P, hidden_size: d } = this.config;
    if (T > P) throw new AveyError('TransformerModel.encode', `sequence length ${T} > max_position_embeddings ${P}`);
    let x = this.embed.forward(inputIds);
    const pos = tensor(Int32Array.from({ length: T }, (_, i) => i), { dtype: 'int32', shape: [1, T] });
    if (this.position_embed) {
      x = x.add(this.position_embed.forward(pos));
    } else {
      // The fixed table is cached across calls, so it must outlive the caller's scope (keep).
      if (!this.sinusoid || this.sinusoid.shape[0] < T) this.sinusoid = keep(sinusoidalPositions(P, d));
      x = x.add(this.sinusoid.narrow(0, 0, T).unsqueeze(0));
    }
    let keyBias: Tensor | null = null;
    const mode = opts.maskMode ?? this.config.mask_mode;
    if (opts.attentionMask && mode === 'masked') {
      const m = checkMask(opts.attentionMask, inputIds.shape, 'TransformerModel.encode');
      // (B, 1, 1, T): 0 for real keys, −1e9 for pads
      keyBias = m.sub(1).mul(1e9).reshape([B, 1, 1, T]);
    }
    // Without a tape (noGrad) free each block's intermediates (the (B, H, T, T) scores) when it returns.
    const noTape = !isGradEnabled();
    for (const layer of this.layers) {
      const input = x;
      x = noTape ? scope(() => layer.forward(input, keyBias)) : layer.forward(input, keyBias);
    }
    return this.final_norm.forward(x);
  }
}

export class TransformerForMaskedLM extends TransformerModel {
  forward(inputIds: Tensor, opts: HeadInput = {}): HeadOutput {
    return mlmOutput(this.encode(inputIds, opts), this.embed.weight, opts);
  }
}

export class TransformerForSequenceClassification extends TransformerModel {
  dense: nn.Sequential;
  classifier: nn.Linear;
  constructor(config: TransformerConfig, opts: { seed?: number } = {}) {
    super(config, opts);
    const { dense, classifier } = SeqClsHead.build(config.hidden_size, config.num_labels, new Rng((opts.seed ?? 0) + 1));
    this.dense = dense;
    this.classifier = classifier;
  }
  forward(inputIds: Tensor, opts: HeadInput = {}): HeadOutput {
    const mask = poolingMask(opts, inputIds.shape, this.config.mask_mode);
    return seqClsOutput(this.encode(inputIds, opts), mask, this.dense, this.classifier, this.config.num_labels, opts);
  }
}

export class TransformerForTokenClassification extends TransformerModel {
  dense: nn.Sequential;
  classifier: nn.Linear;
  constructor(config: TransformerConfig, opts: { seed?: number } = {}) {
    super(config, opts);
    const { dense, classifier } = TokClsHead.build(config.hidden_size, config.num_labels, new Rng((opts.seed ?? 0) + 1));
    this.dense = dense;
    this.classifier = classifier;
  }
  forward(inputIds: Tensor, opts: HeadInput = {}): HeadOutput {
    return tokClsOutput(this.encode(inputIds, opts), this.dense, this.classifier, opts);
  }
}

export class TransformerForQuestionAnswering extends TransformerModel {
  qa_outputs: nn.Linear;
  constructor(config: TransformerConfig, opts: { seed?: number } = {}) {
    super(config, opts);
    this.qa_outputs = xavierLinear(config.hidden_size, 2, new Rng((opts.seed ?? 0) + 1));
  }
  forward(inputIds: Tensor, opts: HeadInput = {}): QAOutput {
    return qaOutput(this.encode(inputIds, opts), this.qa_outputs, opts);
  }
}

export type TransformerHeadModel = TransformerForMaskedLM | TransformerForSequenceClassification | TransformerForTokenClassification | TransformerForQuestionAnswering;

export function createTransformer(config: TransformerConfig, head: HeadName = 'mlm', opts: { seed?: number } = {}): TransformerHeadModel {
  switch (head) {
    case 'mlm': return new TransformerForMaskedLM(config, opts);
    case 'seqcls': return new TransformerForSequenceClassification(config, opts);
    case 'tokcls': return new TransformerForTokenClassification(config, opts);
    case 'qa': return new TransformerForQuestionAnswering(config, opts);
  }
}

/** Official-style parameter names and shapes of a Transformer baseline. */
export function transformerParameterShapes(cfg: TransformerConfig, head: HeadName | 'base' = 'mlm'): Map<string, number[]> {
  const d = cfg.hidden_size, m = cfg.intermediate_size;
  const out = new Map<string, number[]>();
  out.set('embed.weight', [cfg.vocab_size, d]);
  if (cfg.position_embedding_type === 'learned') out.set('position_embed.weight', [cfg.max_position_embeddings, d]);
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const p = `layers.${i}.`;
    out.set(`${p}attn_norm.weight`, [d]); out.set(`${p}attn_norm.bias`, [d]);
    out.set(`${p}attn.qkv.weight`, [3 * d, d]); out.set(`${p}attn.qkv.bias`, [3 * d]);
    out.set(`${p}attn.out.weight`, [d, d]); out.set(`${p}attn.out.bias`, [d]);
    out.set(`${p}mlp_norm.weight`, [d]); out.set(`${p}mlp_norm.bias`, [d]);
    out.set(`${p}mlp.fc1.weight`, [m, d]); out.set(`${p}mlp.fc1.bias`, [m]);
    out.set(`${p}mlp.fc2.weight`, [d, m]); out.set(`${p}mlp.fc2.bias`, [d]);
  }
  out.set('final_norm.weight', [d]); out.set('final_norm.bias', [d]);
  if (head === 'seqcls') {
    out.set('dense.0.weight', [2 * d, d]); out.set('dense.0.bias', [2 * d]);
    out.set('dense.2.weight', [2 * d, 2 * d]); out.set('dense.2.bias', [2 * d]);
    out.set('dense.4.weight', [d, 2 * d]); out.set('dense.4.bias', [d]);
    out.set('classifier.weight', [cfg.num_labels, d]); out.set('classifier.bias', [cfg.num_labels]);
  } else if (head === 'tokcls') {
    out.set('dense.0.weight', [d, d]); out.set('dense.0.bias', [d]);
    out.set('classifier.weight', [cfg.num_labels, d]); out.set('classifier.bias', [cfg.num_labels]);
  } else if (head === 'qa') {
    out.set('qa_outputs.weight', [2, d]); out.set('qa_outputs.bias', [2]);
  }
  return out;
}
