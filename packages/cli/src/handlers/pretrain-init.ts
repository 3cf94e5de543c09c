// `avey pretrain --init DIR` (continued pretraining from a checkpoint folder's weights, official or
// ours, with a fresh optimiser) and `--batches FILE` (replay pre-tokenized batches instead of the
// corpus): checking those flags up front, and building the session for them (fresh or resumed).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FileError, UsageError } from '../errors.js';
import { explicitOptions, type RawArgs } from '../spec.js';
import { openCorpus } from '../lib/corpus.js';
import { buildConfig, checkTokenizerFits, countParameters, createModel, loadModel, readTokenizerFile } from '../lib/models.js';
import type { JobSettings, ResumePoint } from '../train/job.js';
import { MlmSession, type MlmSessionState, type MlmSettings } from '../train/mlm-session.js';
import { checkBatchesFitVocab, checkBatchesSuffice, FileBatches, readBatchFile, type BatchFile, type BatchFileState } from '../train/batch-file.js';
import type { TrainSession } from '../train/loop.js';
import type { PretrainRun } from './pretrain.js';
import type { AnyConfig, AnyHeadModel } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';

/** The --init / --batches part of run.json (absent in runs made before these flags). */
export interface InitBatchesRun {
  init?: string | null;
  batches?: string | null;
}

const loaded = new Map<string, BatchFile>();
async function batchFile(path: string): Promise<BatchFile> {
  let f = loaded.get(path);
  if (!f) loaded.set(path, (f = await readBatchFile(path)));
  return f;
}

/**
 * Checks --init, --batches, --warmup-ratio/--warmup-steps before anything runs and completes `run`:
 * with --batches, the micro-batch shape comes from the file. Notes the flags that these override.
 */
export async function prepareInitBatches(args: RawArgs, run: PretrainRun & InitBatchesRun, steps: number, note: (s: string) => void): Promise<void> {
  const explicit = explicitOptions(args);
  const a = args as RawArgs & { init?: string; batches?: string };
  if (explicit.has('warmup-ratio') && explicit.has('warmup-steps')) {
    throw new UsageError('give either --warmup-ratio (a fraction of the steps) or --warmup-steps (a number of steps), not both.', 'pretrain');
  }
  if (run.mlm.warmupSteps !== undefined && run.mlm.warmupSteps > steps) {
    throw new UsageError(`--warmup-steps ${run.mlm.warmupSteps} is more than --steps ${steps}.`, 'pretrain');
  }
  run.init = a.init ? resolve(a.init) : null;
  run.batches = a.batches ? resolve(a.batches) : null;
  if (run.init) {
    if (!existsSync(join(run.init, 'config.json'))) {
      throw new FileError(run.init, `--init '${a.init}' is not a checkpoint folder: it has no config.json. Pass a folder with config.json + model.safetensors (an official Avey-B checkpoint, or checkpoints/step-N of an avey run).`);
    }
    const ignored = ['model', 'preset', 'config', 'vocab-size'].filter((n) => explicit.has(n));
    if (ignored.length) note(`note: with --init the model comes from ${a.init}; ignoring ${ignored.map((n) => `--${n}`).join(', ')}`);
  }
  if (run.batches) {
    const f = await batchFile(run.batches);
    checkBatchesSuffice(f, steps, run.mlm.gradAccum);
    const ignored = ['batch', 'max-len', 'mask-rate', 'corpus', 'eval-batches'].filter((n) => explicit.has(n));
    if (ignored.length) note(`note: with --batches the batches come from the file; ignoring ${ignored.map((n) => `--${n}`).join(', ')}`);
    run.mlm.batch = f.batch;
    run.mlm.seqLen = f.seqLen;
    run.corpus = null;
  }
}

/** Whether this run (or the run being resumed) uses --init or --batches. */
export function usesInitOrBatches(run: PretrainRun & InitBatchesRun): boolean {
  return Boolean(run.init || run.batches);
}

async function tokenizerAt(path: string): Promise<Tokenizer> {
  return readTokenizerFile(path, '--tokenizer');
}

/** The session of a --init and/or --batches run, fresh or resumed. */
export async function createInitBatchesSession(
  job: JobSettings,
  resume: ResumePoint | undefined,
  note: (s: string) => void,
  describeModel: (cfg: AnyConfig, params: number) => string,
): Promise<TrainSession> {
  const run = job.run as unknown as PretrainRun & InitBatchesRun;
  const mlm: MlmSettings = { ...run.mlm, totalSteps: job.totalSteps };
  let model: AnyHeadModel;
  let config: AnyConfig;
  let tok: Tokenizer | null = null;
  if (resume) {
    ({ model, config } = await loadModel(resume.dir, { head: 'mlm' }));
    const saved = join(resume.dir, 'tokenizer.json');
    if (existsSync(saved)) tok = await tokenizerAt(saved);
  } else if (run.init) {
    ({ model, config } = await loadModel(run.init, { head: 'mlm' }));
    note(`initialised from ${run.init} (fresh optimiser and schedule)`);
    const own = join(run.init, 'tokenizer.json');
    if (run.tokenizer) tok = await tokenizerAt(run.tokenizer);
    else if (existsSync(own)) tok = await tokenizerAt(own);
  } else {
    config = await buildConfig(run.model, run.preset, run.config_fields, run.vocab_size ? { vocab_size: run.vocab_size } : {}, 'pretrain');
    model = await createModel(config, 'mlm', mlm.seed);
    if (run.tokenizer) tok = await tokenizerAt(run.tokenizer);
  }
  note(describeModel(config, await countParameters(config)));
  if (tok) checkTokenizerFits(tok, config, run.init ?? resume?.dir ?? 'the model');

  if (run.batches) {
    const f = await batchFile(run.batches);
    checkBatchesFitVocab(f, config.vocab_size, run.init ?? resume?.dir ?? `--preset ${run.preset}`);
    checkBatchesSuffice(f, job.totalSteps, mlm.gradAccum);
    note(`data: ${f.count} batches of ${f.batch}×${f.seqLen} tokens replayed in order from ${f.path}`);
    const state = resume?.state.session as MlmSessionState | undefined;
    const batches = new FileBatches(f, state?.data as BatchFileState | undefined);
    return MlmSession.create({ model, config, tokenizer: tok, batches, settings: mlm, resumeDir: resume?.dir, state });
  }
  if (!tok) {
    throw new FileError(run.init ?? '', `--init '${run.init}' has no tokenizer.json, so the corpus cannot be tokenized. Pass --tokenizer with the tokenizer the model was trained with, or --batches with pre-tokenized batches.`);
  }
  const corpus = await openCorpus(run.corpus ?? undefined, {
    shuffleSeed: mlm.seed,
    unit: run.corpus_unit ?? (run.corpus ? 'paragraph' : 'auto'), // runs from before --corpus-unit read paragraphs
    validation: run.validation_corpus ?? undefined,
    shuffleFiles: run.data_order === 'shuffled',
  });
  for (const line of corpus.notes) note(line);
  note(`data: ${corpus.describe}; ${mlm.batch}×${mlm.seqLen} tokens per micro-batch × ${mlm.gradAccum}, ${Math.round(mlm.maskRate * 100)}% masked`);
  return MlmSession.create({
    model, config, tokenizer: tok, train: corpus.train, heldOut: corpus.heldOut, settings: mlm,
    resumeDir: resume?.dir, state: resume?.state.session as MlmSessionState | undefined,
  });
}
