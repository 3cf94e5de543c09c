// `avey finetune niah` / `avey eval niah`: the paper's needle-in-a-haystack protocol (digest §5.1,
// Table 14): fine-tune at one length (--train-len tokens), test at many (--eval-lens). Test examples
// are generated and scored one at a time (only the current input exists), each length after the
// other in ascending order; a length the model cannot take is "not supported", a length predicted
// to exhaust memory is skipped with the reason.
import { mkdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { AnyConfig, AnyHeadModel } from '@avey/avey-b';
import type { NiahExample, NiahKind, Tokenizer } from '@avey/data';
import { UsageError } from '../errors.js';
import { writeFileAtomicSync } from '../lib/files.js';
import { formatDuration, formatNumber, formatTable } from '../util/format.js';
import { predict, taskModel, FINETUNE_BETAS, FINETUNE_EPS, FINETUNE_WARMUP, FINETUNE_WEIGHT_DECAY } from './train.js';
import type { Example, TaskSplit } from './tasks.js';
import { fineTuneInLoop } from './run.js';

export const NIAH_LABELS = ['O', 'NEEDLE'];

export interface NiahSettings {
  trainLen: number;
  evalLens: number[];
  needle: NiahKind;
  haystack: 'words' | 'text';
  /** Training examples (train mix) and test examples per length (test mix). */
  limit: number;
  evalLimit: number;
  batch: number;
  seed: number;
  /** Share of the machine's memory a length may be predicted to use. */
  memFraction: number;
}

export interface LengthResult {
  length_tokens: number;
  /** Haystack words per example (mean), for the tokenizer used. */
  words: number | null;
  status: 'ok' | 'not supported' | 'skipped';
  reason?: string;
  examples: number;
  accuracy?: number;
  set_f1?: number;
  /** Share of examples whose prediction hit: the target only, a distractor only, both, nothing, only haystack. */
  outcomes?: Record<string, number>;
  /** Accuracy on examples without / with a distractor. */
  accuracy_no_distractor?: number;
  accuracy_with_distractor?: number;
  wall_s?: number;
  /** Process peak resident memory at the end of this length (lengths run in ascending order). */
  peak_rss_mb?: number;
  /** Resident memory above the model-loaded baseline, sampled after every forward pass of this length. */
  rss_growth_mb?: number;
}

const TEST_SEED = 1_000_003;

/** The haystack texts for --haystack text: the built-in corpus's held-out documents. */
async function heldOutTexts(): Promise<string[]> {
  const { embeddedCorpus } = await import('@avey/data');
  const out: string[] = [];
  for (const { doc } of embeddedCorpus().heldOut.iterate(0)) {
    out.push(doc.text);
    if (out.length >= 256) break;
  }
  return out;
}

export interface NiahGenerator {
  make(length: number, seed: number, split: 'train' | 'test'): NiahExample;
}

export async function niahGenerator(tok: Tokenizer, needle: NiahKind, haystack: 'words' | 'text'): Promise<NiahGenerator> {
  const d = await import('@avey/data');
  const hay = haystack === 'text' ? await heldOutTexts() : 'words';
  return {
    make(length, seed, split) {
      try {
        return d.makeNiah(tok, { length, seed, kind: needle, haystack: hay, mix: d.NIAH_MIX[split] });
      } catch (e) {
        throw new UsageError(`${length} tokens is too short for a needle-in-a-haystack example (${(e as Error).message.replace(/^data: /, '')}); lengths are in tokens, use 128 or more.`, 'finetune');
      }
    },
  };
}

/** Why a model cannot take `length` tokens, or null. */
export function unsupportedReason(config: AnyConfig, length: number): string | null {
  if (config.model_type === 'transformer_baseline' && length > config.max_position_embeddings) {
    const kind = config.position_embedding_type === 'learned' ? 'learned positions' : 'sinusoidal position table';
    return `not supported: the Transformer's ${kind} end at ${config.max_position_embeddings} tokens (max_position_embeddings)`;
  }
  return null;
}

/**
 * Predicted peak memory (MB) of one forward pass at `length`: a power law through the last two
 * measured lengths (exponent clamped to [1, 2]); for the Transformer at least its attention
 * scores, (heads, L, L) float32 three times over (scores, softmax, a temporary).
 */
export function predictMemoryMb(config: AnyConfig, measured: Array<[number, number]>, length: number): number {
  let mb = 0;
  const n = measured.length;
  if (n > 0) {
    const [xl, yl] = measured[n - 1];
    let p = 1;
    if (n >= 2) {
      const [xp, yp] = measured[n - 2];
      if (yl > 0 && yp > 0 && xl !== xp) p = Math.min(2, Math.max(1, Math.log(yl / yp) / Math.log(xl / xp)));
    }
    mb = Math.max(0, yl) * (length / xl) ** p;
  }
  if (config.model_type === 'transformer_baseline') mb = Math.max(mb, (3 * config.num_attention_heads * length * length * 4) / 2 ** 20);
  return mb;
}

function rssMb(): number {
  return process.memoryUsage.rss() / 2 ** 20;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);

/** Evaluates `model` at every length in `s.evalLens`; `note` gets progress lines. */
export async function evaluateLengths(
  model: AnyHeadModel,
  config: AnyConfig,
  gen: NiahGenerator,
  padId: number,
  s: Pick<NiahSettings, 'evalLens' | 'evalLimit' | 'batch' | 'trainLen' | 'memFraction'>,
  note: (line: string) => void,
  onRow?: (rows: LengthResult[]) => void,
): Promise<LengthResult[]> {
  const { scoreNiah } = await import('@avey/data');
  const rows: LengthResult[] = [];
  const measured: Array<[number, number]> = [];
  const budgetMb = (s.memFraction * totalmem()) / 2 ** 20;
  const base = rssMb();
  for (const L of [...new Set(s.evalLens)].sort((a, b) => a - b)) {
    const why = unsupportedReason(config, L);
    if (why) {
      rows.push({ length_tokens: L, words: null, status: 'not supported', reason: why, examples: 0 });
      note(`  ${L} tokens: ${why}`);
      continue;
    }
    const predicted = predictMemoryMb(config, measured, L);
    if (predicted > budgetMb) {
      const reason = `skipped: ~${Math.round(predicted)} MB predicted for one forward pass, over ${Math.round(budgetMb)} MB (${Math.round(s.memFraction * 100)} % of this machine's memory)`;
      rows.push({ length_tokens: L, words: null, status: 'skipped', reason, examples: 0 });
      note(`  ${L} tokens: ${reason}`);
      continue;
    }
    // batch so that a batch holds about as many tokens as a training batch (at least one example)
    const batch = Math.max(1, Math.floor((s.batch * s.trainLen) / L));
    const t0 = performance.now();
    let growth = 0;
    const scores: Array<ReturnType<typeof scoreNiah> & { distractors: number }> = [];
    const words: number[] = [];
    for (let i = 0; i < s.evalLimit; i += batch) {
      const exs = Array.from({ length: Math.min(batch, s.evalLimit - i) }, (_, j) => gen.make(L, TEST_SEED + i + j, 'test'));
      const split: TaskSplit = { examples: exs.map((x): Example => ({ ids: x.inputIds, target: x.labels })), score: () => ({}) };
      const { preds } = await predict(model, split, 'tokcls', padId, batch);
      growth = Math.max(growth, rssMb() - base);
      exs.forEach((x, j) => {
        scores.push({ ...scoreNiah(preds[j] as Int32Array, x), distractors: x.values.length - 1 });
        words.push(x.haystackWords);
      });
      if (performance.now() - t0 > 10_000 && (i / batch) % 10 === 0) note(`  ${L} tokens: ${scores.length}/${s.evalLimit} examples (${formatDuration(performance.now() - t0)})`);
    }
    const wall = (performance.now() - t0) / 1000;
    measured.push([L, growth]);
    const outcomes: Record<string, number> = { target: 0, distractor: 0, both: 0, none: 0, haystack: 0 };
    for (const x of scores) outcomes[x.outcome] += 1 / scores.length;
    const acc = (xs: typeof scores) => (xs.length ? mean(xs.map((x) => (x.exact ? 1 : 0))) : NaN);
    const row: LengthResult = {
      length_tokens: L, words: Math.round(mean(words)), status: 'ok', examples: scores.length,
      accuracy: acc(scores), set_f1: mean(scores.map((x) => x.f1)), outcomes,
      accuracy_no_distractor: acc(scores.filter((x) => x.distractors === 0)),
      accuracy_with_distractor: acc(scores.filter((x) => x.distractors > 0)),
      wall_s: Math.round(wall * 100) / 100, peak_rss_mb: Math.round(peakRssMb()), rss_growth_mb: Math.round(growth),
    };
    rows.push(row);
    onRow?.(rows);
    note(`  ${L} tokens (~${row.words} words): accuracy ${formatNumber(row.accuracy!)}, set-F1 ${formatNumber(row.set_f1!)} on ${row.examples} examples, ${formatDuration(wall * 1000)}, peak RSS ${row.peak_rss_mb} MB`);
  }
  return rows;
}

/** The results table (stdout). */
export function lengthTable(rows: LengthResult[], guessLine: number): string {
  const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : (100 * x).toFixed(1));
  const table = formatTable(
    ['length (tokens)', '≈ words', 'accuracy %', 'set-F1 %', 'acc. 0 / 1 distractor %', 'hit target / distractor / both / none %', 'wall', 'peak RSS MB', 'status'],
    rows.map((r) => [
      String(r.length_tokens), r.words === null ? '–' : String(r.words), pct(r.accuracy), pct(r.set_f1),
      r.status === 'ok' ? `${pct(r.accuracy_no_distractor)} / ${pct(r.accuracy_with_distractor)}` : '–',
      r.outcomes ? ['target', 'distractor', 'both', 'none'].map((k) => pct(r.outcomes![k])).join(' / ') : '–',
      r.wall_s === undefined ? '–' : formatDuration(r.wall_s * 1000), r.peak_rss_mb === undefined ? '–' : String(r.peak_rss_mb),
      r.status === 'ok' ? 'ok' : r.reason ?? r.status,
    ]),
  );
  return `${table}\nreference: ${(100 * guessLine).toFixed(0)} % = a model that finds the needles but guesses which one is the target (test mix: 40 % without a distractor, 60 % with one)\n`;
}

