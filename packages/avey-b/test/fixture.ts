// Loads the official PyTorch Avey-B fixtures (/work/shared/fixtures/avey-b, or
// $AVEY_SHARED_DIR/fixtures/avey-b).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '@avey/tensor';
import { safetensors, type Variable } from '@avey/autograd';
import { aveyConfig, formatDiff, namedParams, summarize, type AveyConfig, type AveyHeadModel, type HeadName, type TensorDiff } from '@avey/avey-b';

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

/** The fixture's three official heads: our head name, the fixture's key prefix, its labels tensor. */
export const PARITY_HEADS: readonly { head: HeadName; key: string; labels: string }[] = [
  { head: 'mlm', key: 'mlm', labels: 'input.mlm_labels' },
  { head: 'seqcls', key: 'seqcls', labels: 'input.seqcls_labels' },
  { head: 'tokcls', key: 'tokcls', labels: 'input.tokcls_labels' },
];

/** Sets every parameter of `model` to the fixture's `${key}.param.*` (created on the current
 *  backend), asserting that the names and shapes are the official ones; returns the parameters. */
export function loadFixtureParams(model: AveyHeadModel, fx: Fixture, key: string): Map<string, Variable> {
  const params = namedParams(model);
  const fixtureParams = fx.params(key);
  assert.deepEqual([...params.keys()].sort(), [...fixtureParams.keys()].sort(), 'parameter names must equal the official ones');
  for (const [name, p] of params) {
    const r = fixtureParams.get(name)!;
    assert.deepEqual([...p.shape], [...r.shape], `shape of ${name}`);
    p.value = tensor(r.data as Float32Array, { shape: [...r.shape] });
  }
  return params;
}

/** Prints (through `print`) the one-line summary — `label`, count, worst absolute and relative
 *  errors, worst tensor — then asserts that every compared tensor passes (torch.allclose rule). */
export function assertParity(label: string, diffs: TensorDiff[], print: (line: string) => void): void {
  const rep = summarize(diffs);
  const maxAbs = Math.max(...diffs.map((d) => d.maxAbs));
  const maxRel = Math.max(...diffs.map((d) => d.maxRel));
  print(`[${label}] ${diffs.length} tensors; max abs err ${maxAbs.toExponential(3)}, max rel err ${maxRel.toExponential(3)}; worst: ${formatDiff(rep.worst!)}`);
  const failing = rep.diffs.filter((d) => !d.pass);
  assert.equal(failing.length, 0, `${label} failures (worst first):\n${failing.slice(0, 10).map(formatDiff).join('\n')}`);
}
