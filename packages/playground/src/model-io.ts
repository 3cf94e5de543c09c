// The page's model: the checkpoint shipped in ./model/ (fetched), or one the user picks as files
// (config.json + model.safetensors + tokenizer.json, read in the browser). Errors name the file.
import { Tokenizer } from '@avey/data';
import { loadCheckpointFromBytes, type AveyForMaskedLM, type AveyConfig } from '@avey/avey-b';

export interface PageModel {
  model: AveyForMaskedLM;
  config: AveyConfig;
  tokenizer: Tokenizer;
  /** where it came from, for the page */
  source: string;
}

/** Builds the model from the three files' contents. */
export function modelFromFiles(files: { config: string; weights: Uint8Array; tokenizer: string }, source: string): PageModel {
  const { model, config } = loadCheckpointFromBytes({ config: files.config, weights: files.weights }, { head: 'mlm' });
  if (config.model_type !== 'avey') throw new Error(`${source}: this page shows Avey-B checkpoints; config.json has model_type ${config.model_type}`);
  const tokenizer = Tokenizer.fromJSON(files.tokenizer);
  if (tokenizer.vocabSize > config.vocab_size) {
    throw new Error(`${source}: tokenizer.json has ${tokenizer.vocabSize} tokens but config.json's vocab_size is ${config.vocab_size}`);
  }
  return { model: model as AveyForMaskedLM, config, tokenizer, source };
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`cannot fetch ${url}: HTTP ${r.status}`);
  return r;
}

/** The checkpoint shipped with the page (folder `base`, default ./model/). */
export async function loadShippedModel(base = 'model/'): Promise<PageModel> {
  const [config, weights, tokenizer] = await Promise.all([
    fetchOk(`${base}config.json`).then((r) => r.text()),
    fetchOk(`${base}model.safetensors`).then((r) => r.arrayBuffer()),
    fetchOk(`${base}tokenizer.json`).then((r) => r.text()),
  ]);
  return modelFromFiles({ config, weights: new Uint8Array(weights), tokenizer }, `${base} (shipped with the page)`);
}

/** A checkpoint from files the user picked or dropped. */
export async function loadDroppedModel(list: FileList | File[]): Promise<PageModel> {
  const files = [...list];
  const find = (name: string): File => {
    const f = files.find((x) => x.name === name);
    if (!f) throw new Error(`drop all three files of a checkpoint: ${name} is missing (got ${files.map((x) => x.name).join(', ') || 'nothing'})`);
    return f;
  };
  const [config, weights, tokenizer] = await Promise.all([
    find('config.json').text(), find('model.safetensors').arrayBuffer(), find('tokenizer.json').text(),
  ]);
  return modelFromFiles({ config, weights: new Uint8Array(weights), tokenizer }, 'dropped checkpoint');
}
