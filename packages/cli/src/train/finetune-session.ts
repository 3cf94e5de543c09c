// Fine-tuning as a TrainSession, run by the one training loop (train/loop.ts): the paper's recipe
// (AdamW β=(0.9, 0.95), eps 1e-5, weight decay 0.1 on matrices, linear schedule with 10 % warmup,
// global gradient norm clipped to 1, right-padded batches with an attention mask).
//
// Exact resume: step s of the run reads batch (s mod P) of epoch ⌊s / P⌋ (P batches per epoch),
// whose order is DataRng(mixSeed(seed, epoch)).shuffle(0…n−1). So trainStep(s) depends only on
// the saved state (parameters, AdamW moments, scheduler step) and s: nothing else to store.
// A checkpoint holds config.json + model.safetensors (with the task head) + tokenizer.json +
// optimizer.safetensors; trainer_state.json "session" holds the scheduler state.
import { join } from 'node:path';
import type { AnyHeadModel } from '@avey/avey-b';
import type { Tokenizer } from '@avey/data';
import type { optim as Optim, Variable } from '@avey/autograd';
import { FINETUNE_BETAS, FINETUNE_EPS, FINETUNE_WARMUP, FINETUNE_WEIGHT_DECAY, makeBatch } from '../finetune/train.js';
import type { Example, HeadKind } from '../finetune/tasks.js';
import type { StepResult, TrainSession } from './loop.js';
import { loadOptimizerState, saveOptimizerState } from './optimizer-state.js';

export interface FinetuneSettings {
  lr: number;
  epochs: number;
  batch: number;
  seed: number;
  /** Held-out batches of the dev split per evaluation (dev loss). */
  evalBatches: number;
}

export interface FinetuneSessionState extends Record<string, unknown> {
  scheduler: { stepCount: number; baseLrs: number[] };
}

/** Optimiser steps of a run: ⌈n / batch⌉ per epoch. */
export function finetuneSteps(trainExamples: number, s: Pick<FinetuneSettings, 'batch' | 'epochs'>): number {
  return Math.ceil(trainExamples / s.batch) * s.epochs;
}

export class FinetuneSession implements TrainSession {
  private order: { epoch: number; idx: number[] } | undefined;

  private constructor(
    readonly model: AnyHeadModel,
    readonly tokenizer: Tokenizer,
    private readonly train: readonly Example[],
    private readonly dev: readonly Example[],
    private readonly head: HeadKind,
    private readonly padId: number,
    private readonly optimizer: Optim.AdamW,
    private readonly scheduler: Optim.LRScheduler,
    private readonly params: Variable[],
    private readonly s: FinetuneSettings,
  ) {}

  /** A session over `model` (a task model: encoder + head). With `resumeDir`, the optimiser and
   *  scheduler continue from that checkpoint (the model must already hold its weights). */
  static async create(o: {
    model: AnyHeadModel;
    tokenizer: Tokenizer;
    train: readonly Example[];
    dev: readonly Example[];
    head: HeadKind;
    padId: number;
    settings: FinetuneSettings;
    resumeDir?: string;
    state?: FinetuneSessionState;
  }): Promise<FinetuneSession> {
    const { optim, schedules } = await import('@avey/autograd');
    const params = o.model.parameters();
    const optimizer = new optim.AdamW(optim.decayGroups(params, FINETUNE_WEIGHT_DECAY), { lr: o.settings.lr, betas: FINETUNE_BETAS, eps: FINETUNE_EPS });
    if (o.resumeDir) await loadOptimizerState(o.resumeDir, optimizer);
    const total = finetuneSteps(o.train.length, o.settings);
    const scheduler = new optim.LRScheduler(optimizer, schedules.warmupLinear({ warmupFraction: FINETUNE_WARMUP, totalSteps: total }));
    if (o.state) scheduler.loadStateDict(o.state.scheduler);
    o.model.train();
    return new FinetuneSession(o.model, o.tokenizer, o.train, o.dev, o.head, o.padId, optimizer, scheduler, params, o.settings);
  }

  /** The examples of optimiser step `step` (see the header: a pure function of `step`). */
  async batchOf(step: number): Promise<Example[]> {
    const perEpoch = Math.ceil(this.train.length / this.s.batch);
    const epoch = Math.floor(step / perEpoch);
    if (this.order?.epoch !== epoch) {
      const { DataRng, mixSeed } = await import('@avey/data');
      this.order = { epoch, idx: new DataRng(mixSeed(this.s.seed, epoch)).shuffle(this.train.map((_, i) => i)) };
    }
    const at = (step % perEpoch) * this.s.batch;
    return this.order.idx.slice(at, at + this.s.batch).map((j) => this.train[j]);
  }

  async trainStep(step: number): Promise<StepResult> {
    const T = await import('@avey/tensor');
    const { optim } = await import('@avey/autograd');
    const xs = await this.batchOf(step);
    const lr = this.optimizer.lr;
    this.model.train();
    const { loss, gradNorm } = await T.scope(async () => {
      const b = await makeBatch(xs, this.head, this.padId);
      const out = this.model.forward(b.ids, { labels: b.labels, attentionMask: b.mask });
      out.loss!.backward();
      const norm = optim.clipGradNorm(this.params, 1);
      this.optimizer.step();
      this.optimizer.zeroGrad();
      return { loss: await out.loss!.itemAsync(), gradNorm: await norm.itemAsync() };
    });
    this.scheduler.step();
    const tokens = xs.reduce((n, x) => n + x.ids.length, 0);
    return { loss, tokens, lr, gradNorm };
  }

  /** Mean loss over the first `evalBatches` batches of the dev split (no gradient, eval mode). */
  async evalLoss(): Promise<number> {
    if (this.dev.length === 0) return NaN;
    const T = await import('@avey/tensor');
    const { noGrad } = await import('@avey/autograd');
    this.model.eval();
    let sum = 0;
    let n = 0;
    for (let i = 0; i < this.dev.length && n < this.s.evalBatches; i += this.s.batch, n++) {
      const xs = this.dev.slice(i, i + this.s.batch);
      sum += await T.scope(async () => {
        const b = await makeBatch(xs, this.head, this.padId);
        return noGrad(() => this.model.forward(b.ids, { labels: b.labels, attentionMask: b.mask }).loss!).itemAsync();
      });
    }
    this.model.train();
    return sum / n;
  }

  async save(dir: string): Promise<FinetuneSessionState> {
    const { saveCheckpoint } = await import('@avey/avey-b');
    await saveCheckpoint(dir, this.model);
    this.tokenizer.save(join(dir, 'tokenizer.json'));
    await saveOptimizerState(dir, this.optimizer);
    return { scheduler: this.scheduler.stateDict() };
  }
}
