// Avey-B configuration: the official HF field names (rimads/avey-b `configuration_avey.py`), the
// presets, the research switches, and the exact parameter-count formula.
//
// Official fields (HF `config.json`, `model_type: "avey-b"`; checkpoints written before said "avey"):
// vocab_size, d_embed (= hidden_size), n_layers, chunk_size, k, eps, max_position_embeddings (the
// constructor argument is `context_len`), num_labels / id2label / label2id, architectures; ours add
// expansion_factor and context_proportion (the official code hard-codes 4 and 0.5).
// Research switches are extra fields; their defaults reproduce the official code.
// In memory the discriminant stays `model_type: 'avey'` (what the code branches on); config.json
// files are written with the official "avey-b" (see aveyConfigToJSON, hf-config.ts).
import { AveyError } from '@avey/tensor';
import { CONTEXTUALISER_NAMES, contextualiser, type ContextualiserName } from './contextualisers.js';

/** What the model does with `attentionMask` (batches of different lengths).
 *  - 'masked': pad tokens' embeddings are zeroed (exactly like the official zero-padding of T to a
 *    multiple of S) and pads are excluded from every pooling. With RIGHT padding, each sequence's
 *    outputs then equal those it gets alone in a batch of one (cross-chunk causality).
 *  - 'official': the official code ignores the mask: pads are processed as real tokens and
 *    mean-pooled. */
export type MaskMode = 'masked' | 'official';

export interface AveyConfig {
  model_type: 'avey';
  architectures?: string[];
  vocab_size: number;
  d_embed: number;
  /** = d_embed (HF alias; when both are given, d_embed wins). */
  hidden_size: number;
  n_layers: number;
  /** Enricher width m = expansion_factor·d (official: 4, hard-coded in the HEAD layers). */
  expansion_factor: number;
  /** Fraction of the enriched features that is contextualised (official: 0.5, HEAD hard-codes the
   *  half split). Only 0.5 is supported. */
  context_proportion: number;
  /** Split size S. */
  chunk_size: number;
  /** Retrieved splits per split (the ranker keeps min(i, k) earlier splits). */
  k: number;
  /** RMSNorm eps and ranker eps (cosine denominators, weight normalisation). */
  eps: number;
  /** `context_len` in the official constructor; the eval harness truncates at 0.99× this. */
  max_position_embeddings: number;
  num_labels: number;
  id2label: Record<string, string>;
  label2id: Record<string, number>;
  problem_type?: 'regression' | 'single_label_classification' | 'multi_label_classification';

  // ---- research switches (defaults = official) ----------------------------------------------
  /** 'decoupled' (official: static V layers alternating with dynamic cos-sim layers) or 'coupled'
   *  (Avey's V ⊙ cos-sim in every layer; every layer then owns a spatial_proj). */
  parameterization: 'decoupled' | 'coupled';
  /** Row normalisation of the similarity: 'l1' (official F.normalize(p=1)) or 'none'. */
  row_norm: 'l1' | 'none';
  /** 'neural' (official: down_proj compresses the (k+1)S extended context to S, + residual) or
   *  'none' (contextualise the full extended context and keep the current split's S outputs). */
  compression: 'neural' | 'none';
  /** 'causal' (official: earlier splits only), 'bidirectional' (every other split) or 'none'
   *  (no retrieval: each split alone; with neural compression h = P[:, -S:]x + x). */
  ranker: 'causal' | 'bidirectional' | 'none';
  /** What `attentionMask` does (see MaskMode). */
  mask_mode: MaskMode;
  /** The dynamic layers' contextualiser (contextualisers.ts): 'cosine-l1' (official), 'cosine',
   *  'signed' (Eq. 6 as printed), 'softmax', 'scaled-softmax', 'rms' (Appendix E), 'coupled'.
   *  `parameterization: 'coupled'` and `row_norm: 'none'` are the older spellings of 'coupled' and
   *  'cosine' and are kept in step with it. */
  contextualiser: ContextualiserName;
  /** Layer kinds, repeated cyclically over the stack: 'S' static, 'D' dynamic (Table 5).
   *  Official: 'SD' (static at even indices). E.g. 'DS', 'D' (all dynamic), 'SSD'. */
  layer_pattern: string;
  /** The compressor's residual from the current split (Eq. 8; Table 10 removes it). Official: true. */
  compressor_residual: boolean;
  /** Enricher activation: 'gelu' (official HEAD, exact erf) or 'relu2' (paper Eq. 1, ReLU²). */
  enricher_activation: 'gelu' | 'relu2';
  /** RMSNorm `ln_f` after the last layer (code before 8f3ed57; Avey). Official HEAD: false. */
  final_norm: boolean;
  /** Residual: 'alpha' (official: f(norm(x)) + α·x, α learnable) or 'plain' (paper: x + f(norm(x))). */
  residual: 'alpha' | 'plain';
}

