// A training job around the loop: sets up (or resumes) the run folder, opens the JSONL log,
// builds the session, runs the loop, and prints the summary (text or --json).
//
// Run folder:
//   run.json          the settings of the run (what `--resume` reuses)
//   log.jsonl         one record per logged step: {step, loss, lr, grad_norm, tokens, ms, eval_loss?}
//   loss.svg          the loss curve (also copied into every checkpoint)
//   checkpoints/step-NNNNNN/  config.json, model.safetensors, optimizer + trainer state, loss.svg
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FileError, UsageError } from '../errors.js';
import { checkOutputPath } from '../lib/files.js';
import { formatDuration } from '../util/format.js';
import { CHECKPOINTS_DIR, cleanStaleTemp, listCheckpoints, resolveCheckpoint, TRAINER_STATE } from './checkpoint.js';
import { StepBudget } from './budget.js';
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
  /** Fixed runs: the total; budgeted runs: the latest planned total (re-planned as the run goes). */
  totalSteps: number;
  /** A wall-time budget in milliseconds (`--budget`): the total step count is planned to fit it. */
  budgetMs?: number;
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
  /** With --resume, a new total step count (e.g. to train longer); a budgeted run becomes a fixed one. */
  stepsOverride?: number;
  /** With --resume, a new total wall-time budget in milliseconds (a fixed run becomes a budgeted one). */
  budgetOverrideMs?: number;
  /** performance.now() at the command's start: a budget counts from there (default: now). */
  startedAt?: number;
  json: boolean;
  progressMode?: 'bar' | 'lines' | 'silent';
  /** Builds the session: fresh from `settings.run`, or restored from `resume`. */
  createSession(settings: JobSettings, resume: ResumePoint | undefined): Promise<TrainSession>;
  divergeHint?: string;
  /** How to continue this run, for messages (default: `avey <command> --resume <dir>`). */
  resumeCommand?: (runDir: string) => string;
  /** Extra fields for the --json summary / text summary lines. */
  describe?: () => Record<string, unknown>;
}

export interface JobResult extends LoopResult {
  runDir: string;
  /** The run's wall-time budget, when it had one. */
  budgetMs?: number;
}

export function readTrainerState(dir: string): TrainerState {
  const p = join(dir, TRAINER_STATE);
  let state: TrainerState;
  try {
    state = JSON.parse(readFileSync(p, 'utf8')) as TrainerState;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `is not valid JSON (${(e as Error).message})`;
    throw new FileError(p, `the checkpoint's training state '${p}' ${why}. Only checkpoints written by \`avey pretrain\` or \`avey finetune\` can be resumed (they include trainer_state.json).`, { cause: e });
  }
  if (!state || typeof state !== 'object' || state.format !== 'avey-trainer-state') {
    throw new FileError(p, `'${p}' is not an avey training state (format "${String((state as Partial<TrainerState> | null)?.format)}"). Pass a checkpoint folder written by \`avey pretrain\` or \`avey finetune\`.`);
  }
  const bad = (field: string, why: string) =>
    new FileError(p, `the training state '${p}' is damaged: ${field} ${why}. Nothing was changed; resume from another checkpoint of the run (checkpoints/step-*) or start a new run.`);
  const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!count(state.step)) throw bad('"step"', `is ${JSON.stringify(state.step)}, not a whole number ≥ 0`);
  if (!count(state.total_steps) || state.total_steps < state.step) throw bad('"total_steps"', `is ${JSON.stringify(state.total_steps)}, not a whole number ≥ step ${state.step}`);
  for (const k of ['tokens_seen', 'elapsed_ms'] as const) {
    if (typeof state[k] !== 'number' || !Number.isFinite(state[k]) || state[k] < 0) throw bad(`"${k}"`, `is ${JSON.stringify(state[k])}, not a number ≥ 0`);
  }
  const run = state.run as { job?: unknown; settings?: unknown } | undefined;
  if (!run || typeof run.job !== 'object' || !run.job || typeof run.settings !== 'object' || !run.settings) throw bad('"run"', 'lacks the run\'s settings ("job" and "settings")');
  if (!state.session || typeof state.session !== 'object') throw bad('"session"', 'is missing');
  const named = /^step-(\d+)$/.exec(basename(dir));
  if (named && Number(named[1]) !== state.step) throw bad('"step"', `is ${state.step} but the folder is ${basename(dir)}`);
  return state;
}

/** What a fresh run may do with its --out folder: 'absent', 'empty', 'restart' (a run that
 *  stopped before its first checkpoint: only our own files), or a refusal. Checked before any work. */
