// `avey info`: version, runtime, backends (available or why not), presets.
import { cpus, platform, release } from 'node:os';
import type { RawArgs } from '../spec.js';
import { formatCount, formatTable } from '../util/format.js';
import { VERSION } from '../version.js';
import type { BackendRow } from '../lib/backend.js';
import type { PresetRow } from '../lib/models.js';

/** Best effort: each section reports its own failure instead of failing the command. */
async function backends(): Promise<{ rows: BackendRow[]; error?: string; active?: string; warnings: string[] }> {
  try {
    const { probeBackends } = await import('../lib/backend.js');
    return await probeBackends();
  } catch (e) {
    return { rows: [], error: (e as Error).message, warnings: [] };
  }
}

async function presets(): Promise<{ rows: PresetRow[]; error?: string }> {
  try {
    const { listPresets } = await import('../lib/models.js');
    return { rows: await listPresets() };
  } catch (e) {
    return { rows: [], error: (e as Error).message };
  }
}

export async function runInfo(args: RawArgs): Promise<void> {
  const [b, p] = await Promise.all([backends(), presets()]);
  const info = {
    version: VERSION,
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpus: cpus().length,
    backend_requested: args.backend,
    backend_active: b.active ?? null,
    backends: b.rows,
    backends_error: b.error ?? null,
    /** What the backends' native libraries (Dawn) printed while probing: shown with --verbose. */
    backend_probe_messages: b.warnings,
    presets: p.rows,
    presets_error: p.error ?? null,
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  out.push(`avey ${VERSION} (node ${process.version}, ${info.platform}, ${info.cpus} CPUs)`, '');
  out.push('Backends:');
  if (b.error) out.push(`  (could not query the backends: ${b.error})`);
  else {
    out.push(
      formatTable(
        ['backend', 'available', 'detail'],
        b.rows.map((r) => [r.name, r.available ? 'yes' : 'no', r.detail]),
      )
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
    if (b.active) out.push(`  --backend auto selects: ${b.active}`);
    if (b.warnings.length && args.verbose) out.push('  native messages while probing:', ...b.warnings.map((l) => `    ${l}`));
    else if (b.warnings.length) out.push(`  (the WebGPU library printed ${b.warnings.length} native message lines while probing; --verbose shows them)`);
  }
  out.push('', 'Presets:');
  if (p.error) out.push(`  (could not list the presets: ${p.error})`);
  else {
    out.push(
      formatTable(
        ['model', 'preset', 'd', 'layers', 'vocab', 'params', 'other'],
        p.rows.map((r) => [r.model, r.preset, r.d_embed, r.n_layers, r.vocab_size, formatCount(r.parameters), r.extra]),
      )
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
