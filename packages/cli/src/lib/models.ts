// Model presets, configs, construction and checkpoint loading for the commands. Imports
// @avey/avey-b lazily; library errors about checkpoints become FileErrors that say how to fix them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyConfig, AnyHeadModel, AveyPresetName as PresetName, HeadName, ModelKind } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';
import { FileError, UsageError } from '../errors.js';
import { configBoundsProblem, parameterProblem } from './config-bounds.js';

export type { ModelKind, PresetName };

export interface PresetRow {
  model: ModelKind;
  preset: string;
  d_embed: number;
  n_layers: number;
  vocab_size: number;
  parameters: number;
  extra: string;
}

/** Number of scalars in a config's parameters (MLM head, tied). */
export async function countParameters(cfg: AnyConfig, head: HeadName = 'mlm'): Promise<number> {
  const { parameterShapes } = await import('@avey/avey-b');
  let n = 0;
  for (const s of parameterShapes(cfg, head).values()) n += s.reduce((a, b) => a * b, 1);
  return n;
}

export async function listPresets(): Promise<PresetRow[]> {
  const ab = await import('@avey/avey-b');
  const rows: PresetRow[] = [];
  for (const name of Object.keys(ab.AVEY_PRESETS) as PresetName[]) {
    const c = ab.aveyPreset(name);
    rows.push({
      model: 'avey-b',
      preset: name,
      d_embed: c.d_embed,
      n_layers: c.n_layers,
      vocab_size: c.vocab_size,
      parameters: await countParameters(c),
      extra: `split S=${c.chunk_size}, top-k=${c.k}`,
    });
  }
  for (const name of Object.keys(ab.TRANSFORMER_PRESETS) as PresetName[]) {
    const c = ab.transformerConfig(ab.TRANSFORMER_PRESETS[name]);
    rows.push({
      model: 'transformer',
      preset: name,
      d_embed: c.hidden_size,
      n_layers: c.num_hidden_layers,
      vocab_size: c.vocab_size,
      parameters: await countParameters(c),
      extra: `heads=${c.num_attention_heads}, max_pos=${c.max_position_embeddings}`,
    });
  }
  return rows;
}

/** Reads a --config JSON file of config fields. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FileError(path, `--config '${path}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Pass a JSON file of model config fields, e.g. {"d_embed": 128, "n_layers": 6}.`, { cause: e });
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new FileError(path, `--config '${path}' is not valid JSON: ${(e as Error).message}.`, { cause: e });
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new FileError(path, `--config '${path}' must hold a JSON object of config fields, e.g. {"d_embed": 128}.`);
  }
  return obj as Record<string, unknown>;
}

/** The model config of a fresh run: preset, then --config fields, then explicit overrides. */
export async function buildConfig(
  kind: ModelKind,
  preset: PresetName,
  fields: Record<string, unknown>,
  overrides: Record<string, unknown>,
  command: string,
): Promise<AnyConfig> {
  const ab = await import('@avey/avey-b');
  const bounds = configBoundsProblem({ ...fields, ...overrides });
  if (bounds) throw new UsageError(`the model config is invalid: ${bounds}. Fix the --config file or the options.`, command);
  let cfg: AnyConfig;
  try {
    if (kind === 'avey-b') cfg = ab.aveyPreset(preset, { ...fields, ...overrides });
    else cfg = ab.transformerConfig({ ...ab.TRANSFORMER_PRESETS[preset], ...fields, ...overrides });
  } catch (e) {
    throw new UsageError(`the model config is invalid: ${(e as Error).message}. Fix the --config file or the options.`, command);
  }
  const size = await parameterProblem(cfg);
  if (size) throw new UsageError(`the model config is invalid: ${size}. Fix the --config file or the options.`, command);
  return cfg;
}

