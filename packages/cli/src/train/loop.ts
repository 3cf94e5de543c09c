// The generic training loop: steps a TrainSession, logs (JSONL + progress), evaluates, saves
// atomic checkpoints, stops on a non-finite loss, and turns Ctrl-C into "save, then exit".
//
// Exact resume: the loop itself holds no randomness. A session must make `trainStep(step)` a pure
// function of its saved state (parameters, optimiser moments, scheduler step, data position, RNG
// state), so that restoring a checkpoint taken after step s and calling trainStep(s), trainStep(s+1)…
// reproduces the uninterrupted run bit for bit on a deterministic backend (CPU).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DivergedError, InterruptedError } from '../errors.js';
import { saveCheckpoint, TRAINER_STATE, type CheckpointInfo } from './checkpoint.js';
import type { JsonlLog, LogRecord } from './jsonl.js';
import type { StepBudget } from './budget.js';
import { Progress, Throughput } from './progress.js';
import { lossCurveSvg } from './svg.js';

export interface StepResult {
  /** Mean training loss of this optimiser step (over its micro-batches). */
  loss: number;
  /** Tokens processed by this step (for tokens/s). */
  tokens: number;
  lr?: number;
  gradNorm?: number;
}

export interface TrainSession {
  /** Performs optimiser update number `step` (0-based). */
  trainStep(step: number): Promise<StepResult>;
  /** Held-out loss; must not touch the training state or its RNG. */
  evalLoss?(): Promise<number>;
  /** A reference loss on the same held-out data (MLM: the unigram of the training tokens seen). */
  referenceLoss?(): number;
  /** Writes the model (HF files) and the optimiser/scheduler/data/RNG state into `dir`.
   *  Returns JSON-able state to store in trainer_state.json under "session". */
  save(dir: string): Promise<Record<string, unknown>>;
  /** A new total step count (wall-time budgets re-plan it as they go); schedules end there. */
  setTotalSteps?(total: number): void;
}

export interface TrainerState {
  format: 'avey-trainer-state';
  version: 1;
  /** Optimiser steps completed. */
  step: number;
  total_steps: number;
  tokens_seen: number;
  elapsed_ms: number;
  /** Budgeted runs: the wall-time budget and how much of it is spent (set-up included). */
  budget_ms?: number;
  budget_spent_ms?: number;
  run: Record<string, unknown>;
  session: Record<string, unknown>;
}

export interface LoopOptions {
  runDir: string;
  totalSteps: number;
  /** Steps already done (0 for a fresh run, the checkpoint's step on resume). */
  startStep: number;
  logInterval: number;
  /** 0 = never (besides the end, when the session can evaluate). */
  evalInterval: number;
  saveInterval: number;
  keep: number;
  log: JsonlLog;
  progress: Progress;
  /** Stored in every trainer_state.json (the command's settings). */
  run: Record<string, unknown>;
  /** Evaluate before the first step (fresh runs). */
  evalAtStart: boolean;
  tokensBefore?: number;
  elapsedBefore?: number;
  /** How to continue, for messages: e.g. "avey pretrain --resume out/run". */
  resumeCommand: string;
  /** Extra advice when the loss diverges. */
  divergeHint?: string;
  /** Handle SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  /** A wall-time budget: the total step count is re-planned after every step (budget.ts). */
  budget?: StepBudget;
}

export interface LoopResult {
  stepsDone: number;
  lastLoss: number;
  evals: Array<[step: number, loss: number]>;
  checkpoint: CheckpointInfo;
  elapsedMs: number;
  tokensSeen: number;
  tokensPerSec: number;
  /** The session's reference loss at the end (when it has one). */
  referenceLoss?: number;
}

