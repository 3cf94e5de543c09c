// Backend selection for every command (lazy: imports @avey/tensor only when called).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';

export interface BackendRow {
  name: string;
  available: boolean;
  /** Why not, when unavailable; notes (emulated, priority) otherwise. */
  detail: string;
}

/** Every backend this build knows, whether it initialises here and why not, and what
 *  `--backend auto` picks. */
export async function listBackends(): Promise<{ rows: BackendRow[]; active?: string }> {
  const t = await import('@avey/tensor');
  const info = await t.backendInfo();
  const known = new Set(info.map((b) => b.name));
  const rows: BackendRow[] = info.map((b) => ({
    name: b.name,
    available: b.available,
    detail: b.available
      ? `priority ${b.priority}${b.emulated ? `; emulated on the CPU (${b.emulated}), so auto skips it` : b.autoSkip ? `; auto skips it: ${b.autoSkip}` : ''}`
      : (b.reason ?? 'failed to initialise'),
  }));
  for (const name of ['webgpu', 'gpujs', 'cpu']) {
    if (!known.has(name)) rows.push({ name, available: false, detail: 'not registered in this build of @avey/tensor' });
  }
  let active: string | undefined;
  try {
    active = (await t.setBackend('auto')).name;
  } catch {
    active = undefined;
  }
  return { rows, active };
}

/**
 * listBackends() run in a child process, so that the native warnings WebGPU's Dawn library
 * writes to file descriptor 2 while it probes are captured instead of reaching the terminal.
 * `warnings`: those lines. Falls back to probing in this process if the child fails.
 */
export async function probeBackends(): Promise<{ rows: BackendRow[]; active?: string; warnings: string[] }> {
  const entry = fileURLToPath(new URL(`./probe-backends${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  const loader = import.meta.url.endsWith('.ts') ? ['--import', import.meta.resolve('tsx/esm')] : [];
  const r = spawnSync(process.execPath, [...process.execArgv, ...loader, entry], { encoding: 'utf8', timeout: 120_000, env: process.env });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as { rows: BackendRow[]; active?: string };
    const warnings = (r.stderr ?? '').split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
    return { ...parsed, warnings };
  } catch {
    return { ...(await listBackends()), warnings: [] };
  }
}

/** Selects the backend named by --backend; an unavailable one is a usage error saying why.
 *  Only the requested backend is initialised (so `--backend cpu` never touches the GPU). */
export async function setupBackend(name: string, command?: string): Promise<string> {
  const t = await import('@avey/tensor');
  try {
    return (await t.setBackend(name)).name;
  } catch (e) {
    if (!(e instanceof t.BackendError)) throw e;
    const why = e.message.replace(/^setBackend: /, '');
    throw new UsageError(
      `--backend ${name} cannot be used here: ${why}. Use --backend cpu${name === 'auto' ? '' : ' (or auto)'}; \`avey info\` lists what works on this machine.`,
      command,
    );
  }
}