/** A checkpoint folder's config.json, validated (bounded sizes); errors name the file. */
export async function readModelConfig(dir: string): Promise<AnyConfig> {
  const ab = await import('@avey/avey-b');
  const file = join(dir, 'config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `is not valid JSON (${(e as Error).message})`;
    throw new FileError(file, `the model config '${file}' ${why}. A checkpoint folder holds config.json + model.safetensors (as written by \`avey pretrain\`).`, { cause: e });
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new FileError(file, `the model config '${file}' must hold a JSON object.`);
  const bounds = configBoundsProblem(raw as Record<string, unknown>);
  if (bounds) throw new FileError(file, `the model config '${file}' is invalid: ${bounds}.`);
  let cfg: AnyConfig;
  try {
    cfg = ab.readCheckpointConfig(dir);
  } catch (e) {
    throw new FileError(file, `the model config '${file}' is invalid: ${(e as Error).message.replace(/^\w+: /, '').replace(`${file}: `, '')}.`, { cause: e });
  }
  const size = await parameterProblem(cfg);
  if (size) throw new FileError(file, `the model config '${file}' is invalid: ${size}.`);
  return cfg;
}

/** Every floating-point weight of `model` must be finite; else a FileError naming the file and
 *  the tensor (reads through the async path, so it works on every backend). */
export async function checkFiniteWeights(model: AnyHeadModel, file: string): Promise<void> {
  for (const [name, t] of model.stateDict()) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') continue;
    const d = (await t.data()) as Float32Array | Float64Array;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        throw new FileError(
          file,
          `the weights in '${file}' are damaged: tensor '${name}' holds ${d[i]} at index ${i}${t.shape.length ? ` of shape [${t.shape.join(', ')}]` : ''}. A model with non-finite weights cannot compute anything; use an earlier checkpoint of the run.`,
        );
      }
    }
  }
}

export async function createModel(cfg: AnyConfig, head: HeadName, seed: number): Promise<AnyHeadModel> {
  const ab = await import('@avey/avey-b');
  return cfg.model_type === 'avey' ? ab.createAvey(cfg, head, { seed }) : ab.createTransformer(cfg, head, { seed });
}

/** Loads a checkpoint folder's model; a config/weights mismatch is a FileError with advice. */
export async function loadModel(dir: string, opts: { head?: HeadName; seed?: number } = {}): Promise<{ model: AnyHeadModel; config: AnyConfig; head: HeadName; initialized: string[] }> {
  const ab = await import('@avey/avey-b');
  await readModelConfig(dir); // bounded sizes and a named file before anything is allocated
  try {
    const loaded = ab.loadCheckpoint(dir, opts);
    await checkFiniteWeights(loaded.model, join(dir, 'model.safetensors'));
    return loaded;
  } catch (e) {
    if (e instanceof FileError) throw e;
    if (e instanceof ab.CheckpointError || (e as Error).name === 'AveyError' || (e as Error).name === 'CheckpointError') {
      throw new FileError(
        dir,
        `the checkpoint '${dir}' cannot be loaded: ${(e as Error).message.replace(/^\w+: /, '')}. Its config.json and model.safetensors must come from the same model (as written by \`avey pretrain\` / \`avey finetune\`); do not mix files from different runs.`,
        { cause: e },
      );
    }
    throw e;
  }
}

/** The tokenizer saved with a checkpoint (tokenizer.json). */
export async function loadTokenizer(dir: string, flag = '--checkpoint'): Promise<Tokenizer> {
  const p = join(dir, 'tokenizer.json');
  if (!existsSync(p)) {
    throw new FileError(p, `${flag} '${dir}' has no tokenizer.json, so text cannot be turned into token ids. Use a checkpoint written by \`avey pretrain\` (it saves the tokenizer), or copy the tokenizer.json the model was trained with into that folder.`);
  }
  return readTokenizerFile(p, flag);
}

/** Loads a tokenizer.json; a malformed one (bad JSON or the wrong structure) is a FileError
 *  naming the file, never a raw TypeError. */
export async function readTokenizerFile(p: string, flag: string): Promise<Tokenizer> {
  const { Tokenizer } = await import('@avey/data');
  try {
    return Tokenizer.load(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FileError(p, `${flag}: '${p}' does not exist.`, { cause: e });
    throw new FileError(
      p,
      `the tokenizer '${p}' cannot be read: ${(e as Error).message.replace(/^\w*Error: /, '')}. A tokenizer.json written by \`avey tokenizer train\` or \`avey pretrain\` (or a Hugging Face byte-level BPE tokenizer.json) is expected.`,
      { cause: e },
    );
  }
}

export function vocabSizeOf(cfg: AnyConfig): number {
  return cfg.vocab_size;
}

/** Checks that a tokenizer fits a model: every id it can produce must be < vocab_size. */
export function checkTokenizerFits(tok: Tokenizer, cfg: AnyConfig, where: string): void {
  if (tok.vocabSize > cfg.vocab_size) {
    throw new FileError(where, `the tokenizer has ${tok.vocabSize} tokens but the model's vocab_size is ${cfg.vocab_size} (${where}). Use the tokenizer the model was trained with, or a config with vocab_size ≥ ${tok.vocabSize}.`);
  }
}
