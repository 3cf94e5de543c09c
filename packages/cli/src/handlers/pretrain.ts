// `avey pretrain`: MLM pretraining of Avey-B (or the Transformer baseline) with exact resume.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { commandOf, explicitOptions, type RawArgs } from '../spec.js';
import { setupBackend } from '../lib/backend.js';
import { openCorpus, type CorpusInfo, type CorpusUnit } from '../lib/corpus.js';
import { trainTokenizer } from '../lib/train-tokenizer.js';
import { buildConfig, countParameters, createModel, loadModel, readConfigFile, readTokenizerFile, type ModelKind, type PresetName } from '../lib/models.js';
import { parseDuration } from '../train/budget.js';
import { formatProbe, probeMask, type ProbeResult } from '../train/probes.js';
import { BUILTIN_PROBES, DEFAULT_BUDGET, TINY_RECIPE_VOCAB } from '../train/recipe.js';
import { printJobSummary, runJob, type JobSettings, type ResumePoint } from '../train/job.js';
import { MlmSession, type MlmSessionState, type MlmSettings } from '../train/mlm-session.js';
import type { TrainSession } from '../train/loop.js';
import { formatCount, formatDuration } from '../util/format.js';
import { createInitBatchesSession, prepareInitBatches, usesInitOrBatches, type InitBatchesRun } from './pretrain-init.js';
import type { AnyConfig } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';

interface PretrainArgs {
  model: ModelKind;
  preset: PresetName;
  config?: string;
  corpus?: string[];
  corpusUnit: CorpusUnit;
  validationCorpus?: string[];
  tokenizer?: string;
  vocabSize?: number;
  batch: number;
  maxLen: number;
  steps?: number;
  budget?: string;
  lr: number;
  schedule: MlmSettings['schedule'];
  warmupRatio: number;
  weightDecay: number;
  gradClip: number;
  gradAccum: number;
  maskRate: number;
  evalInterval: number;
  evalBatches: number;
  logInterval: number;
  saveInterval: number;
  keep: number;
  out?: string;
  resume?: string;
  adamBeta1: number;
  adamBeta2: number;
  adamEps: number;
  warmupSteps?: number;
}

/** What run.json stores: enough to rebuild the session on --resume. */
export interface PretrainRun extends InitBatchesRun {
  model: ModelKind;
  preset: PresetName;
  config_fields: Record<string, unknown>;
  corpus: string[] | null;
  /** How text files became documents (absent in runs from before --corpus-unit: 'paragraph'). */
  corpus_unit?: CorpusUnit;
  validation_corpus?: string[] | null;
  /** 'shuffled': documents in a seeded order (--seed), files included (absent in older runs: files in their order). */
  data_order?: 'shuffled';
  tokenizer: string | null;
  vocab_size: number | null;
  /** Found while setting up: documents per file, the held-out split, the tokenizer's real size. */
  data?: { corpus: CorpusInfo | null; tokenizer?: { requested: number; reached: number; stop: string } };
  mlm: Omit<MlmSettings, 'totalSteps'>;
}

/** The first step-count guess of a budgeted run (re-planned after its first step). */
export const DEFAULT_STEPS = 200;

function timestamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Characters of the built-in corpus' (shuffled) training documents a fresh run trains its tokenizer
 *  on: a random sample of about an eighth of it, enough for a 2–8k vocabulary, in a fraction of the
 *  time (the whole 31.6 MB took 16 s at load 9, 1.5 min at load 25, of a 4-minute budget). */
export const BUILTIN_TOKENIZER_SAMPLE_CHARS = 4_000_000;

export function describeModel(cfg: AnyConfig, params: number): string {
  return cfg.model_type === 'avey'
    ? `Avey-B: ${formatCount(params)} parameters (d=${cfg.d_embed}, ${cfg.n_layers} layers, split S=${cfg.chunk_size}, top-k=${cfg.k}, vocab ${cfg.vocab_size})`
    : `Transformer baseline: ${formatCount(params)} parameters (d=${cfg.hidden_size}, ${cfg.num_hidden_layers} layers, ${cfg.num_attention_heads} heads, vocab ${cfg.vocab_size})`;
}

