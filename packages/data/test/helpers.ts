import { existsSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedCorpus, sharedDatasetsDir, REPO_ROOT, trainBpe, type Tokenizer } from '../src/index.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The shared evaluation datasets: $AVEY_SHARED_DIR[/datasets], else <repo>/../shared/datasets. */
export const datasetsDir = sharedDatasetsDir();
export const haveDatasets = existsSync(join(datasetsDir, 'sst2'));
export const ds = (...p: string[]): string => join(datasetsDir, ...p);
// Under CI=true ../shared is always beside the checkout: missing datasets are an error there, not a skip.
if (!haveDatasets && process.env.CI === 'true') {
  throw new Error(`shared datasets not found at ${datasetsDir} (CI=true requires ../shared beside the checkout, or AVEY_SHARED_DIR)`);
}
export const SKIP_DATASETS = haveDatasets ? false : `shared datasets not found at ${datasetsDir} (set AVEY_SHARED_DIR)`;

let cached: Tokenizer | null = null;
/** A small byte-level BPE trained on Moby-Dick's train split (vocab 2000; ~1 s). */
export function smallTokenizer(): Tokenizer {
  if (cached) return cached;
  const { train } = embeddedCorpus(['moby-dick']);
  const texts: string[] = [];
  for (const { doc } of train.iterate()) texts.push(doc.text);
  cached = trainBpe(texts, { vocabSize: 2000 });
  return cached;
}

export function tmpFile(name: string, content: string | Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'avey-data-'));
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

export function tmpDir(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'avey-data-'));
  for (const [n, c] of Object.entries(files)) writeFileSync(join(dir, n), c);
  return dir;
}

if (REPO_ROOT !== repoRoot) throw new Error(`REPO_ROOT ${REPO_ROOT} != ${repoRoot}`);