export interface NiahRunContext {
  tok: Tokenizer;
  pretrained: AnyHeadModel;
  config: AnyConfig;
  checkpoint: string;
  backend: string;
  out: string;
  lr: number;
  epochs: number;
  json: boolean;
  verbose: boolean;
  /** Continue the run in `out` (its checkpoints) instead of starting it. */
  resume?: string;
  saveInterval: number;
  keep: number;
}

/** Fine-tunes at s.trainLen, evaluates at every s.evalLens, writes metrics.json and the model. */
export async function runNiahFinetune(ctx: NiahRunContext, s: NiahSettings): Promise<void> {
  const d = await import('@avey/data');
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const padId = ctx.tok.special.pad ?? ctx.tok.special.eos ?? 0;
  const why = unsupportedReason(ctx.config, s.trainLen);
  if (why) throw new UsageError(`--train-len ${s.trainLen}: ${why}`, 'finetune');
  const gen = await niahGenerator(ctx.tok, s.needle, s.haystack);
  const t0 = performance.now();
  const train = Array.from({ length: s.limit }, (_, i) => gen.make(s.trainLen, s.seed * 1_000_033 + i + 1, 'train'));
  const wordsPerExample = Math.round(mean(train.map((x) => x.haystackWords)));
  note(
    `niah: ${s.limit} training examples of ${s.trainLen} tokens (≈ ${wordsPerExample} haystack words with this tokenizer; the paper counts 1,000 words), ` +
      `${s.needle} needles, ${s.haystack === 'words' ? 'random-word' : 'held-out text'} haystack, generated in ${formatDuration(performance.now() - t0)}; ` +
      `${s.evalLimit} test examples per length at ${s.evalLens.join(', ')} tokens; backend ${ctx.backend}`,
  );
  const split: TaskSplit = { examples: train.map((x) => ({ ids: x.inputIds, target: x.labels })), score: () => ({}) };
  const r = await fineTuneInLoop({
    runDir: ctx.out,
    resume: ctx.resume,
    freshModel: () => taskModel(ctx.pretrained, ctx.config, 'tokcls', NIAH_LABELS, s.seed),
    tokenizer: ctx.tok,
    train: split.examples,
    dev: [],
    head: 'tokcls',
    labels: NIAH_LABELS.length,
    padId,
    lr: ctx.lr,
    epochs: ctx.epochs,
    batch: s.batch,
    seed: s.seed,
    saveInterval: ctx.saveInterval,
    keep: ctx.keep,
    json: ctx.json,
    run: { task: 'niah', checkpoint: ctx.checkpoint, niah: s, lr: ctx.lr, epochs: ctx.epochs },
    resumeCommand: (dir) => `avey finetune niah --resume ${dir}`,
  });
  const model = r.model;
  train.length = 0;
  note(`  trained ${r.steps} steps in ${formatDuration(r.ms)}`);
  // the model first, then metrics.json after every length (complete: false until the last), so an
  // interrupted long evaluation keeps what it measured and `avey eval niah` can continue it
  mkdirSync(ctx.out, { recursive: true });
  const { saveCheckpoint } = await import('@avey/avey-b');
  await saveCheckpoint(join(ctx.out, 'model'), model);
  ctx.tok.save(join(ctx.out, 'model', 'tokenizer.json'));
  const reportOf = (rows: LengthResult[], complete: boolean) => ({
    task: 'niah', checkpoint: ctx.checkpoint, protocol: 'niah-lengths', lengths_in: 'tokens',
    train_len: s.trainLen, train_words: wordsPerExample, eval_lens: s.evalLens, needle: s.needle, haystack: s.haystack,
    train_examples: s.limit, eval_examples: s.evalLimit, seed: s.seed, distractor_mix: d.NIAH_MIX, guess_line: d.NIAH_GUESS_LINE,
    recipe: { lr: ctx.lr, epochs: ctx.epochs, batch: s.batch, optimizer: { betas: FINETUNE_BETAS, eps: FINETUNE_EPS, weight_decay: FINETUNE_WEIGHT_DECAY }, warmup: FINETUNE_WARMUP, schedule: 'warmup-linear' },
    steps: r.steps, final_loss: r.lastLoss, train_seconds: Math.round(r.ms) / 1000,
    results: rows, model: join(ctx.out, 'model'),
    // the shortest tested length in the shape of the other tasks' reports ({dev, test} metrics)
    dev_examples: 0, test_examples: s.evalLimit, primary_metric: 'set_f1', dev: {},
    test: Object.fromEntries(Object.entries({ set_f1: rows.find((x) => x.status === 'ok')?.set_f1, accuracy: rows.find((x) => x.status === 'ok')?.accuracy }).filter(([, v]) => v !== undefined)),
    complete,
  });
  const rows = await evaluateLengths(model, model.config as AnyConfig, gen, padId, s, note, (done) => writeFileAtomicSync(join(ctx.out, 'metrics.json'), `${JSON.stringify(reportOf(done, false), null, 2)}\n`, '--out'));
  const report = reportOf(rows, true);
  writeFileAtomicSync(join(ctx.out, 'metrics.json'), `${JSON.stringify(report, null, 2)}\n`, '--out');
  if (ctx.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${lengthTable(rows, d.NIAH_GUESS_LINE)}fine-tuned model: ${join(ctx.out, 'model')}\nmetrics: ${join(ctx.out, 'metrics.json')}\n`);
}

/** `avey eval niah`: a fine-tuned NIAH model at every length. */
export async function runNiahEval(model: AnyHeadModel, config: AnyConfig, tok: Tokenizer, s: NiahSettings, o: { json: boolean; out?: string; checkpoint: string }): Promise<void> {
  const d = await import('@avey/data');
  const gen = await niahGenerator(tok, s.needle, s.haystack);
  const rows = await evaluateLengths(model, config, gen, tok.special.pad ?? tok.special.eos ?? 0, s, (l) => process.stderr.write(`${l}\n`));
  const report = { task: 'niah', split: 'test', checkpoint: o.checkpoint, lengths_in: 'tokens', needle: s.needle, haystack: s.haystack, eval_examples: s.evalLimit, guess_line: d.NIAH_GUESS_LINE, results: rows };
  if (o.out) writeFileAtomicSync(resolve(o.out), `${JSON.stringify(report, null, 2)}\n`, '--out');
  if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(lengthTable(rows, d.NIAH_GUESS_LINE));
}