/** The value config.json files carry (the official `AveyConfig.model_type`). */
export const AVEY_MODEL_TYPE = 'avey-b';

/** A partial config; `model_type` may be the in-memory 'avey' or the file's 'avey-b'. */
export type AveyConfigInput = Partial<Omit<AveyConfig, 'model_type'>> & { model_type?: 'avey' | 'avey-b'; context_len?: number };

export const AVEY_DEFAULTS: Readonly<Omit<AveyConfig, 'id2label' | 'label2id' | 'hidden_size'>> = {
  model_type: 'avey',
  vocab_size: 50368,
  d_embed: 768,
  n_layers: 30,
  expansion_factor: 4,
  context_proportion: 0.5,
  chunk_size: 256,
  k: 3,
  eps: 1e-12,
  max_position_embeddings: 2 ** 32,
  num_labels: 2,
  parameterization: 'decoupled',
  row_norm: 'l1',
  compression: 'neural',
  ranker: 'causal',
  mask_mode: 'masked',
  contextualiser: 'cosine-l1',
  layer_pattern: 'SD',
  compressor_residual: true,
  enricher_activation: 'gelu',
  final_norm: false,
  residual: 'alpha',
};

/** The switches a config.json carries only when they differ from the official defaults. */
export const AVEY_SWITCH_KEYS = [
  'parameterization', 'row_norm', 'compression', 'ranker', 'mask_mode',
  'contextualiser', 'layer_pattern', 'compressor_residual', 'enricher_activation', 'final_norm', 'residual',
] as const;

export type AveyPresetName = 'tiny' | 'small' | 'base';

/** Presets. `base` is the trained configuration of `train_mlm.py` (163,929,118 parameters). */
export const AVEY_PRESETS: Readonly<Record<AveyPresetName, AveyConfigInput>> = {
  // CI / few-minute pretraining on 2 cores.
  tiny: { vocab_size: 8192, d_embed: 64, n_layers: 4, chunk_size: 32, k: 2 },
  small: { vocab_size: 8192, d_embed: 256, n_layers: 8, chunk_size: 64, k: 3 },
  base: { vocab_size: 50368, d_embed: 768, n_layers: 30, chunk_size: 256, k: 3 },
};

