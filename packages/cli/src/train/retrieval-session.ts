// Retrieval fine-tuning (`avey finetune retrieval`) as a TrainSession, run by the one training loop
// (train/loop.ts): one step = the multiple-negatives ranking loss (scale 20, in-batch negatives plus
// any hard negatives) on mean-pooled embeddings, optionally through the gradient cache
// (--mini-batch), then global gradient-norm clipping at 1 and an AdamW step with the fine-tuning
// recipe (10 % warmup, linear decay).
//
// Exact resume: the batch plan (retrieval/finetune.ts batchPlan) is a pure function of the pairs,
// the seed and the step count, so trainStep(s) depends only on the saved state (parameters, AdamW
// moments, scheduler step) and s. A checkpoint holds config.json + model.safetensors (the encoder
// with its MLM head, as pretrain writes) + tokenizer.json + optimizer.safetensors; trainer_state.json
// "session" holds the scheduler state.
import { join } from 'node:path';
import type { AnyHeadModel } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';
import type { optim as Optim, Variable } from '@avey/autograd';
import { FINETUNE_BETAS, FINETUNE_EPS, FINETUNE_WARMUP, FINETUNE_WEIGHT_DECAY } from '../finetune/train.js';
import type { StepResult, TrainSession } from './loop.js';
import { loadOptimizerState, saveOptimizerState } from './optimizer-state.js';

/** One training pair, already tokenised: query, positive and hard negatives (token ids). */
export interface EncodedPair {
  q: number[];
  p: number[];
  n: number[][];
}

export interface RetrievalSessionState extends Record<string, unknown> {
  scheduler: { stepCount: number; baseLrs: number[] };
}

export class RetrievalSession implements TrainSession {
  private constructor(
    readonly model: AnyHeadModel,
    readonly tokenizer: Tokenizer,
    private readonly pairs: readonly EncodedPair[],
    /** plan[s]: the pair indices of step s. */
    private readonly plan: readonly (readonly number[])[],
    private readonly padId: number,
    private readonly miniBatch: number | undefined,
    private readonly optimizer: Optim.AdamW,
    private readonly scheduler: Optim.LRScheduler,
    private readonly params: Variable[],
  ) {}

  /** A session over `model` (encoder + MLM head). With `resumeDir`, the optimiser and scheduler
   *  continue from that checkpoint (the model must already hold its weights). */
  static async create(o: {
    model: AnyHeadModel;
    tokenizer: Tokenizer;
    pairs: readonly EncodedPair[];
    plan: readonly (readonly number[])[];
    padId: number;
    miniBatch?: number;
    lr: number;
    resumeDir?: string;
    state?: RetrievalSessionState;
  }): Promise<RetrievalSession> {
    const { optim, schedules } = await import('@avey/autograd');
    const params = o.model.parameters();
    const optimizer = new optim.AdamW(optim.decayGroups(params, FINETUNE_WEIGHT_DECAY), { lr: o.lr, betas: FINETUNE_BETAS, eps: FINETUNE_EPS });
    if (o.resumeDir) await loadOptimizerState(o.resumeDir, optimizer);
    const scheduler = new optim.LRScheduler(optimizer, schedules.warmupLinear({ warmupFraction: FINETUNE_WARMUP, totalSteps: o.plan.length }));
    if (o.state) scheduler.loadStateDict(o.state.scheduler);
    o.model.train();
    return new RetrievalSession(o.model, o.tokenizer, o.pairs, o.plan, o.padId, o.miniBatch, optimizer, scheduler, params);
  }

  async trainStep(step: number): Promise<StepResult> {
    const T = await import('@avey/tensor');
    const { optim } = await import('@avey/autograd');
    const ab = await import('@avey/avey-b');
    const xs = this.plan[step].map((i) => this.pairs[i]);
    const lr = this.optimizer.lr;
    const embed = ab.meanPoolEmbedder(this.model);
    this.model.train();
    const { loss, gradNorm } = await T.scope(async () => {
      // the loss's gradients are accumulated into the parameters by mnrlStep (backward inside)
      const l = await ab.mnrlStep(
        embed,
        { queries: xs.map((x) => x.q), positives: xs.map((x) => x.p), negatives: xs.flatMap((x) => x.n) },
        { padId: this.padId, ...(this.miniBatch ? { miniBatch: this.miniBatch } : {}) },
      );
      const norm = optim.clipGradNorm(this.params, 1);
      this.optimizer.step();
      this.optimizer.zeroGrad();
      return { loss: l, gradNorm: await norm.itemAsync() };
    });
    this.scheduler.step();
    const tokens = xs.reduce((n, x) => n + x.q.length + x.p.length + x.n.reduce((m, t) => m + t.length, 0), 0);
    return { loss, tokens, lr, gradNorm };
  }

  async save(dir: string): Promise<RetrievalSessionState> {
    const { saveCheckpoint } = await import('@avey/avey-b');
    await saveCheckpoint(dir, this.model);
    this.tokenizer.save(join(dir, 'tokenizer.json'));
    await saveOptimizerState(dir, this.optimizer);
    return { scheduler: this.scheduler.stateDict() };
  }
}