async function createSession(job: JobSettings, resume: ResumePoint | undefined, note: (s: string) => void): Promise<TrainSession> {
  const run = job.run as unknown as PretrainRun;
  if (usesInitOrBatches(run)) return createInitBatchesSession(job, resume, note, describeModel);
  const mlm: MlmSettings = { ...run.mlm, totalSteps: job.totalSteps };
  // Documents in a seeded order (--seed): the built-in corpus is stored source by source, and a
  // user's folder may be sorted by date or topic; a short run would see only the first of them.
  const corpus = await openCorpus(run.corpus ?? undefined, {
    shuffleSeed: mlm.seed,
    unit: run.corpus_unit ?? (run.corpus ? 'paragraph' : 'auto'), // runs from before --corpus-unit read paragraphs
    validation: run.validation_corpus ?? undefined,
    shuffleFiles: run.data_order === 'shuffled',
  });
  for (const line of corpus.notes) note(line);
  const before = run.data?.corpus?.documents;
  if (resume && before !== undefined && corpus.info && before !== corpus.info.documents) {
    note(`warning: the corpus had ${before} documents when the run started and has ${corpus.info.documents} now: the resumed run reads different data`);
  }
  if (!resume) run.data = { corpus: corpus.info };
  let tok: Tokenizer;
  let model;
  let config: AnyConfig;
  if (resume) {
    tok = await readTokenizerFile(join(resume.dir, 'tokenizer.json'), '--resume');
    ({ model, config } = await loadModel(resume.dir, { head: 'mlm' }));
  } else {
    if (run.tokenizer) {
      tok = await readTokenizerFile(run.tokenizer, '--tokenizer');
    } else {
      const t0 = performance.now();
      const fields = await buildConfig(run.model, run.preset, run.config_fields, {}, 'pretrain');
      const vocab = run.vocab_size ?? fields.vocab_size;
      const sample = run.corpus ? undefined : BUILTIN_TOKENIZER_SAMPLE_CHARS;
      note(`training a ${vocab}-token BPE tokenizer on the ${corpus.describe}${sample ? ` (a sample: the first ${formatCount(sample)} characters of the shuffled training documents)` : ''}…`);
      const t = await trainTokenizer(corpus.train, vocab, { maxChars: sample });
      tok = t.tok;
      note(`  done in ${formatDuration(performance.now() - t0)}: ${t.tok.vocabSize} tokens`);
      if (t.warning) note(t.warning);
      run.data = { corpus: corpus.info, tokenizer: { requested: t.report.requested, reached: t.report.reached, stop: t.report.stop } };
    }
    config = await buildConfig(run.model, run.preset, run.config_fields, { vocab_size: tok.vocabSize }, 'pretrain');
    if (config.model_type === 'transformer_baseline' && mlm.seqLen > config.max_position_embeddings) {
      throw new UsageError(`--max-len ${mlm.seqLen} exceeds the Transformer's max_position_embeddings ${config.max_position_embeddings}; lower --max-len or raise max_position_embeddings in --config.`, 'pretrain');
    }
    model = await createModel(config, 'mlm', mlm.seed);
  }
  note(`${describeModel(config, await countParameters(config))}`);
  note(`data: ${corpus.describe}; ${mlm.batch}×${mlm.seqLen} tokens per micro-batch × ${mlm.gradAccum}, ${Math.round(mlm.maskRate * 100)}% masked`);
  const session = await MlmSession.create({
    model,
    config,
    tokenizer: tok,
    train: corpus.train,
    heldOut: corpus.heldOut,
    settings: mlm,
    resumeDir: resume?.dir,
    state: resume?.state.session as MlmSessionState | undefined,
  });
  if (session.heldOutRepeated) note(`note: the held-out text is shorter than one batch (${mlm.batch}×${mlm.seqLen} tokens), so it is repeated to fill one; hold out more text (--validation-corpus) for a steadier held-out loss`);
  else if (session.heldOutBatches === 0) note('note: the held-out documents are too short for one batch; no held-out loss will be reported');
  return session;
}

