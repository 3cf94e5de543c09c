// HF-format checkpoint folders: `config.json` + `model.safetensors` (official parameter names).
//
// Loading checks the weights against the config before touching the model: a missing key, an
// unexpected key or a shape mismatch throws CheckpointError naming the key, both shapes and the
// file. Loading a head that the checkpoint lacks (e.g. seqcls from an MLM checkpoint) initialises
// the head's parameters fresh and lists them in `initialized`.
import fs from 'node:fs';
import path from 'node:path';
import { AveyError, type Tensor } from '@avey/tensor';
import { safetensors, type Variable, type nn } from '@avey/autograd';
import { aveyConfigToJSON, aveyParameterShapes, AVEY_MODEL_TYPE, type AveyConfig } from './config.js';
import { aveyConfigFromHF } from './hf-config.js';
import { createAvey, type AveyHeadModel, type HeadName } from './avey-heads.js';
import {
  createTransformer, transformerConfig, transformerConfigToJSON, transformerParameterShapes,
  type TransformerConfig, type TransformerHeadModel,
} from './transformer.js';
import { namedParams } from './modules.js';

export class CheckpointError extends AveyError {}

export type AnyConfig = AveyConfig | TransformerConfig;
export type AnyHeadModel = AveyHeadModel | TransformerHeadModel;
/** The two model families of the package (the CLI's `--model`, the benchmarks' `model`). */
export type ModelKind = 'avey-b' | 'transformer';

const ARCH: Record<'avey' | 'transformer_baseline', Record<HeadName, string>> = {
  avey: { mlm: 'AveyForMaskedLM', seqcls: 'AveyForSequenceClassification', tokcls: 'AveyForTokenClassification', qa: 'AveyForQuestionAnswering' },
  transformer_baseline: {
    mlm: 'TransformerForMaskedLM', seqcls: 'TransformerForSequenceClassification',
    tokcls: 'TransformerForTokenClassification', qa: 'TransformerForQuestionAnswering',
  },
};

/** The head a class name stands for (AveyModel / TransformerModel → mlm). */
export function headOfArchitecture(arch: string | undefined): HeadName {
  if (!arch) return 'mlm';
  if (/SequenceClassification/.test(arch)) return 'seqcls';
  if (/TokenClassification/.test(arch)) return 'tokcls';
  if (/QuestionAnswering/.test(arch)) return 'qa';
  return 'mlm';
}

export function headOfModel(model: AnyHeadModel): HeadName {
  return headOfArchitecture(model.constructor.name);
}

export function parameterShapes(cfg: AnyConfig, head: HeadName): Map<string, number[]> {
  return cfg.model_type === 'avey' ? aveyParameterShapes(cfg, head) : transformerParameterShapes(cfg, head);
}

function writeFileAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Save `model` (with its config; `architectures` names its head class) into `dir`. */
export async function saveCheckpoint(dir: string, model: AnyHeadModel): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const head = headOfModel(model);
  const cfg = { ...model.config, architectures: [ARCH[model.config.model_type][head]] };
  const json = cfg.model_type === 'avey' ? aveyConfigToJSON(cfg as AveyConfig) : transformerConfigToJSON(cfg as TransformerConfig);
  const tensors = new Map<string, Tensor>();
  for (const [name, p] of namedParams(model as nn.Module)) tensors.set(name, p.value);
  await safetensors.write(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(json, null, 2) + '\n');
}

/** Where config warnings go unless told otherwise (unknown config.json fields). */
const warnToStderr = (message: string): void => console.warn(`warning: ${message}`);

/** Parse `dir/config.json` (Avey-B — official "avey-b" or our earlier "avey" — or the Transformer
 *  baseline, by `model_type`). Unknown Hugging Face fields are ignored with a warning. */
export function readCheckpointConfig(dir: string, opts: { onWarning?: (message: string) => void } = {}): AnyConfig {
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CheckpointError('readCheckpointConfig', `cannot read ${file}: ${(e as Error).message}`);
  }
  return parseCheckpointConfig(text, file, opts);
}

