// `avey forward`: one forward pass (and optionally backward) of a checkpoint or a fresh --preset
// Avey-B, then a summary (shape, mean, std, min, max) of every output. Inputs: a safetensors file,
// a text, explicit ids, or seeded random ids. Outputs: last_hidden_state, logits, loss (with
// labels), grad.<name> per parameter (--grads), optionally written to --out as safetensors.
// Only the asynchronous read path is used, so every backend (WebGPU included) works.
import { resolve } from 'node:path';
import type { Tensor } from '@avey/tensor';
import type { AnyConfig, AnyHeadModel, HeadInput } from '@avey/avey-b';
import { FileError, UsageError } from '../errors.js';
import { outputFileIn, writeFileAtomic } from '../lib/files.js';
import { commandOf, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { checkTokenizerFits, createModel, loadModel, loadTokenizer, readModelConfig, type PresetName } from '../lib/models.js';
import { resolveCheckpoint } from '../train/checkpoint.js';
import { formatTable } from '../util/format.js';
import type { HeadName } from '@avey/avey-b';

interface ForwardArgs {
  checkpoint?: string;
  preset: PresetName;
  input?: string;
  text?: string;
  ids?: string;
  maxLen: number;
  batch: number;
  head?: HeadName;
  grads: boolean;
  out?: string;
}

export interface OutputSummary {
  shape: number[];
  dtype: string;
  mean: number;
  std: number;
  min: number;
  max: number;
}

function summarize(data: ArrayLike<number>, shape: number[], dtype: string): OutputSummary {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = data.length ? sum / data.length : NaN;
  let sq = 0;
  for (let i = 0; i < data.length; i++) sq += (data[i] - mean) ** 2;
  return { shape, dtype, mean, std: data.length ? Math.sqrt(sq / data.length) : NaN, min, max };
}

function parseIds(s: string): number[] {
  const ids = s.split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number);
  if (ids.length === 0 || ids.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new UsageError(`--ids expects comma-separated non-negative whole numbers, e.g. --ids 5,17,42; got '${s}'.`, 'forward');
  }
  return ids;
}

export async function runForwardCommand(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & ForwardArgs;
  const given = [a.input, a.text, a.ids].filter((x) => x !== undefined).length;
  if (given > 1) throw new UsageError('give only one of --input, --text and --ids.', 'forward');
  if (a.text !== undefined && !a.checkpoint) throw new UsageError('--text needs --checkpoint (a model with its tokenizer.json).', 'forward');
  // before any work
  const output = a.out ? await outputFileIn(a.out, 'outputs.safetensors', { command: 'forward', legacyExts: ['.safetensors'] }) : null;
  const dir = a.checkpoint ? await resolveCheckpoint(a.checkpoint, '--checkpoint') : undefined;
  const backend = await setupBackend(a.backend, commandOf(a));
  const ab = await import('@avey/avey-b');
  const { safetensors } = await import('@avey/autograd');
  const { tensor, Rng } = await import('@avey/tensor');

  let model: AnyHeadModel;
  let head: HeadName;
  let config: AnyConfig;
  if (dir) {
    config = await readModelConfig(dir);
    ({ model, head } = await loadModel(dir, a.head ? { head: a.head } : {}));
  } else {
    config = ab.aveyPreset(a.preset);
    head = a.head ?? 'mlm';
    model = await createModel(config, head, a.seed);
  }

  // The input: (B, T) int32 ids, and optional labels / attention mask / QA positions.
  let input: HeadInput = {};
  let ids: Tensor;
  if (a.input) {
    const file = resolve(a.input);
    const { tensors } = safetensors.read(file);
    const read = ab.readForwardInputs(tensors, head);
    if (!read.ids) throw new FileError(file, `--input '${a.input}' has no 'input_ids' tensor (it has: ${[...tensors.keys()].join(', ') || 'nothing'}).`);
    ids = read.ids;
    input = read.input;
  } else {
    let list: number[];
    let shape: [number, number];
    if (a.text !== undefined) {
      const tok = await loadTokenizer(dir!);
      checkTokenizerFits(tok, config, dir!);
      list = tok.encode(a.text, { addSpecialTokens: false }).ids;
      if (tok.special.eos !== null) list.push(tok.special.eos);
      shape = [1, list.length];
    } else if (a.ids !== undefined) {
      list = parseIds(a.ids);
      const bad = list.find((x) => x >= config.vocab_size);
      if (bad !== undefined) throw new UsageError(`--ids: id ${bad} is not below the model's vocab_size ${config.vocab_size}.`, 'forward');
      shape = [1, list.length];
    } else {
      const rng = new Rng(a.seed);
      list = Array.from((await rng.int([a.batch, a.maxLen], 0, config.vocab_size).data()) as Int32Array);
      shape = [a.batch, a.maxLen];
    }
    ids = tensor(Int32Array.from(list), { dtype: 'int32', shape });
  }
  if (a.grads && !input.labels) {
    throw new UsageError(`--grads needs labels: give an --input safetensors file with a 'labels' tensor (or 'input.${head}_labels').`, 'forward');
  }

  const t0 = performance.now();
  const { result, out } = ab.forwardOutputs(model as unknown as Parameters<typeof ab.forwardOutputs>[0], ids, input, a.grads === true);
  // Every read is asynchronous (the only path WebGPU has).
  const outputs: Record<string, OutputSummary> = {};
  for (const [name, t] of result) {
    if (name.startsWith('grad.') && !a.verbose) continue;
    outputs[name] = summarize((await t.data()) as ArrayLike<number>, [...t.shape], t.dtype);
  }
  const loss = out.loss ? await out.loss.itemAsync() : null;
  const ms = performance.now() - t0;
  if (output) {
    const bytes = safetensors.serialize(
      new Map(await Promise.all([...result].map(async ([n, t]) => [n, await safetensors.fromTensor(t)] as const))),
      { head },
    );
    await writeFileAtomic(output, bytes, '--out');
  }
  const grads = [...result.keys()].filter((k) => k.startsWith('grad.')).length;
  const summary = { checkpoint: dir ?? `fresh ${a.preset} Avey-B (seed ${a.seed})`, backend, head, loss, ms: Math.round(ms), outputs, gradients: grads, out: output };
  if (a.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const lines = [`${summary.checkpoint}, head ${head}, backend ${backend}: forward${a.grads ? ' + backward' : ''} in ${summary.ms} ms`];
  if (loss !== null) lines.push(`loss: ${loss}`);
  lines.push(
    formatTable(
      ['output', 'shape', 'mean', 'std', 'min', 'max'],
      Object.entries(outputs).map(([n, o]) => [n, `[${o.shape.join(', ')}]`, o.mean, o.std, o.min, o.max]),
    ),
  );
  if (grads) lines.push(`${grads} parameter gradients${a.verbose ? '' : ' (shown with --verbose)'}`);
  if (output) lines.push(`wrote ${output}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