function defaultLabels(n: number): { id2label: Record<string, string>; label2id: Record<string, number> } {
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    id2label[String(i)] = `LABEL_${i}`;
    label2id[`LABEL_${i}`] = i;
  }
  return { id2label, label2id };
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new AveyError('aveyConfig', `${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new AveyError('aveyConfig', `${name} must be one of ${allowed.join(', ')}, got ${String(v)}`);
  }
  return v as T;
}

function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new AveyError('aveyConfig', `${name} must be true or false, got ${String(v)}`);
  return v;
}

function layerPattern(v: unknown): string {
  if (typeof v !== 'string' || !/^[SD]+$/.test(v)) {
    throw new AveyError('aveyConfig', `layer_pattern must be a non-empty string of S (static) and D (dynamic), e.g. "SD", got ${JSON.stringify(v)}`);
  }
  return v;
}

/** contextualiser, parameterization and row_norm, kept consistent: the older two fields are
 *  spellings of the 'coupled' and 'cosine' contextualisers. A non-default `contextualiser` wins;
 *  otherwise the older fields decide (so `{ ...cfg, row_norm: 'none' }` still works). */
function resolveContextualiser(raw: AveyConfigInput): Pick<AveyConfig, 'contextualiser' | 'parameterization' | 'row_norm'> {
  const param = oneOf('parameterization', raw.parameterization ?? AVEY_DEFAULTS.parameterization, ['decoupled', 'coupled'] as const);
  const rowNorm = oneOf('row_norm', raw.row_norm ?? AVEY_DEFAULTS.row_norm, ['l1', 'none'] as const);
  const given = oneOf('contextualiser', raw.contextualiser ?? AVEY_DEFAULTS.contextualiser, CONTEXTUALISER_NAMES);
  let name: ContextualiserName = given;
  if (given === AVEY_DEFAULTS.contextualiser) {
    if (param === 'coupled' && rowNorm === 'none') {
      throw new AveyError('aveyConfig', 'parameterization "coupled" with row_norm "none" is not supported (the coupled contextualiser is row-L1 normalised)');
    }
    name = param === 'coupled' ? 'coupled' : rowNorm === 'none' ? 'cosine' : given;
  }
  return { contextualiser: name, parameterization: name === 'coupled' ? 'coupled' : 'decoupled', row_norm: name === 'cosine' ? 'none' : 'l1' };
}

/** A full, validated config from a partial one (an HF `config.json` object works too:
 *  `context_len`, `hidden_size`, `num_labels`/`id2label` are understood). */
export function aveyConfig(input: AveyConfigInput = {}): AveyConfig {
  const raw: AveyConfigInput = { ...input };
  if (raw.model_type !== undefined && raw.model_type !== 'avey' && raw.model_type !== AVEY_MODEL_TYPE) {
    throw new AveyError('aveyConfig', `model_type must be "avey-b" (or "avey"), got ${JSON.stringify(raw.model_type)}`);
  }
  const d = positiveInt('d_embed', raw.d_embed ?? raw.hidden_size ?? AVEY_DEFAULTS.d_embed);
  let numLabels = raw.num_labels;
  let id2label = raw.id2label;
  let label2id = raw.label2id;
  if (id2label !== undefined) {
    const n = Object.keys(id2label).length;
    if (numLabels !== undefined && numLabels !== n) {
      throw new AveyError('aveyConfig', `num_labels ${numLabels} disagrees with id2label (${n} labels)`);
    }
    numLabels = n;
    if (label2id === undefined) {
      label2id = {};
      for (const [i, l] of Object.entries(id2label)) label2id[l] = Number(i);
    }
  }
  numLabels = positiveInt('num_labels', numLabels ?? AVEY_DEFAULTS.num_labels);
  if (id2label === undefined || label2id === undefined) ({ id2label, label2id } = defaultLabels(numLabels));

  const cfg: AveyConfig = {
    model_type: 'avey',
    vocab_size: positiveInt('vocab_size', raw.vocab_size ?? AVEY_DEFAULTS.vocab_size),
    d_embed: d,
    hidden_size: d,
    n_layers: positiveInt('n_layers', raw.n_layers ?? AVEY_DEFAULTS.n_layers),
    expansion_factor: positiveInt('expansion_factor', raw.expansion_factor ?? AVEY_DEFAULTS.expansion_factor),
    context_proportion: raw.context_proportion ?? AVEY_DEFAULTS.context_proportion,
    chunk_size: positiveInt('chunk_size', raw.chunk_size ?? AVEY_DEFAULTS.chunk_size),
    k: raw.k ?? AVEY_DEFAULTS.k,
    eps: raw.eps ?? AVEY_DEFAULTS.eps,
    max_position_embeddings: raw.max_position_embeddings ?? raw.context_len ?? AVEY_DEFAULTS.max_position_embeddings,
    num_labels: numLabels,
    id2label,
    label2id,
    compression: oneOf('compression', raw.compression ?? AVEY_DEFAULTS.compression, ['neural', 'none'] as const),
    ranker: oneOf('ranker', raw.ranker ?? AVEY_DEFAULTS.ranker, ['causal', 'bidirectional', 'none'] as const),
    mask_mode: oneOf('mask_mode', raw.mask_mode ?? AVEY_DEFAULTS.mask_mode, ['masked', 'official'] as const),
    ...resolveContextualiser(raw),
    layer_pattern: layerPattern(raw.layer_pattern ?? AVEY_DEFAULTS.layer_pattern),
    compressor_residual: bool('compressor_residual', raw.compressor_residual ?? AVEY_DEFAULTS.compressor_residual),
    enricher_activation: oneOf('enricher_activation', raw.enricher_activation ?? AVEY_DEFAULTS.enricher_activation, ['gelu', 'relu2'] as const),
    final_norm: bool('final_norm', raw.final_norm ?? AVEY_DEFAULTS.final_norm),
    residual: oneOf('residual', raw.residual ?? AVEY_DEFAULTS.residual, ['alpha', 'plain'] as const),
  };
  if (raw.architectures !== undefined) cfg.architectures = [...raw.architectures];
  if (raw.problem_type !== undefined) cfg.problem_type = raw.problem_type;
  if (!Number.isInteger(cfg.k) || cfg.k < 0) throw new AveyError('aveyConfig', `k must be an integer ≥ 0, got ${cfg.k}`);
  if (!(cfg.eps >= 0)) throw new AveyError('aveyConfig', `eps must be ≥ 0, got ${cfg.eps}`);
  if (cfg.context_proportion !== 0.5) {
    throw new AveyError('aveyConfig', `only context_proportion 0.5 is supported (official HEAD), got ${cfg.context_proportion}`);
  }
  if ((cfg.expansion_factor * d) % 4 !== 0) {
    throw new AveyError('aveyConfig', `expansion_factor·d_embed = ${cfg.expansion_factor * d} must be divisible by 4`);
  }
  return cfg;
}

/** A preset, with overrides (e.g. the tokenizer's `vocab_size`). */
export function aveyPreset(name: AveyPresetName, overrides: AveyConfigInput = {}): AveyConfig {
  const p = AVEY_PRESETS[name];
  if (p === undefined) throw new AveyError('aveyPreset', `unknown preset ${JSON.stringify(name)} (tiny, small, base)`);
  return aveyConfig({ ...p, ...overrides });
}

/** The HF `config.json` object (official names and `model_type: "avey-b"`, so the official
 *  `AveyConfig(**config)` accepts it; switches are written only when not official). */
export function aveyConfigToJSON(cfg: AveyConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: cfg.architectures ?? ['AveyForMaskedLM'],
    model_type: AVEY_MODEL_TYPE,
    vocab_size: cfg.vocab_size,
    d_embed: cfg.d_embed,
    hidden_size: cfg.d_embed,
    n_layers: cfg.n_layers,
    expansion_factor: cfg.expansion_factor,
    context_proportion: cfg.context_proportion,
    chunk_size: cfg.chunk_size,
    k: cfg.k,
    eps: cfg.eps,
    max_position_embeddings: cfg.max_position_embeddings,
    num_labels: cfg.num_labels,
    id2label: cfg.id2label,
    label2id: cfg.label2id,
    torch_dtype: 'float32',
  };
  if (cfg.problem_type !== undefined) out.problem_type = cfg.problem_type;
  for (const key of AVEY_SWITCH_KEYS) {
    if (cfg[key] !== AVEY_DEFAULTS[key]) out[key] = cfg[key];
  }
  return out;
}

/** Whether layer i has a `spatial_proj` (static layers; every layer with the coupled contextualiser). */
export function hasSpatialProj(cfg: AveyConfig, i: number): boolean {
  return contextualiser(cfg.contextualiser).needsSpatialProj || !isDynamicLayer(i, cfg);
}

/** Whether layer i is a dynamic (similarity) layer: letter i of the cyclic layer_pattern is 'D'
 *  (official 'SD': odd i, S→D→S→D…). */
export function isDynamicLayer(i: number, cfg?: Pick<AveyConfig, 'layer_pattern'>): boolean {
  const p = cfg?.layer_pattern ?? AVEY_DEFAULTS.layer_pattern;
  return p[i % p.length] === 'D';
}

/** Extended context length L = (k+1)·S. */
export function extendedLen(cfg: AveyConfig): number {
  return (cfg.k + 1) * cfg.chunk_size;
}

/** Length of the token axis a layer's spatial_proj mixes: S, or (k+1)S without compression. */
export function processorLen(cfg: AveyConfig): number {
  return cfg.compression === 'none' && cfg.ranker !== 'none' ? extendedLen(cfg) : cfg.chunk_size;
}

export type AveyHead = 'base' | 'mlm' | 'seqcls' | 'tokcls' | 'qa';

/** Official parameter names and shapes, in the official registration order. */
export function aveyParameterShapes(cfg: AveyConfig, head: AveyHead = 'mlm'): Map<string, number[]> {
  const d = cfg.d_embed;
  const m = cfg.expansion_factor * d;
  const P = processorLen(cfg);
  const out = new Map<string, number[]>();
  out.set('embed.weight', [cfg.vocab_size, d]);
  for (let i = 0; i < cfg.n_layers; i++) {
    out.set(`layers.${i}.norm.weight`, [d]);
    out.set(`layers.${i}.enricher.weight`, [m, d]);
    out.set(`layers.${i}.enricher.bias`, [m]);
    if (hasSpatialProj(cfg, i)) out.set(`layers.${i}.spatial_proj`, [P, P]);
    out.set(`layers.${i}.fuser.weight`, [d, (3 * m) / 4]);
    out.set(`layers.${i}.fuser.bias`, [d]);
    if (cfg.residual === 'alpha') out.set(`layers.${i}.alpha`, []);
  }
  if (cfg.compression === 'neural') out.set('ranker.down_proj', [cfg.chunk_size, extendedLen(cfg)]);
  if (cfg.final_norm) out.set('ln_f.weight', [d]);
  if (head === 'seqcls') {
    out.set('dense.0.weight', [2 * d, d]);
    out.set('dense.0.bias', [2 * d]);
    out.set('dense.2.weight', [2 * d, 2 * d]);
    out.set('dense.2.bias', [2 * d]);
    out.set('dense.4.weight', [d, 2 * d]);
    out.set('dense.4.bias', [d]);
    out.set('classifier.weight', [cfg.num_labels, d]);
    out.set('classifier.bias', [cfg.num_labels]);
  } else if (head === 'tokcls') {
    out.set('dense.0.weight', [d, d]);
    out.set('dense.0.bias', [d]);
    out.set('classifier.weight', [cfg.num_labels, d]);
    out.set('classifier.bias', [cfg.num_labels]);
  } else if (head === 'qa') {
    out.set('qa_outputs.weight', [2, d]);
    out.set('qa_outputs.bias', [2]);
  }
  return out;
}

/** Exact parameter count (the MLM head is tied: it adds nothing). Closed form:
 *  V·d + n_layers·(d + (m·d + m) + (3m/4·d + d) + 1) + n_static·S² + S·(k+1)S. */
export function countAveyParameters(cfg: AveyConfig, head: AveyHead = 'mlm'): number {
  let n = 0;
  for (const shape of aveyParameterShapes(cfg, head).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}
