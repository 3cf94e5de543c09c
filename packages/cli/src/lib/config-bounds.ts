// Upper bounds on model config sizes, checked before anything is allocated: a config.json or
// --config with `n_layers: 1e9` is refused at once with the field named, instead of running for a
// minute into an allocation failure. The bounds are far above any real model (Avey-B base:
// d 768, 30 layers, vocab 50,368, 164 M parameters).
import type { AnyConfig } from '@avey/avey-b';

/** field → largest accepted value (fields absent from a config are not checked). The Transformer's
 *  max_position_embeddings is bounded through the parameter count (its position table). */
export const CONFIG_BOUNDS: Readonly<Record<string, number>> = {
  vocab_size: 2_000_000,
  d_embed: 16_384,
  hidden_size: 16_384,
  n_layers: 512,
  num_hidden_layers: 512,
  expansion_factor: 64,
  chunk_size: 65_536,
  k: 1_024,
  intermediate_size: 262_144,
  num_attention_heads: 1_024,
  num_labels: 1_000_000,
};

/** Largest parameter count accepted (float32: 8 GB of weights, 3× that to train with AdamW). */
export const MAX_PARAMETERS = 2_000_000_000;

/** The first problem with `fields` (raw config fields), or undefined. */
export function configBoundsProblem(fields: Record<string, unknown>): string | undefined {
  for (const [name, max] of Object.entries(CONFIG_BOUNDS)) {
    const v = fields[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) return `"${name}" is ${JSON.stringify(v)}, not a number`;
    if (v > max) return `"${name}" is ${v}, above the largest supported ${max.toLocaleString('en-US')}`;
  }
  return undefined;
}

/** Parameter count of a validated config, or a problem when it is absurd. */
export async function parameterProblem(cfg: AnyConfig): Promise<string | undefined> {
  const { parameterShapes } = await import('@avey/avey-b');
  let n = 0;
  for (const s of parameterShapes(cfg, 'mlm').values()) n += s.reduce((a, b) => a * b, 1);
  if (n > MAX_PARAMETERS) return `the model would have ${n.toExponential(2)} parameters, above the supported ${MAX_PARAMETERS.toExponential(0)}`;
  return undefined;
}
