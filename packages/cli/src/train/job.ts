// A training job around the loop: sets up (or resumes) the run folder, opens the JSONL log,
// builds the session, runs the loop, and prints the summary (text or --json).
//
// Run folder:
//   run.json          the settings of the run (what `--resume` reuses)
//   log.jsonl         one record per logged step: {step, loss, lr, grad_norm, tokens, ms, eval_loss?}
//   loss.svg          the loss curve (also copied into every checkpoint)
//   checkpoints/step-NNNNNN/  config.json, model.safetensors, optimizer + trainer state, loss.svg
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FileError, UsageError } from '../errors.js';
import { formatDuration } from '../util/format.js';
import { CHECKPOINTS_DIR, cleanStaleTemp, listCheckpoints, resolveCheckpoint, TRAINER_STATE } from './checkpoint.js';
import { JsonlLog } from './jsonl.js';
import { runLoop, type LoopResult, type TrainerState, type TrainSession } from './loop.js';
import { Progress } from './progress.js';

export interface ResumePoint {
  /** The checkpoint folder being resumed. */
  dir: string;
  state: TrainerState;
}

export interface JobSettings {
  /** Command name for messages, e.g. "pretrain". */
  command: string;
  totalSteps: number;
  logInterval: number;
  evalInterval: number;
  saveInterval: number;
  keep: number;
  /** Everything needed to rebuild the session (model config, data, optimiser settings…). */
  run: Record<string, unknown>;
}

export interface JobOptions {
  settings: JobSettings;
  /** Fresh run: the folder to create. Ignored when resuming (the run folder is reused). */
  outDir: string;
  /** --resume: a run folder or one of its checkpoints. */
  resume?: string;
  /** With --resume, a new total step count (e.g. to train longer). */
  stepsOverride?: number;
  json: boolean;
  progressMode?: 'bar' | 'lines' | 'silent';
  /** Builds the session: fresh from `settings.run`, or restored from `resume`. */
  createSession(settings: JobSettings, resume: ResumePoint | undefined): Promise<TrainSession>;
  divergeHint?: string;
  /** Extra fields for the --json summary / text summary lines. */
  describe?: () => Record<string, unknown>;
}

export interface JobResult extends LoopResult {
  runDir: string;
}

export function readTrainerState(dir: string): TrainerState {
  const p = join(dir, TRAINER_STATE);
  let state: TrainerState;
  try {
    state = JSON.parse(readFileSync(p, 'utf8')) as TrainerState;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `is not valid JSON (${(e as Error).message})`;
    throw new FileError(p, `the checkpoint's training state '${p}' ${why}. Only checkpoints written by \`avey pretrain\` can be resumed (they include trainer_state.json).`, { cause: e });
  }
  if (state.format !== 'avey-trainer-state' || typeof state.step !== 'number') {
    throw new FileError(p, `'${p}' is not an avey training state (format "${String(state.format)}"). Pass a checkpoint folder written by \`avey pretrain\`.`);
  }
  return state;
}

/** Moves checkpoints newer than `step` aside: resuming from an older checkpoint forks the run. */
async function setAsideNewer(runDir: string, step: number, progress: Progress): Promise<void> {
  for (const c of await listCheckpoints(runDir)) {
    if (c.step > step) {
      const to = join(runDir, CHECKPOINTS_DIR, `abandoned-${basename(c.dir)}-${Date.now()}`);
      await rename(c.dir, to);
      progress.message(`note: resuming from step ${step}, so the newer checkpoint ${c.dir} was moved to ${to}`);
    }
  }
}