export async function runPretrain(args: RawArgs): Promise<void> {
  const a = args as unknown as RawArgs & PretrainArgs;
  let budgetMs: number | undefined;
  if (a.budget !== undefined) {
    budgetMs = parseDuration(String(a.budget)) ?? undefined;
    if (budgetMs === undefined || !(budgetMs > 0)) {
      throw new UsageError(`--budget expects a wall time such as 90s, 20m, 2h or 1h30m, but got '${String(a.budget)}'.`, 'pretrain');
    }
    if (a.steps !== undefined) throw new UsageError('give either --steps or --budget, not both: a budget plans the step count itself.', 'pretrain');
  } else if (a.steps === undefined && !a.resume && !a.batches) {
    budgetMs = parseDuration(DEFAULT_BUDGET)!; // the main job: a budgeted run (train/recipe.ts)
  }
  const backend = await setupBackend(a.backend, commandOf(a));
  const configFields = a.config ? readConfigFile(a.config) : {};
  // the budget recipe's vocabulary for a tiny model whose tokenizer is trained here (train/recipe.ts)
  const recipeVocab = a.preset === 'tiny' && !a.tokenizer && !a.init && !a.batches && !('vocab_size' in configFields) ? TINY_RECIPE_VOCAB : null;
  const run: PretrainRun = {
    model: a.model,
    preset: a.preset,
    config_fields: configFields,
    corpus: a.corpus && a.corpus.length ? a.corpus.map((p) => (/[*?[]/.test(p) ? p : resolve(p))) : null,
    corpus_unit: a.corpusUnit,
    data_order: 'shuffled',
    validation_corpus: a.validationCorpus && a.validationCorpus.length ? a.validationCorpus.map((p) => (/[*?[]/.test(p) ? p : resolve(p))) : null,
    tokenizer: a.tokenizer ? resolve(a.tokenizer) : null,
    vocab_size: a.vocabSize ?? recipeVocab,
    mlm: {
      batch: a.batch,
      seqLen: a.maxLen,
      lr: a.lr,
      schedule: a.schedule,
      warmup: a.warmupRatio,
      weightDecay: a.weightDecay,
      gradClip: a.gradClip,
      gradAccum: a.gradAccum,
      maskRate: a.maskRate,
      evalBatches: a.evalBatches,
      seed: a.seed,
      adamBeta1: a.adamBeta1,
      adamBeta2: a.adamBeta2,
      adamEps: a.adamEps,
      ...(a.warmupSteps !== undefined ? { warmupSteps: a.warmupSteps } : {}),
    },
  };
  const settings: JobSettings = {
    command: 'pretrain',
    totalSteps: a.steps ?? DEFAULT_STEPS,
    ...(budgetMs !== undefined ? { budgetMs } : {}),
    logInterval: a.logInterval,
    evalInterval: a.evalInterval,
    saveInterval: a.saveInterval,
    keep: a.keep,
    run: run as unknown as Record<string, unknown>,
  };
  const note = (s: string) => process.stderr.write(`${s}\n`);
  note(`backend: ${backend}`);
  if (!a.resume) await prepareInitBatches(args, run, settings.totalSteps, note);
  if (a.resume) {
    const kept = new Set(['resume', 'steps', 'budget', 'backend', 'json', 'verbose', 'out']);
    const ignored = [...explicitOptions(args)].filter((n) => !kept.has(n));
    if (ignored.length) note(`note: with --resume the run's own settings are used; ignoring ${ignored.map((n) => `--${n}`).join(', ')}`);
  }
  let session: MlmSession | undefined;
  const result = await runJob({
    settings,
    outDir: a.out ?? join('runs', `pretrain-${timestamp()}`),
    resume: a.resume,
    stepsOverride: a.resume ? a.steps : undefined,
    budgetOverrideMs: a.resume ? budgetMs : undefined,
    startedAt: 0, // performance.now() counts from the process start: the budget includes set-up
    json: a.json,
    createSession: async (job, resume) => {
      const s = await createSession(job, resume, note);
      if (s instanceof MlmSession) session = s;
      return s;
    },
    divergeHint: 'Start a new run with a lower --lr, a longer --warmup-ratio, or --grad-clip 1 (resuming would repeat the same steps exactly).',
  });
  // runs on the built-in corpus end with fill-mask probes from it (one sentence per source)
  const probes: ProbeResult[] = [];
  const runInfo = readRunInfo(result.runDir);
  const tok = session?.tokenizer;
  if (session && tok && runInfo && runInfo.corpus === null && !usesInitOrBatches(runInfo)) {
    for (const text of BUILTIN_PROBES) probes.push(await probeMask(session.model, tok, text, 5));
  }
  printJobSummary(result, a.json, { backend, ...(probes.length ? { probes } : {}) });
  if (!a.json && probes.length) process.stdout.write(`fill-mask probes (top 5):\n${probes.map((p) => `  ${formatProbe(p)}`).join('\n')}\n`);
}

/** The run's settings from its run.json (null when unreadable). */
function readRunInfo(runDir: string): PretrainRun | null {
  try {
    return (JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { settings: PretrainRun }).settings;
  } catch {
    return null;
  }
}
