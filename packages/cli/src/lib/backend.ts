// Backend selection for every command (lazy: imports @avey/tensor only when called).
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