export async function runJob(o: JobOptions): Promise<JobResult> {
  let settings = o.settings;
  let runDir: string;
  let resumePoint: ResumePoint | undefined;
  let progress: Progress;

  if (o.resume) {
    const dir = await resolveCheckpoint(o.resume, '--resume', TRAINER_STATE);
    const state = readTrainerState(dir);
    // <run>/checkpoints/step-N → <run>; a checkpoint copied elsewhere continues in --out.
    runDir = basename(dirname(dir)) === CHECKPOINTS_DIR ? dirname(dirname(dir)) : resolve(o.outDir);
    settings = { ...(state.run.job as JobSettings), run: state.run.settings as Record<string, unknown> };
    if (o.stepsOverride !== undefined) {
      if (o.stepsOverride < state.step) {
        throw new UsageError(`--steps ${o.stepsOverride} is below the checkpoint's step ${state.step}; give a larger total or leave --steps out.`, o.settings.command);
      }
      settings = { ...settings, totalSteps: o.stepsOverride };
    }
    resumePoint = { dir, state };
    progress = new Progress({ totalSteps: settings.totalSteps, mode: o.progressMode });
    await mkdir(runDir, { recursive: true });
    await cleanStaleTemp(runDir);
    await setAsideNewer(runDir, state.step, progress);
    progress.message(`resuming ${dir} at step ${state.step}/${settings.totalSteps}`);
  } else {
    runDir = resolve(o.outDir);
    if (existsSync(runDir) && (await readdir(runDir)).some((f) => f === CHECKPOINTS_DIR || f === 'log.jsonl')) {
      throw new UsageError(
        `the output folder '${runDir}' already holds a training run. Continue it with \`avey ${settings.command} --resume ${o.outDir}\`, or choose a new --out folder.`,
        settings.command,
      );
    }
    await mkdir(runDir, { recursive: true });
    progress = new Progress({ totalSteps: settings.totalSteps, mode: o.progressMode });
  }

  const { run: runSettings, ...job } = settings;
  const runInfo = { job, settings: runSettings };
  await writeFile(join(runDir, 'run.json'), `${JSON.stringify(runInfo, null, 2)}\n`);
  const log = JsonlLog.open(join(runDir, 'log.jsonl'), resumePoint ? resumePoint.state.step : undefined);
  const session = await o.createSession(settings, resumePoint);
  const startStep = resumePoint?.state.step ?? 0;
  if (!resumePoint) progress.message(`training for ${settings.totalSteps} steps, writing to ${runDir}`);

  const result = await runLoop(session, {
    runDir,
    totalSteps: settings.totalSteps,
    startStep,
    logInterval: settings.logInterval,
    evalInterval: settings.evalInterval,
    saveInterval: settings.saveInterval,
    keep: settings.keep,
    log,
    progress,
    run: runInfo,
    evalAtStart: !resumePoint,
    tokensBefore: resumePoint?.state.tokens_seen,
    elapsedBefore: resumePoint?.state.elapsed_ms,
    resumeCommand: `avey ${settings.command} --resume ${runDir}`,
    divergeHint: o.divergeHint,
  });
  return { ...result, runDir };
}

/** The end-of-run summary: a JSON document or a few human lines (stdout). */
export function printJobSummary(r: JobResult, json: boolean, extra: Record<string, unknown> = {}): void {
  const first = r.evals[0];
  const last = r.evals[r.evals.length - 1];
  const summary = {
    run_dir: r.runDir,
    checkpoint: r.checkpoint.dir,
    steps: r.stepsDone,
    final_train_loss: r.lastLoss,
    final_eval_loss: last ? last[1] : null,
    ...(r.referenceLoss !== undefined ? { unigram_eval_loss: r.referenceLoss } : {}),
    eval_losses: r.evals.map(([step, loss]) => ({ step, loss })),
    tokens_seen: r.tokensSeen,
    elapsed_s: Math.round(r.elapsedMs) / 1000,
    tokens_per_s: Math.round(r.tokensPerSec),
    log: join(r.runDir, 'log.jsonl'),
    loss_curve: join(r.runDir, 'loss.svg'),
    ...extra,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const lines = [`done: ${r.stepsDone} steps in ${formatDuration(r.elapsedMs)} (${summary.tokens_per_s} tokens/s)`];
  if (first && last && last[0] !== first[0]) {
    lines.push(`held-out loss: ${first[1].toFixed(4)} (step ${first[0]}) -> ${last[1].toFixed(4)} (step ${last[0]})`);
  } else if (last) {
    lines.push(`held-out loss: ${last[1].toFixed(4)} (step ${last[0]})`);
  }
  if (last && r.referenceLoss !== undefined && Number.isFinite(r.referenceLoss)) {
    const gap = last[1] - r.referenceLoss;
    const verdict = gap < 0 ? 'below it: the model uses the context' : 'not below it: the model has not learned more than token frequencies';
    lines.push(`unigram reference: ${r.referenceLoss.toFixed(4)} (held-out ${gap < 0 ? '−' : '+'}${Math.abs(gap).toFixed(4)} nats, ${verdict})`);
  }
  lines.push(`checkpoint: ${r.checkpoint.dir}`, `log: ${summary.log}`, `loss curve: ${summary.loss_curve}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
