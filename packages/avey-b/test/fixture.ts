// Loads the official PyTorch Avey-B fixtures (/work/shared/fixtures/avey-b, or
// $AVEY_SHARED_DIR/fixtures/avey-b).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor, type Tensor } from '@avey/tensor';
import { safetensors } from '@avey/autograd';
import { aveyConfig, type AveyConfig } from '@avey/avey-b';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');

export function fixtureDir(): string {
  const shared = process.env.AVEY_SHARED_DIR ?? path.resolve(repoRoot, '../shared');
  return path.join(shared, 'fixtures', 'avey-b');
}

export interface RawT {
  dtype: string;
  shape: readonly number[];
  data: ArrayLike<number>;
}

export interface Fixture {
  config: AveyConfig;
  scalars: Record<string, number>;
  raw: Map<string, RawT>;
  /** A tensor from the fixture (I64 read as int32). */
  t(name: string): Tensor;
  /** `${head}.param.*` as name → raw. */
  params(head: string): Map<string, RawT>;
}

/** Whether the fixtures are here. Under CI=true (where ../shared is always beside the checkout)
 *  a missing fixture is an error, not a skip: the parity tests must really run in CI. */
export function fixtureAvailable(): boolean {
  const ok = fs.existsSync(path.join(fixtureDir(), 'small.safetensors'));
  if (!ok && process.env.CI === 'true') {
    throw new Error(`Avey-B fixtures missing at ${fixtureDir()} (CI=true requires ../shared beside the checkout, or AVEY_SHARED_DIR)`);
  }
  return ok;
}

export function loadFixture(): Fixture {
  const dir = fixtureDir();
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'small.json'), 'utf8')) as {
    config: Record<string, number>;
    scalars: Record<string, number>;
  };
  const raw = safetensors.readRaw(path.join(dir, 'small.safetensors')).tensors as Map<string, RawT>;
  const config = aveyConfig({ ...meta.config, mask_mode: 'official' });
  return {
    config,
    scalars: meta.scalars,
    raw,
    t(name: string) {
      const r = raw.get(name);
      if (!r) throw new Error(`fixture has no tensor ${name}`);
      return tensor(r.data as Float32Array, { dtype: r.dtype as 'float32', shape: [...r.shape] });
    },
    params(head: string) {
      const out = new Map<string, RawT>();
      const prefix = `${head}.param.`;
      for (const [k, v] of raw) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
      return out;
    },
  };
}