export async function checkFreshOutDir(outDir: string, command: string, resumeHint: string): Promise<'absent' | 'empty' | 'restart'> {
  const dir = resolve(outDir);
  let entries: string[];
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new UsageError(`--out '${outDir}' is a file; the output is a folder. Choose a folder path.`, command);
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      await checkOutputPath(outDir, '--out', 'folder');
      return 'absent';
    }
    throw e;
  }
  if (entries.length === 0) {
    await checkOutputPath(outDir, '--out', 'folder');
    return 'empty';
  }
  if ((await listCheckpoints(dir)).length > 0 || entries.includes('metrics.json') || entries.includes('sweep.json')) {
    throw new UsageError(`the output folder '${dir}' already holds a training run. Continue it with \`${resumeHint}\`, or choose a new --out folder.`, command);
  }
  const ours = new Set(['run.json', 'log.jsonl', 'loss.svg', CHECKPOINTS_DIR]);
  const foreign = entries.filter((f) => !ours.has(f));
  if (foreign.length > 0) {
    throw new UsageError(
      `the output folder '${dir}' is not empty and holds no training run (it has ${foreign.slice(0, 3).map((f) => `'${f}'`).join(', ')}${foreign.length > 3 ? ', …' : ''}). Choose a new or empty --out folder.`,
      command,
    );
  }
  await checkOutputPath(outDir, '--out', 'folder');
  return 'restart';
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
  const resumeCommand = o.resumeCommand ?? ((d: string) => `avey ${settings.command} --resume ${d}`);
  let session: TrainSession;
  let createdDir = false;

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
      settings = { ...settings, totalSteps: o.stepsOverride, budgetMs: undefined };
    }
    if (o.budgetOverrideMs !== undefined) {
      const spent = state.budget_spent_ms ?? state.elapsed_ms;
      if (o.budgetOverrideMs <= spent) {
        throw new UsageError(`--budget ${formatDuration(o.budgetOverrideMs)} is not more than the ${formatDuration(spent)} this run has already spent; give a larger total budget or leave --budget out.`, o.settings.command);
      }
      settings = { ...settings, budgetMs: o.budgetOverrideMs };
    }
    // a budgeted run continues with its latest planned total (its schedule state refers to it)
    if (settings.budgetMs !== undefined) settings = { ...settings, totalSteps: Math.max(state.total_steps, state.step) };
    resumePoint = { dir, state };
    progress = new Progress({ totalSteps: settings.totalSteps, mode: o.progressMode, lineEveryMs: settings.budgetMs && settings.budgetMs / 20 });
    // Everything the run needs is read (and so validated) before anything in the folder changes.
    session = await o.createSession(settings, resumePoint);
    await mkdir(runDir, { recursive: true });
    await cleanStaleTemp(runDir);
    await setAsideNewer(runDir, state.step, progress);
    progress.message(`resuming ${dir} at step ${state.step}/${settings.totalSteps}`);
  } else {
    runDir = resolve(o.outDir);
    const mode = await checkFreshOutDir(o.outDir, settings.command, resumeCommand(o.outDir));
    progress = new Progress({ totalSteps: settings.totalSteps, mode: o.progressMode, lineEveryMs: settings.budgetMs && settings.budgetMs / 20 });
    if (mode === 'restart') {
      progress.message(`note: '${runDir}' holds a run stopped before its first checkpoint; starting it afresh there`);
      for (const f of ['log.jsonl', 'loss.svg', 'run.json', CHECKPOINTS_DIR]) await rm(join(runDir, f), { recursive: true, force: true });
    }
    createdDir = mode === 'absent';
    try {
      session = await o.createSession(settings, undefined);
    } catch (e) {
      // Nothing was written yet: leave no empty run folder behind (e.g. a --corpus that fails).
      if (createdDir) await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
      throw e;
    }
    await mkdir(runDir, { recursive: true });
  }

  const { run: runSettings, ...job } = settings;
  const runInfo = { job, settings: runSettings };
  await writeFile(join(runDir, 'run.json'), `${JSON.stringify(runInfo, null, 2)}\n`);
  const log = JsonlLog.open(join(runDir, 'log.jsonl'), resumePoint ? resumePoint.state.step : undefined);
  const startStep = resumePoint?.state.step ?? 0;
  const budget =
    settings.budgetMs === undefined
      ? undefined
      : new StepBudget({
          budgetMs: settings.budgetMs,
          spentBeforeMs: resumePoint ? resumePoint.state.budget_spent_ms ?? resumePoint.state.elapsed_ms : 0,
          startedAt: o.startedAt ?? performance.now(),
          evalInterval: settings.evalInterval,
          saveInterval: settings.saveInterval,
          initialTotal: settings.totalSteps,
        });
  if (budget) {
    progress.message(
      `${resumePoint ? 'continuing' : 'training'} for ${formatDuration(Math.max(0, budget.timeLeftMs()))} more of a ${formatDuration(budget.budgetMs)} budget` +
        ' (steps planned from the measured step time, re-planned as it goes)' + (resumePoint ? '' : `, writing to ${runDir}`),
    );
  } else if (!resumePoint) progress.message(`training for ${settings.totalSteps} steps, writing to ${runDir}`);

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
    resumeCommand: resumeCommand(runDir),
    divergeHint: o.divergeHint,
    budget,
  });
  return { ...result, runDir, budgetMs: settings.budgetMs };
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
    ...(r.budgetMs !== undefined ? { budget_s: r.budgetMs / 1000 } : {}),
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
