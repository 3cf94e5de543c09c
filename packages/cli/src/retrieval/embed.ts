// Dense retrieval embeddings for the CLI: texts → L2-normalised mean-pooled vectors in batches,
// with a progress line, and an on-disk cache keyed by the checkpoint's bytes and the corpus.
//
// Cache file: <cache>/embeddings/<key>.f32, key = sha256(model.safetensors, config.json,
// tokenizer.json, max-len, the text formatting, every document's id and text). Layout: a JSON
// header line {"n", "d", "key"} then n·d little-endian float32. Written atomically.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AnyHeadModel } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';
import { formatDuration } from '../util/format.js';

/** $AVEY_CACHE_DIR, else $XDG_CACHE_HOME/avey, else ~/.cache/avey. */
export function cacheDir(): string {
  if (process.env.AVEY_CACHE_DIR) return resolve(process.env.AVEY_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'avey');
}

/** Token ids: the text's tokens, truncated to maxLen − 1, then EOS (the paper's formatting). */
export function encodeForRetrieval(tok: Tokenizer, text: string, maxLen: number): number[] {
  const ids = tok.encode(text, { addSpecialTokens: false }).ids.slice(0, tok.special.eos === null ? maxLen : maxLen - 1);
  if (tok.special.eos !== null) ids.push(tok.special.eos);
  return ids;
}

export interface EmbedOptions {
  batch: number;
  maxLen: number;
  /** Shown in progress lines ("corpus", "queries"). */
  label: string;
  quiet?: boolean;
}

/** Writes "label: done/total" progress on stderr: redrawn on a terminal, every 10 s otherwise. */
function progress(label: string, total: number, quiet: boolean): (done: number) => void {
  const tty = process.stderr.isTTY && !process.env.CI;
  const t0 = performance.now();
  let last = t0;
  return (done) => {
    if (quiet) return;
    const now = performance.now();
    const finished = done === total;
    if (!tty && !finished && now - last < 10_000) return;
    last = now;
    const pct = total ? Math.round((100 * done) / total) : 100;
    const eta = done ? ((now - t0) / done) * (total - done) : 0;
    const text = `embedding ${label}: ${done}/${total} (${pct}%)${finished ? ` in ${formatDuration(now - t0)}` : `, ETA ${formatDuration(eta)}`}`;
    process.stderr.write(tty ? `\r\x1b[2K${text}${finished ? '\n' : ''}` : `${text}\n`);
  };
}

/** L2-normalised mean-pooled embeddings (n × d, row-major) of `texts`. Texts are embedded in
 *  length order so that each batch pads little (the masked pooling makes the result independent
 *  of the padding). */
export async function embedTexts(model: AnyHeadModel, tok: Tokenizer, texts: readonly string[], o: EmbedOptions): Promise<{ data: Float32Array; d: number }> {
  const T = await import('@avey/tensor');
  const { noGrad } = await import('@avey/autograd');
  const { meanPoolEmbedder, padRows } = await import('@avey/avey-b');
  const ids = texts.map((t) => encodeForRetrieval(tok, t, o.maxLen));
  const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length || a - b);
  const pad = tok.special.pad ?? tok.special.eos ?? 0;
  const embed = meanPoolEmbedder(model);
  model.eval();
  let data = new Float32Array(0);
  let d = 0;
  const tick = progress(o.label, texts.length, o.quiet ?? false);
  for (let i = 0; i < order.length; i += o.batch) {
    const idx = order.slice(i, i + o.batch);
    const rows = await T.scope(async () => {
      const { ids: x, mask } = padRows(idx.map((j) => ids[j]), pad);
      const e = noGrad(() => embed(x, mask).value); // (n, d)
      return { v: (await e.data()) as Float32Array, d: e.shape[1] };
    });
    if (d === 0) {
      d = rows.d;
      data = new Float32Array(texts.length * d);
    }
    idx.forEach((j, r) => {
      const v = rows.v.subarray(r * d, (r + 1) * d);
      let n = 0;
      for (const x of v) n += x * x;
      n = Math.sqrt(n) || 1;
      for (let k = 0; k < d; k++) data[j * d + k] = v[k] / n;
    });
    tick(Math.min(texts.length, i + o.batch));
  }
  return { data, d };
}

/** The cache key of a corpus embedded by a checkpoint (see the file comment). */
export function embeddingKey(checkpointDir: string, parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of ['model.safetensors', 'config.json', 'tokenizer.json']) {
    const p = join(checkpointDir, f);
    h.update(f).update(existsSync(p) ? readFileSync(p) : Buffer.alloc(0));
  }
  for (const p of parts) h.update(String(p.length)).update(':').update(p);
  return h.digest('hex').slice(0, 32);
}

export function readCachedEmbeddings(key: string, n: number): { data: Float32Array; d: number; file: string } | null {
  const file = join(cacheDir(), 'embeddings', `${key}.f32`);
  if (!existsSync(file)) return null;
  try {
    const buf = readFileSync(file);
    const nl = buf.indexOf(0x0a);
    const head = JSON.parse(buf.subarray(0, nl).toString('utf8')) as { n: number; d: number; key: string };
    if (head.key !== key || head.n !== n || buf.length - nl - 1 !== n * head.d * 4) return null;
    const body = buf.subarray(nl + 1);
    const data = new Float32Array(n * head.d);
    new Uint8Array(data.buffer).set(body);
    return { data, d: head.d, file };
  } catch {
    return null; // unreadable or truncated: recompute
  }
}

export function writeCachedEmbeddings(key: string, data: Float32Array, d: number): string {
  const dir = join(cacheDir(), 'embeddings');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${key}.f32`);
  const tmp = `${file}.tmp-${process.pid}`;
  const head = Buffer.from(`${JSON.stringify({ n: data.length / Math.max(d, 1), d, key })}\n`);
  writeFileSync(tmp, Buffer.concat([head, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
  renameSync(tmp, file);
  return file;
}
