// MLM pretraining as a TrainSession: model (Avey-B or the Transformer baseline) + AdamW + LR
// schedule + MlmBatcher, with everything needed for an exact resume saved in each checkpoint:
//   config.json, model.safetensors   the model (Hugging Face folder format, @avey/avey-b)
//   tokenizer.json                   the tokenizer the model was trained with
//   optimizer.safetensors            AdamW moments; step counts + hyperparameters in its metadata
//   trainer_state.json "session"     scheduler state, the batcher's data position; masking RNG is
//                                    derived from (seed, step), so the data state pins it down
import { join } from 'node:path';
import type { AnyConfig, AnyHeadModel } from '@avey/avey-b';
import type { MlmBatcher, MlmState, Tokenizer } from '@avey/data';
import type { Tensor } from '@avey/tensor';
import type { optim as Optim, schedules as Schedules, Variable } from '@avey/autograd';
import type { StepResult, TrainSession } from './loop.js';
import { loadOptimizerState, saveOptimizerState } from './optimizer-state.js';
import { maskedMlmLossFromHidden } from './masked-head.js';
import type { BatchFileState, FileBatches } from './batch-file.js';
import { UnigramCounter, type UnigramState } from './unigram.js';

export interface MlmSettings {
  batch: number;
  seqLen: number;
  totalSteps: number;
  lr: number;
  schedule: 'warmup-cosine' | 'warmup-linear' | 'constant';
  warmup: number;
  weightDecay: number;
  gradClip: number;
  gradAccum: number;
  maskRate: number;
  evalBatches: number;
  seed: number;
  /** AdamW β1, β2, eps (`--adam-beta1/--adam-beta2/--adam-eps`; absent in older runs: ADAM_BETAS, ADAM_EPS). */
  adamBeta1?: number;
  adamBeta2?: number;
  adamEps?: number;
  /** Warmup length in steps (`--warmup-steps`); when absent, `warmup` is the fraction of the steps. */
  warmupSteps?: number;
}

export interface MlmSessionState extends Record<string, unknown> {
  scheduler: { stepCount: number; baseLrs: number[] };
  data: MlmState | BatchFileState;
  rng: { mask_seed: number; note: string };
  /** Token counts of the training batches so far (the unigram reference); absent in old checkpoints. */
  unigram?: UnigramState;
}

/** AdamW betas/eps used for pretraining (β2 = 0.95 as in the Avey-B recipe). */
export const ADAM_BETAS: [number, number] = [0.9, 0.95];
export const ADAM_EPS = 1e-8;

function scheduleOf(s: MlmSettings, schedules: typeof Schedules): Schedules.Schedule {
  const o = s.warmupSteps !== undefined ? { warmupSteps: s.warmupSteps, totalSteps: s.totalSteps } : { warmupFraction: s.warmup, totalSteps: s.totalSteps };
  switch (s.schedule) {
    case 'warmup-cosine':
      return schedules.warmupCosine(o);
    case 'warmup-linear':
      return schedules.warmupLinear(o);
    case 'constant':
      return schedules.constant();
  }
}

/**
 * Mean cross-entropy over the masked positions, computing logits ONLY there (masked-head.ts): the
 * same loss and gradients as the model's full MLM head at M/(B·T) of the head's cost.
 */
export function maskedMlmLoss(
  model: AnyHeadModel,
  ids: Tensor,
  labels: Int32Array,
  T: typeof import('@avey/tensor'),
  nn: typeof import('@avey/autograd').nn,
): Variable {
  return maskedMlmLossFromHidden(model.encode(ids), model.tiedEmbedding(), labels, T, nn);
}

/** AVEY_MLM_HEAD=full trains through the model's full MLM head (logits at every position): the same
 *  loss and gradients, slower; kept only to measure the masked head's speed-up (docs/reproduction.md). */
const FULL_HEAD = process.env.AVEY_MLM_HEAD === 'full';

export class MlmSession implements TrainSession {
  private evalSet: Array<{ ids: Tensor; labels: Int32Array }> = [];
  private unigram!: UnigramCounter;

  private constructor(
    readonly model: AnyHeadModel,
    readonly config: AnyConfig,
    readonly tokenizer: Tokenizer | null,
    private readonly optimizer: Optim.AdamW,
    private readonly scheduler: Optim.LRScheduler,
    private readonly batcher: MlmBatcher | FileBatches,
    private readonly params: Variable[],
    private readonly s: MlmSettings,
    private readonly plan: { totalSteps: number },
  ) {}

