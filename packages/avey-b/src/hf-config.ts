// Reading Avey-B config.json files as Hugging Face writes them.
//
// The official `AveyConfig` (rimads/avey-b `configuration_avey.py`, `model_type = "avey-b"`) takes
// vocab_size, context_len, d_embed, n_layers, chunk_size, k, eps and stores context_len as
// `max_position_embeddings` and d_embed as `hidden_size`; `save_pretrained` adds the usual
// PretrainedConfig keys (architectures, torch_dtype, transformers_version, auto_map, token ids, …).
// Here: our own fields and every one of those are accepted; any other key is reported through
// `onWarning` (not an error: a newer writer may add fields we do not use). A file with
// `model_type: "avey-b"` that omits a field gets the official constructor's default for it.
import { aveyConfig, AVEY_MODEL_TYPE, AVEY_SWITCH_KEYS, type AveyConfig, type AveyConfigInput } from './config.js';

/** The official `AveyConfig.__init__` defaults (what `AveyConfig()` would hold). */
export const AVEY_OFFICIAL_DEFAULTS: Readonly<Required<Pick<AveyConfigInput,
  'vocab_size' | 'd_embed' | 'n_layers' | 'chunk_size' | 'k' | 'eps'>> & { context_len: number }> = {
  vocab_size: 50304,
  context_len: 512,
  d_embed: 768,
  n_layers: 26,
  chunk_size: 128,
  k: 3,
  eps: 1e-12,
};

/** Fields our AveyConfig understands (plus the official constructor's `context_len`). */
const AVEY_KEYS = new Set([
  'model_type', 'architectures', 'vocab_size', 'd_embed', 'hidden_size', 'n_layers', 'expansion_factor',
  'context_proportion', 'chunk_size', 'k', 'eps', 'max_position_embeddings', 'context_len', 'num_labels',
  'id2label', 'label2id', 'problem_type', ...AVEY_SWITCH_KEYS,
]);

/** Keys every `transformers.PretrainedConfig` may write; accepted silently and not used. */
export const HF_COMMON_KEYS: ReadonlySet<string> = new Set([
  '_name_or_path', '_commit_hash', '_attn_implementation', '_attn_implementation_autoset', 'auto_map',
  'transformers_version', 'torch_dtype', 'dtype', 'use_bfloat16', 'return_dict', 'output_hidden_states',
  'output_attentions', 'torchscript', 'tf_legacy_loss', 'pruned_heads', 'tie_word_embeddings',
  'chunk_size_feed_forward', 'is_encoder_decoder', 'is_decoder', 'cross_attention_hidden_size',
  'add_cross_attention', 'tie_encoder_decoder', 'max_length', 'min_length', 'do_sample', 'early_stopping',
  'num_beams', 'num_beam_groups', 'diversity_penalty', 'temperature', 'top_k', 'top_p', 'typical_p',
  'repetition_penalty', 'length_penalty', 'no_repeat_ngram_size', 'encoder_no_repeat_ngram_size',
  'bad_words_ids', 'num_return_sequences', 'output_scores', 'return_dict_in_generate', 'forced_bos_token_id',
  'forced_eos_token_id', 'remove_invalid_values', 'exponential_decay_length_penalty', 'suppress_tokens',
  'begin_suppress_tokens', 'finetuning_task', 'tokenizer_class', 'prefix', 'bos_token_id', 'pad_token_id',
  'eos_token_id', 'sep_token_id', 'decoder_start_token_id', 'task_specific_params', 'use_cache',
  'initializer_range', 'gradient_checkpointing',
]);

/** Keys of an Avey-B config.json object that neither we nor PretrainedConfig know. */
export function unknownAveyConfigKeys(raw: Record<string, unknown>): string[] {
  return Object.keys(raw).filter((k) => !AVEY_KEYS.has(k) && !HF_COMMON_KEYS.has(k));
}

/**
 * The config of an Avey-B config.json object (official "avey-b" or our earlier "avey").
 * Unknown keys are ignored and named through `onWarning`; with "avey-b", missing fields take the
 * official constructor's defaults (AVEY_OFFICIAL_DEFAULTS), as `AveyConfig(**config)` would.
 */
export function aveyConfigFromHF(raw: Record<string, unknown>, onWarning?: (message: string) => void, where = 'config.json'): AveyConfig {
  const unknown = unknownAveyConfigKeys(raw);
  if (unknown.length > 0 && onWarning) {
    onWarning(`${where}: ignoring unknown config field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  }
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (AVEY_KEYS.has(k)) input[k] = v;
  if (raw.model_type === AVEY_MODEL_TYPE) {
    const D = AVEY_OFFICIAL_DEFAULTS;
    input.vocab_size ??= D.vocab_size;
    input.d_embed ??= input.hidden_size ?? D.d_embed;
    input.n_layers ??= D.n_layers;
    input.chunk_size ??= D.chunk_size;
    input.k ??= D.k;
    input.eps ??= D.eps;
    input.max_position_embeddings ??= input.context_len ?? D.context_len;
  }
  return aveyConfig(input as AveyConfigInput);
}
