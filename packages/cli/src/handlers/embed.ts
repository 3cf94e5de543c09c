// `avey embed`: sentence embeddings (mean pooling of the last hidden state over real tokens,
// optionally L2-normalised) as JSONL: {"text": …, "embedding": [...]} per line.
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileError, UsageError } from '../errors.js';
import { commandOf, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { outputFileIn } from '../lib/files.js';
import { checkTokenizerFits, loadModel, loadTokenizer } from '../lib/models.js';
import { resolveCheckpoint } from '../train/checkpoint.js';
import type { AnyHeadModel } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';

interface EmbedArgs {
  texts?: string[];
  checkpoint: string;
  input?: string;
  out?: string;
  normalize: boolean;
  batch: number;
  maxLen: number;
}

function readInput(path: string): string[] {
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (e) {
    throw new FileError(path, `--input '${path}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Pass a text file with one text per line, or - for stdin.`, { cause: e });
  }
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

/** Token ids of each text: tokens, then EOS (as in pretraining), truncated to `maxLen`. */
export function encodeTexts(tok: Tokenizer, texts: readonly string[], maxLen: number): number[][] {
  return texts.map((t) => {
    const ids = tok.encode(t, { addSpecialTokens: false }).ids;
    if (tok.special.eos !== null) ids.push(tok.special.eos);
    return ids.slice(0, maxLen);
  });
}

/** Mean-pooled (optionally L2-normalised) embeddings of a batch of id lists, right-padded. */
export async function embedBatch(model: AnyHeadModel, ids: number[][], padId: number, normalize: boolean): Promise<Float32Array[]> {
  const { tensor } = await import('@avey/tensor');
  const { noGrad } = await import('@avey/autograd');
  const { meanPool, poolingMask } = await import('@avey/avey-b');
  const B = ids.length;
  const T = Math.max(...ids.map((x) => x.length));
  const flat = new Int32Array(B * T).fill(padId);
  const mask = new Float32Array(B * T);
  ids.forEach((row, b) => {
    flat.set(row, b * T);
    mask.fill(1, b * T, b * T + row.length);
  });
  const input = tensor(flat, { dtype: 'int32', shape: [B, T] });
  const attentionMask = tensor(mask, { shape: [B, T] });
  const pooled = noGrad(() => {
    const h = model.encode(input, { attentionMask }); // (B, T, d)
    return meanPool(h, poolingMask({ attentionMask }, input.shape, model.maskMode)).value; // (B, d)
  });
  const data = (await pooled.data()) as Float32Array;
  const d = pooled.shape[1];
  const out: Float32Array[] = [];
  for (let b = 0; b < B; b++) {
    const v = data.slice(b * d, (b + 1) * d);
    if (normalize) {
      let n = 0;
      for (const x of v) n += x * x;
      n = Math.sqrt(n) || 1;
      for (let i = 0; i < d; i++) v[i] /= n;
    }
    out.push(v);
  }
  return out;
}

export async function runEmbed(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & EmbedArgs;
  const texts = [...(a.texts ?? []), ...(a.input ? readInput(a.input) : [])];
  if (texts.length === 0) {
    throw new UsageError('nothing to embed: give texts as arguments (avey embed "a sentence" …) or a file with --input FILE (one text per line).', 'embed');
  }
  const dir = await resolveCheckpoint(a.checkpoint, '--checkpoint');
  const file = a.out ? await outputFileIn(a.out, 'embeddings.jsonl', { command: 'embed', legacyExts: ['.jsonl', '.json', '.txt'] }) : undefined;
  // written beside the file, renamed into place when complete (an interrupted run leaves no half file)
  const tmp = file ? `${file}.tmp-${process.pid}` : undefined;
  if (file) await mkdir(dirname(file), { recursive: true });
  await setupBackend(a.backend, commandOf(a));
  const tok = await loadTokenizer(dir);
  const { model, config } = await loadModel(dir, { head: 'mlm' });
  checkTokenizerFits(tok, config, dir);
  const padId = tok.special.pad ?? tok.special.eos ?? 0;
  const sink = tmp ? createWriteStream(tmp) : process.stdout;
  const t0 = performance.now();
  for (let i = 0; i < texts.length; i += a.batch) {
    const chunk = texts.slice(i, i + a.batch);
    const embs = await embedBatch(model, encodeTexts(tok, chunk, a.maxLen), padId, a.normalize);
    for (let j = 0; j < chunk.length; j++) {
      sink.write(`${JSON.stringify({ text: chunk[j], embedding: Array.from(embs[j], (x) => Number(x.toPrecision(7))) })}\n`);
    }
  }
  if (file && tmp) {
    await new Promise<void>((resolve, reject) => (sink as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? reject(e) : resolve())));
    await rename(tmp, file);
    const ms = performance.now() - t0;
    process.stderr.write(`wrote ${texts.length} embeddings (dimension ${config.model_type === 'avey' ? config.d_embed : config.hidden_size}) to ${file} in ${(ms / 1000).toFixed(1)}s\n`);
  }
}
