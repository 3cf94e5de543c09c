import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/data/src/io/shared.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/**
 * Folder of the shared evaluation datasets (sst2/, ud-ewt/, …): `$AVEY_SHARED_DIR/datasets` (or
 * `$AVEY_SHARED_DIR` itself if it holds the dataset folders), else `<repo>/../shared/datasets`.
 * These files are read in place, never copied into the repository.
 */
export function sharedDatasetsDir(env: NodeJS.ProcessEnv = process.env): string {
  const o = env.AVEY_SHARED_DIR;
  if (o) {
    const sub = resolve(o, 'datasets');
    return existsSync(sub) || !existsSync(join(o, 'sst2')) ? sub : resolve(o);
  }
  return resolve(REPO_ROOT, '..', 'shared', 'datasets');
}
