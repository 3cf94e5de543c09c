// Training-trajectory parity with PyTorch: `avey pretrain --init --batches …` replays 25 AdamW steps
// of the official model (torch.optim.AdamW, clip_grad_norm_, 0-based warmup-cosine; the fixture's
// recipe) through the CLI's own optimiser / clipping / schedule code, and must match the per-step
// loss, pre-clip gradient norm, learning rate and the final weights to 2e-3 relative, on the CPU
// backend and on WebGPU / gpu.js where this machine has them. Then: bad --init / --batches input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { safetensors } from '@avey/autograd';
import { tensor } from '@avey/tensor';
import { avey, tempDir } from './helpers.js';
import { compareRun, formatErrors, replayArgs, trajectoryAvailable, writeInitFolder, TRAJ_FILE } from './fixtures/trajectory.js';

const TOL = 2e-3;
const { dir: TMP, cleanup } = tempDir('avey-trajectory-test-');
process.on('exit', cleanup);
const here = trajectoryAvailable();
const INIT = join(TMP, 'init');

/** Backends that initialise here (from `avey info --json`, in a child process). */
function availableBackends(): Set<string> {
  const r = avey(['info', '--json']);
  if (r.code !== 0) return new Set(['cpu']);
  const info = JSON.parse(r.stdout) as { backends: Array<{ name: string; available: boolean }> };
  return new Set(info.backends.filter((b) => b.available).map((b) => b.name));
}
const backends = here ? availableBackends() : new Set<string>();

for (const backend of ['cpu', 'webgpu', 'gpujs']) {
  const skip = !here ? 'trajectory fixture absent (../shared/fixtures/avey-b)' : !backends.has(backend) ? `${backend} is not available here (see \`avey info\`)` : false;
  test(`${backend}: 25 PyTorch AdamW steps replayed by avey pretrain --init --batches match to ${TOL} relative`, { skip, timeout: 300_000 }, async (t) => {
    await writeInitFolder(INIT);
    const out = join(TMP, `run-${backend}`);
    const r = avey(replayArgs(INIT, out, backend), { timeoutMs: 240_000 });
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { steps: number; checkpoint: string };
    assert.equal(summary.steps, 25);
    const e = compareRun(out);
    const line = formatErrors(backend, e);
    t.diagnostic(line);
    console.log(line);
    for (const k of ['loss', 'grad_norm', 'lr', 'weights'] as const) assert.ok(e[k].value <= TOL, `${k}: ${line}`);
  });
}

test('cpu: a replay stopped at step 10 and resumed from its checkpoint ends on the same trajectory', { skip: !here && 'trajectory fixture absent', timeout: 300_000 }, async (t) => {
  await writeInitFolder(INIT);
  const out = join(TMP, 'run-resume');
  const args = replayArgs(INIT, out, 'cpu');
  args[args.indexOf('--save-interval') + 1] = '10';
  let r = avey([...args, '--keep', '5']);
  assert.equal(r.code, 0, r.stderr);
  r = avey(['pretrain', '--resume', join(out, 'checkpoints', 'step-000010'), '--backend', 'cpu', '--json']);
  assert.equal(r.code, 0, r.stderr);
  // the uninterrupted run's step-25 checkpoint was moved aside: the resumed weights equal it bit for bit
  const aside = readdirSync(join(out, 'checkpoints')).find((d) => d.startsWith('abandoned-step-000025'));
  assert.ok(aside, 'the first run\'s step-25 checkpoint is kept aside');
  assert.ok(readFileSync(join(out, 'checkpoints', aside, 'model.safetensors')).equals(readFileSync(join(out, 'checkpoints', 'step-000025', 'model.safetensors'))), 'bit-identical final weights after resume');
  const e = compareRun(out);
  const line = formatErrors('cpu, resumed at step 10', e);
  t.diagnostic(line);
  for (const k of ['loss', 'grad_norm', 'lr', 'weights'] as const) assert.ok(e[k].value <= TOL, `${k}: ${line}`);
});

test('bad --batches / --init / warmup flags: clear errors naming the flag or file, exit 2 for usage', { skip: !here && 'trajectory fixture absent', timeout: 240_000 }, async () => {
  await writeInitFolder(INIT);
  const base = (extra: string[]) => ['pretrain', '--backend', 'cpu', '--init', INIT, '--steps', '3', '--out', join(TMP, `bad-${Math.random().toString(36).slice(2)}`), ...extra];
  // a missing file
  let r = avey(base(['--batches', join(TMP, 'nope.safetensors')]));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /--batches '.*nope\.safetensors'.*no such file/);
  // float ids
  const floats = join(TMP, 'floats.safetensors');
  await safetensors.write(floats, new Map([
    ['input_ids', tensor(new Float32Array(12), { dtype: 'float32', shape: [2, 2, 3] })],
    ['labels', tensor(new Int32Array(12), { dtype: 'int32', shape: [2, 2, 3] })],
  ]));
  r = avey(base(['--batches', floats]));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /--batches .*'input_ids' must hold integers/);
  // ids beyond the model's vocabulary (97)
  const big = join(TMP, 'big.safetensors');
  const ids = new Int32Array(12).fill(5);
  ids[7] = 500;
  await safetensors.write(big, new Map([
    ['input_ids', tensor(ids, { dtype: 'int32', shape: [2, 2, 3] })],
    ['labels', tensor(new Int32Array(12).fill(-100), { dtype: 'int32', shape: [2, 2, 3] })],
  ]));
  r = avey(base(['--batches', big, '--steps', '2']));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--batches .*token id 500 \(batch 1, sequence 0, token 1\).*vocab_size 97/);
  // more steps than batches
  r = avey(base(['--batches', TRAJ_FILE, '--steps', '30']));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /holds 25 batches but --steps 30 needs 30/);
  // both warmup flags
  r = avey(base(['--batches', TRAJ_FILE, '--warmup-ratio', '0.2', '--warmup-steps', '1']));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--warmup-ratio .*--warmup-steps/);
  // --init: not a checkpoint folder; a folder without tokenizer.json and no --batches
  mkdirSync(join(TMP, 'empty'), { recursive: true });
  r = avey(['pretrain', '--backend', 'cpu', '--init', join(TMP, 'empty'), '--steps', '1', '--out', join(TMP, 'bad-init')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /--init '.*empty' is not a checkpoint folder/);
  r = avey(['pretrain', '--backend', 'cpu', '--init', INIT, '--steps', '1', '--out', join(TMP, 'bad-tok')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /--init '.*init' has no tokenizer\.json/);
  // no stack traces anywhere
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  // sanity: a copy of the init folder with an unknown config key still trains (warning only)
  const warnDir = join(TMP, 'init-warn');
  mkdirSync(warnDir, { recursive: true });
  copyFileSync(join(INIT, 'model.safetensors'), join(warnDir, 'model.safetensors'));
  const cfg = JSON.parse(readFileSync(join(INIT, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(warnDir, 'config.json'), JSON.stringify({ ...cfg, rope_theta: 10000 }));
  r = avey(['pretrain', '--backend', 'cpu', '--init', warnDir, '--batches', TRAJ_FILE, '--steps', '1', '--eval-interval', '0', '--out', join(TMP, 'warn-run')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: .*config\.json: ignoring unknown config field "rope_theta"/);
});
