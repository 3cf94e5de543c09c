// `avey forward`: one forward pass through @avey/avey-b's runForward, then a summary (shape, mean,
// std, min, max) of every output. Inputs: a safetensors file, a text, explicit ids, or seeded
// random ids. Without --checkpoint, a fresh --preset Avey-B is saved to a temp folder first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { commandOf, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { checkTokenizerFits, createModel, loadTokenizer, type PresetName } from '../lib/models.js';
import { resolveCheckpoint } from '../train/checkpoint.js';
import { formatTable } from '../util/format.js';
import type { HeadName } from '@avey/avey-b';

interface ForwardArgs {
  checkpoint?: string;
  preset: PresetName;
  input?: string;
  text?: string;
  ids?: string;
  seqLen: number;
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
  const backend = await setupBackend(a.backend, commandOf(a));
  const ab = await import('@avey/avey-b');
  const { safetensors } = await import('@avey/autograd');
  const { tensor, Rng } = await import('@avey/tensor');

  const scratch = mkdtempSync(join(tmpdir(), 'avey-forward-'));
  try {
    let dir: string;
    if (a.checkpoint) {
      dir = await resolveCheckpoint(a.checkpoint, '--checkpoint');
    } else {
      if (a.text) throw new UsageError('--text needs --checkpoint (a model with its tokenizer.json).', 'forward');
      dir = join(scratch, 'model');
      await ab.saveCheckpoint(dir, await createModel(ab.aveyPreset(a.preset), a.head ?? 'mlm', a.seed));
    }
    const config = ab.readCheckpointConfig(dir);
    let input = a.input ? resolve(a.input) : join(scratch, 'input.safetensors');
    if (!a.input) {
      let ids: number[];
      let shape: [number, number];
      if (a.text !== undefined) {
        const tok = await loadTokenizer(dir);
        checkTokenizerFits(tok, config, dir);
        ids = tok.encode(a.text, { addSpecialTokens: false }).ids;
        if (tok.special.eos !== null) ids.push(tok.special.eos);
        shape = [1, ids.length];
      } else if (a.ids !== undefined) {
        ids = parseIds(a.ids);
        const bad = ids.find((x) => x >= config.vocab_size);
        if (bad !== undefined) throw new UsageError(`--ids: id ${bad} is not below the model's vocab_size ${config.vocab_size}.`, 'forward');
        shape = [1, ids.length];
      } else {
        const rng = new Rng(a.seed);
        ids = Array.from((await rng.int([a.batch, a.seqLen], 0, config.vocab_size).data()) as Int32Array);
        shape = [a.batch, a.seqLen];
      }
      input = join(scratch, 'input.safetensors');
      await safetensors.write(input, { input_ids: tensor(Int32Array.from(ids), { dtype: 'int32', shape }) });
    }
    const output = a.out ? resolve(a.out) : join(scratch, 'output.safetensors');
    const t0 = performance.now();
    const r = await ab.runForward({ checkpoint: dir, input, output, head: a.head, grads: a.grads });
    const ms = performance.now() - t0;

    const raw = safetensors.readRaw(output);
    const outputs: Record<string, OutputSummary> = {};
    for (const [name, t] of raw.tensors) {
      if (name.startsWith('grad.') && !a.verbose) continue;
      outputs[name] = summarize(t.data as ArrayLike<number>, [...t.shape], t.dtype);
    }
    const grads = [...raw.tensors.keys()].filter((k) => k.startsWith('grad.')).length;
    const summary = { checkpoint: a.checkpoint ? dir : `fresh ${a.preset} Avey-B (seed ${a.seed})`, backend, head: r.head, loss: r.loss, ms: Math.round(ms), outputs, gradients: grads, out: a.out ? output : null };
    if (a.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    const lines = [`${summary.checkpoint}, head ${r.head}, backend ${backend}: forward${a.grads ? ' + backward' : ''} in ${summary.ms} ms`];
    if (r.loss !== null) lines.push(`loss: ${r.loss}`);
    lines.push(
      formatTable(
        ['output', 'shape', 'mean', 'std', 'min', 'max'],
        Object.entries(outputs).map(([n, o]) => [n, `[${o.shape.join(', ')}]`, o.mean, o.std, o.min, o.max]),
      ),
    );
    if (grads) lines.push(`${grads} parameter gradients${a.verbose ? '' : ' (shown with --verbose)'}`);
    if (a.out) lines.push(`wrote ${output}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
