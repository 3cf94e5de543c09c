// One fine-tuning run through the one training loop: a FinetuneSession in a run folder, driven by
// train/job.ts → train/loop.ts. Every task (the built-in ones, niah, your own data) trains here,
// so each gets log.jsonl, loss.svg, resumable checkpoints, the non-finite-loss stop and Ctrl-C.
import type { AnyHeadModel } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';
import { FileError } from '../errors.js';
import { checkTokenizerFits, loadModel } from '../lib/models.js';
import { runJob, type JobSettings, type ResumePoint } from '../train/job.js';
import { FinetuneSession, finetuneSteps, type FinetuneSessionState } from '../train/finetune-session.js';
import type { Example, HeadKind } from './tasks.js';

export interface FineTuneRunOptions {
  /** The run folder (fresh: created; resumed: the run's own folder). */
  runDir: string;
  /** A checkpoint or run folder to continue from (--resume). */
  resume?: string;
  /** Builds the fresh task model (encoder weights + a new head); not called when resuming. */
  freshModel: () => Promise<AnyHeadModel>;
  tokenizer: Tokenizer;
  train: readonly Example[];
  dev: readonly Example[];
  head: HeadKind;
  labels: number;
  padId: number;
  lr: number;
  epochs: number;
  batch: number;
  seed: number;
  /** Dev batches per held-out loss evaluation (before training and at the end). */
  evalBatches?: number;
  saveInterval: number;
  keep: number;
  json: boolean;
  /** Stored in run.json / trainer_state.json: what --resume needs to rebuild the data. */
  run: Record<string, unknown>;
  /** e.g. `avey finetune sst2 --resume DIR`. */
  resumeCommand: (runDir: string) => string;
}

export interface FineTuneRunResult {
  model: AnyHeadModel;
  runDir: string;
  steps: number;
  lastLoss: number;
  ms: number;
}

export async function fineTuneInLoop(o: FineTuneRunOptions): Promise<FineTuneRunResult> {
  let session: FinetuneSession | undefined;
  const settings: JobSettings = {
    command: 'finetune',
    totalSteps: finetuneSteps(o.train.length, o),
    logInterval: 1,
    evalInterval: 0,
    saveInterval: o.saveInterval,
    keep: o.keep,
    run: o.run,
  };
  const createSession = async (_job: JobSettings, resume: ResumePoint | undefined) => {
    let model: AnyHeadModel;
    if (resume) {
      const loaded = await loadModel(resume.dir);
      checkTokenizerFits(o.tokenizer, loaded.config, resume.dir);
      if (loaded.head !== o.head || loaded.config.num_labels !== o.labels) {
        throw new FileError(resume.dir, `the checkpoint '${resume.dir}' has a ${loaded.head} head with ${loaded.config.num_labels} labels, but this run needs a ${o.head} head with ${o.labels}; it is not from this fine-tuning run.`);
      }
      model = loaded.model;
    } else {
      model = await o.freshModel();
    }
    session = await FinetuneSession.create({
      model,
      tokenizer: o.tokenizer,
      train: o.train,
      dev: o.dev,
      head: o.head,
      padId: o.padId,
      settings: { lr: o.lr, epochs: o.epochs, batch: o.batch, seed: o.seed, evalBatches: o.evalBatches ?? 4 },
      resumeDir: resume?.dir,
      state: resume?.state.session as FinetuneSessionState | undefined,
    });
    return session;
  };
  const r = await runJob({
    settings,
    outDir: o.runDir,
    resume: o.resume,
    json: o.json,
    createSession,
    resumeCommand: o.resumeCommand,
    divergeHint: 'Start again with a lower --lr (resuming would repeat the same steps exactly).',
  });
  const model = session!.model;
  model.eval();
  return { model, runDir: r.runDir, steps: r.stepsDone, lastLoss: r.lastLoss, ms: r.elapsedMs };
}