/** The loss-curve SVG of a run's log records. */
export function lossSvgFromLog(records: readonly LogRecord[], title: string): string {
  const train = records.filter((r) => typeof r.loss === 'number').map((r) => [r.step, r.loss as number] as const);
  const evals = records.filter((r) => typeof r.eval_loss === 'number').map((r) => [r.step, r.eval_loss as number] as const);
  return lossCurveSvg(
    [
      { name: 'train loss', color: '#1f77b4', points: train },
      { name: 'held-out loss', color: '#d62728', points: evals, markers: true },
    ],
    { title, xLabel: 'optimiser step', yLabel: 'loss' },
  );
}

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function runLoop(session: TrainSession, o: LoopOptions): Promise<LoopResult> {
  const evals: Array<[number, number]> = [];
  const speed = new Throughput();
  let tokensSeen = o.tokensBefore ?? 0;
  const t0 = performance.now();
  const elapsed = () => (o.elapsedBefore ?? 0) + (performance.now() - t0);
  let lastSaved: CheckpointInfo | undefined;
  let lastLoss = NaN;
  let firstLoss = NaN;
  let firstStep = 0;
  let lossAtSave = NaN;
  let step = o.startStep;
  let refLoss: number | undefined;
  let total = o.totalSteps;
  const budget = o.budget;
  const replan = () => {
    if (!budget) return;
    total = budget.plan(step);
    session.setTotalSteps?.(total);
  };

  let stopSignal: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopSignal) {
      const kept = lastSaved ?? (o.startStep > 0 ? { step: o.startStep, dir: 'the one this run resumed from' } : undefined);
      process.stderr.write(
        kept
          ? `\navey: second interrupt, quitting now without saving; the last checkpoint (step ${kept.step}, ${kept.dir}) is intact. Continue with: ${o.resumeCommand}\n`
          : '\navey: second interrupt, quitting now without saving; no checkpoint had been saved yet, so run the same command again to start afresh (the folder is reused).\n',
      );
      process.exit(130);
    }
    stopSignal = sig;
    o.progress.message(`${sig} received: stopping after the current step and saving a checkpoint (press Ctrl-C again to quit at once).`);
  };
  if (o.handleSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  const save = async (): Promise<CheckpointInfo> => {
    const records = o.log.records();
    const svg = lossSvgFromLog(records, `avey training: ${o.runDir}`);
    const info = await saveCheckpoint(
      o.runDir,
      step,
      async (dir) => {
        const sessionState = await session.save(dir);
        const state: TrainerState = {
          format: 'avey-trainer-state',
          version: 1,
          step,
          total_steps: total,
          tokens_seen: tokensSeen,
          elapsed_ms: Math.round(elapsed()),
          ...(budget ? { budget_ms: budget.budgetMs, budget_spent_ms: Math.round(budget.spentMs()) } : {}),
          run: o.run,
          session: sessionState,
        };
        await writeFile(join(dir, TRAINER_STATE), `${JSON.stringify(state, null, 2)}\n`);
        await writeFile(join(dir, 'loss.svg'), svg);
      },
      o.keep,
    );
    await writeFile(join(o.runDir, 'loss.svg'), svg);
    lastSaved = info;
    lossAtSave = lastLoss;
    return info;
  };

  try {
    if (o.evalAtStart && session.evalLoss) {
      const te = performance.now();
      const ev = await session.evalLoss();
      budget?.recordEval(performance.now() - te);
      evals.push([step, ev]);
      o.log.append({ step, eval_loss: ev });
      o.progress.message(`held-out loss before training: ${ev.toFixed(4)}`);
    }
    replan();
    while (step < total) {
      await yieldToEvents(); // lets SIGINT/SIGTERM handlers run between steps
      if (stopSignal) break;
      const ts = performance.now();
      const r = await session.trainStep(step);
      const ms = performance.now() - ts;
      if (!Number.isFinite(r.loss)) {
        // A checkpoint saved while the loss was already exploding is not "good" (e.g. 2e26).
        const sane = !(lossAtSave > Math.max(100, 10 * firstLoss));
        const where = !lastSaved
          ? 'No checkpoint had been saved yet in this run.'
          : sane
            ? `The last good checkpoint is ${lastSaved.dir} (step ${lastSaved.step}); nothing after it was saved.`
            : `The last checkpoint, ${lastSaved.dir} (step ${lastSaved.step}), was saved at a training loss of ${lossAtSave.toPrecision(3)} (against ${firstLoss.toPrecision(3)} at step ${firstStep}): the run had already diverged there, so resuming from it will not help.`;
        throw new DivergedError(
          `training diverged: the loss at step ${step + 1} is ${r.loss}${r.lr !== undefined ? ` (learning rate ${r.lr.toExponential(2)})` : ''}. ` +
            `The run was stopped. ${where} ${o.divergeHint ?? 'Lower the learning rate or lengthen the warmup, then start again.'}`,
        );
      }
      step += 1;
      lastLoss = r.loss;
      if (Number.isNaN(firstLoss)) [firstLoss, firstStep] = [r.loss, step];
      tokensSeen += r.tokens;
      speed.add(ms, r.tokens);
      budget?.recordStep(ms);
      replan();
      const record: LogRecord = { step, loss: r.loss };
      if (r.lr !== undefined) record.lr = r.lr;
      if (r.gradNorm !== undefined) record.grad_norm = r.gradNorm;
      record.tokens = tokensSeen;
      record.ms = Math.round(ms * 10) / 10;
      const last = step >= total;
      let evalLoss: number | undefined;
      if (session.evalLoss && ((o.evalInterval > 0 && step % o.evalInterval === 0) || last)) {
        const te = performance.now();
        evalLoss = await session.evalLoss();
        budget?.recordEval(performance.now() - te);
        // NaN: a session without a held-out set (e.g. finetune niah): no eval loss to show or plot
        if (Number.isNaN(evalLoss)) evalLoss = undefined;
        else {
          evals.push([step, evalLoss]);
          record.eval_loss = evalLoss;
        }
        if (session.referenceLoss) record.unigram_eval_loss = refLoss = session.referenceLoss();
        // memory at every evaluation, to tell a leak (heap or buffers growing) from an allocator
        // that keeps freed pages (only rss growing): docs/cli.md, "Memory over a long run"
        // started with `node --expose-gc`: a full collection first, so heap_mb is the live heap
        (globalThis as { gc?: () => void }).gc?.();
        const m = process.memoryUsage();
        record.rss_mb = Math.round(m.rss / 2 ** 20);
        record.heap_mb = Math.round(m.heapUsed / 2 ** 20);
        record.array_buffers_mb = Math.round(m.arrayBuffers / 2 ** 20);
        const live = (await import('@avey/tensor')).memory();
        record.live_tensors = live.tensors;
        record.live_tensor_mb = Math.round(live.bytes / 2 ** 20);
      }
      if (step % o.logInterval === 0 || last || evalLoss !== undefined) o.log.append(record);
      o.progress.update({
        step,
        loss: r.loss,
        lr: r.lr,
        tokensPerSec: speed.tokensPerSec,
        etaMs: speed.msPerStep * (total - step),
        evalLoss,
        refLoss,
        totalSteps: total,
        timeLeftMs: budget?.timeLeftMs(),
      });
      if (step % o.saveInterval === 0 || last) {
        const tsv = performance.now();
        await save();
        budget?.recordSave(performance.now() - tsv);
      }
    }
    if (stopSignal) {
      if (!lastSaved || lastSaved.step !== step) await save();
      o.progress.done();
      throw new InterruptedError(
        `interrupted at step ${step} of ${total}; saved checkpoint ${lastSaved!.dir}. Continue with: ${o.resumeCommand}`,
      );
    }
  } finally {
    o.progress.done();
    if (o.handleSignals !== false) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  if (!lastSaved) lastSaved = await save(); // resumed a finished run: nothing new, still point at it
  return {
    stepsDone: step,
    lastLoss,
    evals,
    checkpoint: lastSaved,
    elapsedMs: elapsed(),
    tokensSeen,
    tokensPerSec: speed.tokensPerSec,
    referenceLoss: session.referenceLoss ? session.referenceLoss() : undefined,
  };
}
