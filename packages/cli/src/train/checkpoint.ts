// Atomic checkpoints with retention.
//
// Layout of a run folder:
//   <run>/checkpoints/step-000120/   one complete checkpoint (HF files + training state)
//   <run>/checkpoints/.tmp-…         a checkpoint being written (ignored, cleaned on start)
//
// A checkpoint is written into a temp folder, every file and the folder are fsynced, then the
// folder is renamed into place (rename is atomic on POSIX) and the parent folder fsynced. A kill at
// any moment therefore leaves either the old set of checkpoints or the old set plus the new one.
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileError } from '../errors.js';

export const CHECKPOINTS_DIR = 'checkpoints';
/** The training state file every checkpoint holds (besides config.json + model.safetensors). */
export const TRAINER_STATE = 'trainer_state.json';
const STEP_RE = /^step-(\d+)$/;

export function checkpointName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } catch (e) {
    // Some platforms cannot fsync a directory; the data files were still synced.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await fh.close();
  }
}

async function fsyncTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await fsyncTree(p);
    else if (e.isFile()) await fsyncPath(p);
  }
  await fsyncPath(dir);
}

export interface CheckpointInfo {
  step: number;
  dir: string;
}

/** Complete checkpoints of a run, oldest first. */
export async function listCheckpoints(runDir: string): Promise<CheckpointInfo[]> {
  const root = join(runDir, CHECKPOINTS_DIR);
  if (!existsSync(root)) return [];
  const out: CheckpointInfo[] = [];
  for (const name of await readdir(root)) {
    const m = STEP_RE.exec(name);
    if (m) out.push({ step: Number(m[1]), dir: join(root, name) });
  }
  return out.sort((a, b) => a.step - b.step);
}

export async function latestCheckpoint(runDir: string): Promise<CheckpointInfo | undefined> {
  const all = await listCheckpoints(runDir);
  return all[all.length - 1];
}

/** Removes temp folders left by a writer that was killed. */
export async function cleanStaleTemp(runDir: string): Promise<void> {
  const root = join(runDir, CHECKPOINTS_DIR);
  if (!existsSync(root)) return;
  for (const name of await readdir(root)) {
    if (name.startsWith('.tmp-') || name.startsWith('.trash-')) await rm(join(root, name), { recursive: true, force: true });
  }
}

/**
 * Writes checkpoint `step` of the run atomically. `write(tmpDir)` fills a fresh temp folder;
 * afterwards all but the `keep` newest checkpoints are deleted (keep ≥ 1).
 */
export async function saveCheckpoint(
  runDir: string,
  step: number,
  write: (tmpDir: string) => Promise<void>,
  keep: number,
): Promise<CheckpointInfo> {
  const root = join(runDir, CHECKPOINTS_DIR);
  await mkdir(root, { recursive: true });
  const name = checkpointName(step);
  const tmp = join(root, `.tmp-${name}-${process.pid}-${Date.now()}`);
  await mkdir(tmp);
  try {
    await write(tmp);
    await fsyncTree(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const final = join(root, name);
  if (existsSync(final)) {
    // Same step saved again (e.g. Ctrl-C right after a scheduled save): swap it out.
    const trash = join(root, `.trash-${name}-${process.pid}-${Date.now()}`);
    await rename(final, trash);
    await rename(tmp, final);
    await rm(trash, { recursive: true, force: true });
  } else {
    await rename(tmp, final);
  }
  await fsyncPath(root);
  await applyRetention(runDir, keep);
  return { step, dir: final };
}

/** Deletes all but the `keep` newest checkpoints (each one renamed away first, then removed). */
export async function applyRetention(runDir: string, keep: number): Promise<void> {
  const all = await listCheckpoints(runDir);
  const root = join(runDir, CHECKPOINTS_DIR);
  for (const c of all.slice(0, Math.max(0, all.length - Math.max(1, keep)))) {
    const trash = join(root, `.trash-${checkpointName(c.step)}-${process.pid}`);
    await rename(c.dir, trash);
    await rm(trash, { recursive: true, force: true });
  }
}

/**
 * Resolves what the user passed to --resume / --checkpoint: a checkpoint folder itself (it holds
 * `marker`, e.g. config.json), a run folder (its newest checkpoint), or a fine-tuning output folder
 * (its model/ folder).
 */
export async function resolveCheckpoint(path: string, flag: string, marker = 'config.json'): Promise<string> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new FileError(path, `${flag} '${path}' does not exist. Pass a run folder written by \`avey pretrain --out\` or one of its checkpoints/step-* folders.`);
  }
  if (!st.isDirectory()) {
    throw new FileError(path, `${flag} '${path}' is a file, but a checkpoint folder was expected (one holding ${marker}). Pass the folder instead.`);
  }
  if (existsSync(join(path, marker))) return path;
  const latest = await latestCheckpoint(path);
  if (latest) return latest.dir;
  // A fine-tuning output folder (`avey finetune --out`): metrics.json beside the model in model/.
  if (existsSync(join(path, 'model', marker))) return join(path, 'model');
  throw new FileError(
    path,
    `${flag} '${path}' holds no checkpoint: it has neither ${marker} nor a ${CHECKPOINTS_DIR}/step-* folder (nor a fine-tuned model/ folder). Pass a run folder written by \`avey pretrain --out\` or a checkpoint folder.`,
  );
}