/** Parse the text of a checkpoint's config.json (`file` names it in errors); see readCheckpointConfig. */
export function parseCheckpointConfig(text: string, file = 'config.json', opts: { onWarning?: (message: string) => void } = {}): AnyConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new CheckpointError('readCheckpointConfig', `cannot read ${file}: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CheckpointError('readCheckpointConfig', `${file} must hold a JSON object`);
  }
  if (raw.model_type === AVEY_MODEL_TYPE || raw.model_type === 'avey') {
    try {
      return aveyConfigFromHF(raw, opts.onWarning ?? warnToStderr, file);
    } catch (e) {
      throw new CheckpointError('readCheckpointConfig', `${file}: ${(e as Error).message.replace(/^\w+: /, '')}`);
    }
  }
  if (raw.model_type === 'transformer_baseline') return transformerConfig(raw as Partial<TransformerConfig>);
  throw new CheckpointError('readCheckpointConfig', `${file}: unknown model_type ${JSON.stringify(raw.model_type)} (expected "avey-b", "avey" or "transformer_baseline")`);
}

export interface LoadOptions {
  /** The head to build (default: from `architectures`). */
  head?: HeadName;
  /** Backend for the weights (default: current). */
  backend?: string;
  /** Seed for parameters the checkpoint lacks (a new head). */
  seed?: number;
  /** Receives config warnings (unknown config.json fields); default: console.warn. */
  onWarning?: (message: string) => void;
}

export interface LoadedCheckpoint {
  model: AnyHeadModel;
  config: AnyConfig;
  head: HeadName;
  /** Parameters that were not in the checkpoint and were initialised fresh (a new head). */
  initialized: string[];
}

/** Load a checkpoint folder, validating every key and shape against the config. */
export function loadCheckpoint(dir: string, opts: LoadOptions = {}): LoadedCheckpoint {
  const config = readCheckpointConfig(dir, { onWarning: opts.onWarning });
  const head = opts.head ?? headOfArchitecture(config.architectures?.[0]);
  const file = path.join(dir, 'model.safetensors');
  if (!fs.existsSync(file)) throw new CheckpointError('loadCheckpoint', `missing weights file ${file}`);
  const raw = safetensors.readRaw(file);
  return modelFromWeights(config, head, raw, file, path.join(dir, 'config.json'), opts);
}

/** Load a checkpoint from its files' contents (a browser, a bundle, a fetch): the text of
 *  config.json and the bytes of model.safetensors; validated like loadCheckpoint. */
export function loadCheckpointFromBytes(files: { config: string; weights: Uint8Array }, opts: LoadOptions = {}): LoadedCheckpoint {
  const config = parseCheckpointConfig(files.config, 'config.json', { onWarning: opts.onWarning });
  const head = opts.head ?? headOfArchitecture(config.architectures?.[0]);
  const raw = safetensors.parseBytes(files.weights, 'model.safetensors');
  return modelFromWeights(config, head, raw, 'model.safetensors', 'config.json', opts);
}

/** The model of `config` with the weights of `raw`, after checking every key and shape. */
function modelFromWeights(
  config: AnyConfig, head: HeadName, raw: safetensors.RawFile, file: string, configFile: string, opts: LoadOptions,
): LoadedCheckpoint {
  const expected = parameterShapes(config, head);
  // names any head could own (tolerated when loading another head), and the encoder's
  const headKeys = new Set<string>();
  for (const h of ['seqcls', 'tokcls', 'qa'] as const) for (const k of parameterShapes(config, h).keys()) headKeys.add(k);
  const encoderKeys = new Set(parameterShapes(config, 'mlm').keys());
  for (const k of encoderKeys) headKeys.delete(k);

  for (const [name, t] of raw.tensors) {
    const want = expected.get(name);
    if (want === undefined) {
      if (headKeys.has(name)) continue; // another head's parameters
      throw new CheckpointError('loadCheckpoint', `${file}: unexpected key '${name}' [${t.shape.join(',')}] for ${config.model_type} config ${configFile} (head ${head})`);
    }
    if (want.length !== t.shape.length || want.some((s, i) => s !== t.shape[i])) {
      throw new CheckpointError('loadCheckpoint', `${file}: '${name}' has shape [${t.shape.join(',')}] but ${configFile} implies [${want.join(',')}]`);
    }
  }
  const missing = [...expected.keys()].filter((k) => !raw.tensors.has(k));
  const missingEncoder = missing.filter((k) => encoderKeys.has(k));
  if (missingEncoder.length > 0) {
    throw new CheckpointError('loadCheckpoint', `${file}: missing key '${missingEncoder[0]}' [${expected.get(missingEncoder[0])?.join(',')}]` +
      (missingEncoder.length > 1 ? ` (and ${missingEncoder.length - 1} more)` : '') + ` required by ${configFile}`);
  }
  const presentHead = [...expected.keys()].filter((k) => !encoderKeys.has(k) && raw.tensors.has(k));
  if (presentHead.length > 0 && missing.length > 0) {
    throw new CheckpointError('loadCheckpoint', `${file}: head '${head}' is incomplete: missing '${missing[0]}'`);
  }

  const seedOpt = opts.seed === undefined ? {} : { seed: opts.seed };
  const model = config.model_type === 'avey' ? createAvey(config, head, seedOpt) : createTransformer(config, head, seedOpt);
  const params = namedParams(model as nn.Module);
  for (const [name, p] of params) {
    const r = raw.tensors.get(name);
    if (!r) continue;
    let t = safetensors.toTensor(r, opts.backend);
    if (t.dtype !== 'float32') t = t.cast('float32');
    setValue(p, t);
  }
  return { model, config, head, initialized: missing };
}

function setValue(p: Variable, t: Tensor): void {
  p.value = t;
}
