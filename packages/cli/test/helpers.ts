// Test helpers: run the real `avey` launcher (or a fixture script) in a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = join(CLI_ROOT, '..', '..');
export const BIN = join(CLI_ROOT, 'bin', 'avey.mjs');
export const STANDIN = join(CLI_ROOT, 'test', 'fixtures', 'standin.ts');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const ENV = { ...process.env, CI: 'true', NO_COLOR: '1', TSX_TSCONFIG_PATH: undefined };

/** `avey …args` to completion. */
export function avey(args: string[], opts: { cwd?: string; input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: opts.env ? { ...ENV, ...opts.env } : ENV,
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A TypeScript script (through tsx) to completion. */
export function tsScript(script: string, args: string[], timeoutMs = 60_000): RunResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: ENV,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a process in the background (for kill / Ctrl-C tests). */
export function startProcess(args: string[]): ChildProcess & { out: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: ENV }) as ChildProcess & {
    out: { stdout: string; stderr: string };
  };
  child.out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (child.out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (child.out.stderr += d.toString()));
  return child;
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Polls `cond` every 25 ms until it holds (or throws after `timeoutMs`). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function tempDir(prefix = 'avey-cli-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
