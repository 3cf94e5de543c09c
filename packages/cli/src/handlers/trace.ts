// `avey trace`: one forward pass of an Avey-B checkpoint through AveyModel.trace, written to a
// safetensors file with the trace's names (see @avey/avey-b src/trace.ts), and optionally SVG
// heatmaps. Every read is async (`await t.data()`), so it runs on webgpu as on cpu and gpujs.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FileError, UsageError } from '../errors.js';
import { outputFileIn, writeFileAtomicSync } from '../lib/files.js';
import { commandOf, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { checkTokenizerFits, loadModel, loadTokenizer } from '../lib/models.js';
import { heatmapSvg } from '../lib/heatmap.js';
import { resolveCheckpoint } from '../train/checkpoint.js';
import { formatTable } from '../util/format.js';
import type { Tensor } from '@avey/tensor';

interface TraceArgs {
  checkpoint: string;
  input?: string;
  text?: string;
  out: string;
  svg?: string;
}

/** Splits of one batch row drawn per dynamic layer with --svg (the rest are in the trace file). */
const SVG_SPLITS = 4;

export async function runTraceCommand(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & TraceArgs;
  if ((a.input === undefined) === (a.text === undefined)) throw new UsageError('give exactly one of --input and --text.', 'trace');
  const backend = await setupBackend(a.backend, commandOf(a));
  const ab = await import('@avey/avey-b');
  const { safetensors, noGrad } = await import('@avey/autograd');
  const T = await import('@avey/tensor');

  const dir = await resolveCheckpoint(a.checkpoint, '--checkpoint');
  const output = await outputFileIn(a.out, 'trace.safetensors', { command: 'trace', legacyExts: ['.safetensors'] });
  const svgDir = a.svg ? resolve(a.svg) : join(dirname(output), 'svg');
  const config = ab.readCheckpointConfig(dir);
  if (config.model_type !== 'avey') {
    throw new UsageError(`--checkpoint '${dir}' is a ${config.model_type} model; \`avey trace\` looks inside Avey-B models only.`, 'trace');
  }
  let ids: Tensor;
  /** The text's tokens (for the heatmaps' labels), when --text was given. */
  let tokens: string[] | undefined;
  if (a.text !== undefined) {
    const tok = await loadTokenizer(dir);
    checkTokenizerFits(tok, config, dir);
    const list = tok.encode(a.text, { addSpecialTokens: false }).ids;
    if (tok.special.eos !== null) list.push(tok.special.eos);
    if (list.length === 0) throw new UsageError('--text gives no tokens.', 'trace');
    tokens = list.map((id) => tok.decode([id]).replace(/ /g, '␣'));
    ids = T.tensor(Int32Array.from(list), { dtype: 'int32', shape: [1, list.length] });
  } else {
    const file = resolve(a.input as string);
    let tensors: Map<string, Tensor>;
    try {
      tensors = safetensors.read(file).tensors;
    } catch (e) {
      throw new FileError(file, `--input '${file}' cannot be read as safetensors: ${(e as Error).message}`, { cause: e });
    }
    const t = tensors.get('input_ids') ?? tensors.get('input.input_ids');
    if (!t) throw new FileError(file, `--input '${file}' has no 'input_ids' tensor (it has: ${[...tensors.keys()].join(', ') || 'nothing'}).`);
    if (t.rank !== 2 || t.shape[1] === 0) throw new FileError(file, `--input '${file}': input_ids must be [B, T] with T ≥ 1, got [${t.shape.join(', ')}].`);
    if (t.dtype !== 'int32') throw new FileError(file, `--input '${file}': input_ids must be integers (I32 or I64), got ${t.dtype}.`);
    const host = (await t.data()) as Int32Array;
    const bad = host.findIndex((x) => x < 0 || x >= config.vocab_size);
    if (bad >= 0) throw new FileError(file, `--input '${file}': input_ids[${bad}] = ${host[bad]} is not in [0, ${config.vocab_size}) (the model's vocab_size).`);
    ids = t;
  }
  const { model } = await loadModel(dir);
  if (!(model instanceof ab.AveyModel)) throw new UsageError(`--checkpoint '${dir}' did not load as an Avey-B model.`, 'trace');
  const t0 = performance.now();
  const { trace } = noGrad(() => (model as InstanceType<typeof ab.AveyModel>).trace(ids));
  mkdirSync(dirname(output), { recursive: true });
  await safetensors.write(output, trace, { format: 'avey-trace', checkpoint: dir, backend });
  const ms = performance.now() - t0;

  const svgs: string[] = [];
  if (a.svg !== undefined) {
    mkdirSync(svgDir, { recursive: true });
    const scores = trace.get('ranker.scores')!, sel = trace.get('ranker.selected')!, w = trace.get('ranker.weights')!;
    const [B, n] = scores.shape;
    const k = sel.shape[2];
    const sd = (await scores.data()) as Float32Array, seld = (await sel.data()) as Int32Array, wd = (await w.data()) as Float32Array;
    for (let b = 0; b < B; b++) {
      const marks: [number, number, string][] = [];
      for (let i = 0; i < n; i++) {
        for (let p = 0; p < k; p++) {
          const j = seld[(b * n + i) * k + p];
          if (j >= 0) marks.push([i, j, `${p + 1}`]);
        }
      }
      const weights = Array.from({ length: n }, (_, i) => [i, Array.from(wd.subarray((b * n + i) * k, (b * n + i + 1) * k)).filter((x) => x !== 0).map((x) => x.toFixed(2)).join('/')] as const)
        .filter(([, w]) => w !== '').map(([i, w]) => `${i}: ${w}`).join('; ');
      const file = join(svgDir, `ranker-scores-b${b}.svg`);
      writeFileAtomicSync(file, heatmapSvg(sd.subarray(b * n * n, (b + 1) * n * n), n, n, {
        title: `ranker MaxSim scores, batch row ${b}: [i, j] = Σ_u max_v cos(x_iu, x_jv)`,
        subtitle: `outlined: the splits split i selected (1 = best); weights per split: ${weights || 'none'}`,
        rowLabel: 'split i',
        colLabel: 'candidate split j',
        marks,
      }), '--svg');
      svgs.push(file);
    }
    for (const [name, t] of trace) {
      const m = /^layers\.(\d+)\.mixing$/.exec(name);
      if (!m) continue;
      const [M, L] = t.shape;
      const data = (await t.data()) as Float32Array;
      for (let blk = 0; blk < M; blk++) {
        const b = Math.floor(blk / n), split = blk % n;
        if (split >= SVG_SPLITS) continue;
        const file = join(svgDir, `layer${m[1]}-mixing-b${b}-split${split}.svg`);
        writeFileAtomicSync(file, heatmapSvg(data.subarray(blk * L * L, (blk + 1) * L * L), L, L, {
          title: `layer ${m[1]} mixing matrix S̃ (${config.contextualiser}), batch row ${b}, split ${split}`,
          subtitle: 'row t: the weights token t gives each token u (out_t = Σ_u S̃[t, u] v_u)',
          rowLabel: 'output token t',
          colLabel: 'input token u',
          // token labels when each row is one token of this split (with compression; --text)
          ...(tokens && L === config.chunk_size ? { names: Array.from({ length: L }, (_, t) => tokens![split * L + t] ?? '(pad)') } : {}),
        }), '--svg');
        svgs.push(file);
      }
    }
  }

  const rows = [...trace].map(([name, t]) => [name, `[${t.shape.join(', ')}]`, t.dtype]);
  const summary = { checkpoint: dir, backend, ms: Math.round(ms), output, tensors: Object.fromEntries([...trace].map(([name, t]) => [name, { shape: [...t.shape], dtype: t.dtype }])), svg: svgs };
  for (const t of trace.values()) t.dispose();
  if (a.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const lines = [`${dir}, backend ${backend}: traced forward in ${summary.ms} ms`, formatTable(['tensor', 'shape', 'dtype'], rows), `wrote ${output}`];
  if (svgs.length) lines.push(`wrote ${svgs.length} SVG heatmaps to ${svgDir}${svgs.some((f) => f.includes('split')) ? ` (mixing: the first ${SVG_SPLITS} splits of each batch row)` : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
