// Output files of the commands: atomic writes (temp file + rename) whose errors name the path the
// user gave (never the temp name), and an up-front check that an output path can be written.
import { constants as fsConstants, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { access, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FileError } from '../errors.js';

const WHY: Record<string, string> = {
  EROFS: 'is on a read-only file system',
  EACCES: 'is not writable (permission denied)',
  EPERM: 'is not writable (operation not permitted)',
  ENOSPC: 'cannot be written: the disk is full',
  ENOTDIR: 'has a file where a folder is needed',
  EISDIR: 'is a folder, but a file is written there',
};

/** A FileError about output `path` (given as `flag`) for a failed write or check. */
export function outputError(path: string, flag: string, e: unknown): FileError {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const why = WHY[code] ?? `cannot be written (${code || (e as Error).message})`;
  return new FileError(path, `${flag} '${path}' ${why}. Choose another output path.`, { cause: e });
}

/** Checks up front that `path` (a file or folder to create) can be written: the nearest existing
 *  folder at or above it must be writable, and it must not be an existing folder when a file. */
export async function checkOutputPath(path: string, flag: string, kind: 'file' | 'folder'): Promise<void> {
  const abs = resolve(path);
  try {
    const st = await stat(abs);
    if (kind === 'file' && st.isDirectory()) throw outputError(path, flag, Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
    if (kind === 'folder' && !st.isDirectory()) throw new FileError(path, `${flag} '${path}' is a file; a folder is written there. Choose a folder path.`);
  } catch (e) {
    if (e instanceof FileError) throw e;
  }
  let d = kind === 'file' ? dirname(abs) : abs;
  for (;;) {
    try {
      const st = await stat(d);
      if (!st.isDirectory()) throw outputError(path, flag, Object.assign(new Error('ENOTDIR'), { code: 'ENOTDIR' }));
      break;
    } catch (e) {
      if (e instanceof FileError) throw e;
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  try {
    await access(d, fsConstants.W_OK);
  } catch (e) {
    throw outputError(path, flag, e);
  }
  // access() ignores read-only mounts for root: probe by creating (and removing) a file.
  const probe = `${d}/.avey-write-probe-${process.pid}`;
  try {
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (e) {
    throw outputError(path, flag, e);
  }
}

/** Writes `data` to `path` atomically (a temp file beside it, then rename); creates parent folders. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, flag: string): Promise<void> {
  const abs = resolve(path);
  const tmp = `${abs}.tmp-${process.pid}`;
  try {
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, abs);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw outputError(path, flag, e);
  }
}

/** `writeFileAtomic` for synchronous callers (progress callbacks that rewrite a report mid-run). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, flag: string): void {
  const abs = resolve(path);
  const tmp = `${abs}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, abs);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw outputError(path, flag, e);
  }
}

/**
 * Where a command writes its one output file. `--out` is always a folder, and `file` is the name
 * written inside it (`out/outputs.safetensors`). The old form, a path ending in one of
 * `legacyExts` that is not an existing folder, still names the file itself, with a one-line
 * deprecation notice on stderr. Checks up front that the path can be written.
 */
export async function outputFileIn(out: string, file: string, o: { command: string; legacyExts: readonly string[] }): Promise<string> {
  const isFolder = await stat(resolve(out)).then((s) => s.isDirectory(), () => false);
  if (!isFolder && o.legacyExts.some((e) => out.toLowerCase().endsWith(e))) {
    const stem = out.replace(/\.[^./]+$/, '');
    process.stderr.write(`avey ${o.command}: --out ${out} names a file (deprecated): --out is a folder, e.g. --out ${stem} writes ${stem}/${file}\n`);
    await checkOutputPath(out, '--out', 'file');
    return resolve(out);
  }
  await checkOutputPath(out, '--out', 'folder');
  return resolve(out, file);
}