  /**
   * A session for a fresh run (`resumeDir` undefined: the model is already initialised) or for a
   * resumed one (optimiser, scheduler and data position are read from `resumeDir` / `state`).
   * With `batches` (`--batches FILE`) the steps replay the file's batches in order: no tokenizer,
   * no corpus, no held-out set.
   */
  static async create(opts: {
    model: AnyHeadModel;
    config: AnyConfig;
    tokenizer: Tokenizer | null;
    train?: import('@avey/data').DocumentSource;
    heldOut?: import('@avey/data').DocumentSource;
    batches?: FileBatches;
    settings: MlmSettings;
    resumeDir?: string;
    state?: MlmSessionState;
  }): Promise<MlmSession> {
    const data = await import('@avey/data');
    const { optim, schedules } = await import('@avey/autograd');
    const { tensor } = await import('@avey/tensor');
    const s = opts.settings;
    const params = opts.model.parameters();
    const betas: [number, number] = [s.adamBeta1 ?? ADAM_BETAS[0], s.adamBeta2 ?? ADAM_BETAS[1]];
    const optimizer = new optim.AdamW(optim.decayGroups(params, s.weightDecay), { lr: s.lr, betas, eps: s.adamEps ?? ADAM_EPS });
    if (opts.resumeDir) await loadOptimizerState(opts.resumeDir, optimizer);
    // the schedule reads the total at each step: a wall-time budget re-plans it (setTotalSteps)
    const plan = { totalSteps: s.totalSteps };
    const scheduler = new optim.LRScheduler(optimizer, (step) => scheduleOf({ ...s, totalSteps: plan.totalSteps }, schedules)(step));
    if (opts.state) scheduler.loadStateDict(opts.state.scheduler);
    if (opts.batches) {
      const replay = new MlmSession(opts.model, opts.config, opts.tokenizer, optimizer, scheduler, opts.batches, params, s, plan);
      replay.unigram = new UnigramCounter(opts.config.vocab_size, opts.state?.unigram);
      return replay;
    }
    if (!opts.train || !opts.heldOut || !opts.tokenizer) throw new Error('MlmSession.create: a corpus and a tokenizer are needed without batches');
    const mlm = { batchSize: s.batch, seqLen: s.seqLen, seed: s.seed, rate: s.maskRate };
    const batcher = new data.MlmBatcher(opts.train, opts.tokenizer, mlm, opts.state?.data as MlmState | undefined);
    const session = new MlmSession(opts.model, opts.config, opts.tokenizer, optimizer, scheduler, batcher, params, s, plan);
    // A checkpoint written before the unigram reference existed: count from the resume point on.
    session.unigram = new UnigramCounter(opts.tokenizer.vocabSize, opts.state?.unigram);
    // A fixed held-out set: the first `evalBatches` batches of the held-out documents (one pass).
    const held = new data.MlmBatcher(opts.heldOut, opts.tokenizer, { ...mlm, seed: s.seed + 1, epochs: 1 });
    for (let i = 0; i < s.evalBatches; i++) {
      const b = held.next();
      if (!b) break;
      session.evalSet.push({ ids: tensor(b.inputIds, { dtype: 'int32', shape: b.shape }), labels: b.labels });
    }
    if (session.evalSet.length === 0) {
      // held-out text shorter than one batch: read it round and round to fill one
      const b = new data.MlmBatcher(opts.heldOut, opts.tokenizer, { ...mlm, seed: s.seed + 1 }).next();
      if (b) {
        session.evalSet.push({ ids: tensor(b.inputIds, { dtype: 'int32', shape: b.shape }), labels: b.labels });
        session.heldOutRepeated = true;
      }
    }
    return session;
  }

  /** The held-out text was shorter than one batch and is repeated to fill it. */
  heldOutRepeated = false;

  get heldOutBatches(): number {
    return this.evalSet.length;
  }

  async trainStep(_step: number): Promise<StepResult> {
    const T = await import('@avey/tensor');
    const { optim, nn } = await import('@avey/autograd');
    const lr = this.optimizer.lr;
    let lossSum = 0;
    let gradNorm = NaN;
    await T.scope(async () => {
      for (let m = 0; m < this.s.gradAccum; m++) {
        const b = this.batcher.next();
        if (!b) throw new Error('the training data ran out (MlmBatcher returned no batch)');
        this.unigram.addBatch(b.inputIds, b.labels);
        const ids = T.tensor(b.inputIds, { dtype: 'int32', shape: b.shape });
        const loss = FULL_HEAD
          ? this.model.forward(ids, { labels: T.tensor(b.labels, { dtype: 'int32', shape: b.shape }) }).loss!
          : maskedMlmLoss(this.model, ids, b.labels, T, nn);
        (this.s.gradAccum > 1 ? loss.div(this.s.gradAccum) : loss).backward();
        lossSum += await loss.itemAsync();
      }
      if (this.s.gradClip > 0) gradNorm = await optim.clipGradNorm(this.params, this.s.gradClip).itemAsync();
      this.optimizer.step();
      this.optimizer.zeroGrad();
    });
    this.scheduler.step();
    return { loss: lossSum / this.s.gradAccum, tokens: this.s.batch * this.s.seqLen * this.s.gradAccum, lr, gradNorm };
  }

  async evalLoss(): Promise<number> {
    if (this.evalSet.length === 0) return NaN;
    const T = await import('@avey/tensor');
    const { noGrad, nn } = await import('@avey/autograd');
    let sum = 0;
    for (const { ids, labels } of this.evalSet) {
      sum += await T.scope(() => noGrad(() => maskedMlmLoss(this.model, ids, labels, T, nn)).itemAsync());
    }
    return sum / this.evalSet.length;
  }

  /** A re-planned total step count (wall-time budgets): the LR of the next step follows it. */
  setTotalSteps(total: number): void {
    if (total === this.plan.totalSteps) return;
    this.plan.totalSteps = total;
    this.scheduler.loadStateDict(this.scheduler.stateDict()); // re-applies the schedule at the current step
  }

  /** The unigram reference: an add-one-smoothed unigram of the training tokens seen so far, scored
   *  on the same held-out masked positions as evalLoss (NaN without held-out batches). */
  referenceLoss(): number {
    return this.unigram.evalLoss(this.evalSet);
  }

  /** Training tokens counted by the unigram reference. */
  get unigramTokens(): number {
    return this.unigram.tokens;
  }

  async save(dir: string): Promise<MlmSessionState> {
    const { saveCheckpoint } = await import('@avey/avey-b');
    await saveCheckpoint(dir, this.model);
    this.tokenizer?.save(join(dir, 'tokenizer.json'));
    await saveOptimizerState(dir, this.optimizer);
    return {
      scheduler: this.scheduler.stateDict(),
      data: this.batcher.state(),
      rng: { mask_seed: this.s.seed, note: 'masks are drawn from DataRng(mixSeed(seed, rank, step)); the data state holds the step' },
      unigram: this.unigram.state(),
    };
  }
}
