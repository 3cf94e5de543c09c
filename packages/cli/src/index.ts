// @avey/cli: the `avey` command (bin/avey.mjs → main.ts) and its reusable pieces. See docs/cli.md.
export { main, runAndExit } from './main.js';
export { buildCli, commandPath } from './cli.js';
export { COMMANDS } from './specs/index.js';
export type { CommandSpec, GroupSpec, OptionSpec, GlobalArgs } from './spec.js';
export { CliError, DivergedError, FileError, InterruptedError, UsageError, formatError, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE } from './errors.js';
export { generateReference, spliceReference } from './docs.js';

// training infrastructure (src/train/)
export { runLoop, lossSvgFromLog, type LoopOptions, type LoopResult, type StepResult, type TrainSession, type TrainerState } from './train/loop.js';
export { runJob, printJobSummary, readTrainerState, type JobOptions, type JobResult, type JobSettings, type ResumePoint } from './train/job.js';
export {
  saveCheckpoint, listCheckpoints, latestCheckpoint, applyRetention, cleanStaleTemp, resolveCheckpoint, checkpointName,
  CHECKPOINTS_DIR, TRAINER_STATE, type CheckpointInfo,
} from './train/checkpoint.js';
export { JsonlLog, readLog, type LogRecord } from './train/jsonl.js';
export { Progress, Throughput, type ProgressOptions, type ProgressStats } from './train/progress.js';
export { lossCurveSvg, niceTicks, type Series, type ChartOptions } from './train/svg.js';
export { MlmSession, maskedMlmLoss, type MlmSettings, type MlmSessionState } from './train/mlm-session.js';
