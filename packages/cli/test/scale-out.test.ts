// The scale-out path (docs/guides/scale-out.md): avey-ts pretrains → PyTorch DDP (torchrun, 2
// processes, gloo) continues from that checkpoint folder → avey-ts loads the result and its logits
// equal PyTorch's. Needs a python3 with torch (Debian: python3-torch, installed by
// .ci/setup-system.sh); outside CI the test skips with the reason when there is none, under
// CI=true it fails instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { safetensors } from '@avey/autograd';
import { tensor } from '@avey/tensor';
import { avey, REPO_ROOT, tempDir } from './helpers.js';
import { TRAJ_DIR } from './fixtures/trajectory.js';

const INTEROP = join(REPO_ROOT, 'interop', 'pytorch');
const { dir: TMP, cleanup } = tempDir('avey-scale-out-test-');
process.on('exit', cleanup);

/** A python3 that imports torch with gloo, and its torchrun (as `python -m torch.distributed.run`). */
function findTorch(): { python: string } | { skip: string } {
  const tried: string[] = [];
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch, torch.distributed as d; assert d.is_gloo_available(); print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) return { python: py };
    tried.push(`${py}: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').pop()}`);
  }
  const skip = `no python3 with torch + gloo (${tried.join('; ')}); apt-get install -y python3-torch (or run .ci/setup-system.sh)`;
  if (process.env.CI === 'true' && !process.env.AVEY_SKIP_TORCH) throw new Error(`CI=true but ${skip}`);
  return { skip };
}

const torch = findTorch();
const skip = 'skip' in torch ? torch.skip : false;

function py(args: string[], timeoutMs = 300_000): string {
  const r = spawnSync((torch as { python: string }).python, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' } });
  assert.equal(r.status, 0, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Random MLM batches [N, B, T] over a 97-token vocabulary, 20 % of positions scored (seeded). */
async function writeBatches(file: string, N: number, B: number, T: number): Promise<void> {
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const ids = new Int32Array(N * B * T);
  const labels = new Int32Array(N * B * T).fill(-100);
  for (let i = 0; i < ids.length; i++) {
    ids[i] = 1 + Math.floor(rnd() * 96);
    if (rnd() < 0.2) { labels[i] = ids[i]; ids[i] = 0; } // id 0 plays [MASK]
  }
  await safetensors.write(file, new Map([
    ['input_ids', tensor(ids, { dtype: 'int32', shape: [N, B, T] })],
    ['labels', tensor(labels, { dtype: 'int32', shape: [N, B, T] })],
  ]));
}

test('the PyTorch twin reproduces the official Avey-B (strict load of the official weights, logits and loss)', { skip: skip || (!existsSync(join(TRAJ_DIR, 'small.json')) && 'fixtures absent') }, () => {
  const out = JSON.parse(py([join(INTEROP, 'check_official.py'), TRAJ_DIR]).trim()) as { logits_max_rel: number; loss_rel: number };
  assert.ok(out.logits_max_rel < 1e-4 && out.loss_rel < 1e-4, JSON.stringify(out));
});

test('avey-ts pretrain → torchrun DDP 2 processes (gloo) → avey-ts: the checkpoint loads and logits equal PyTorch\'s', { skip, timeout: 600_000 }, async () => {
  const batches = join(TMP, 'batches.safetensors');
  await writeBatches(batches, 8, 2, 20);
  const micro = join(TMP, 'micro.json');
  writeFileSync(micro, JSON.stringify({ vocab_size: 97, d_embed: 16, n_layers: 2, chunk_size: 4, k: 2 }));
  // 1. avey-ts: two steps from scratch on the first batches
  const run = join(TMP, 'ts-run');
  let r = avey(['pretrain', '--backend', 'cpu', '--config', micro, '--batches', batches, '--steps', '2', '--eval-interval', '0', '--out', run, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const init = (JSON.parse(r.stdout) as { checkpoint: string }).checkpoint;
  const cfg = JSON.parse(readFileSync(join(init, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg.model_type, 'avey-b');
  // 2. PyTorch: 3 data-parallel steps on 2 processes (6 batches), from that folder
  const ddp = join(TMP, 'ddp');
  const torchrun = ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2',
    // torch 1.13 on Python 3.11 (Debian 12) cannot parse the default --redirects/--tee "0"
    '--redirects', '1', '--tee', '1'];
  py([...torchrun, join(INTEROP, 'pretrain_ddp.py'), '--init', init, '--batches', batches, '--steps', '3', '--lr', '3e-3', '--warmup-steps', '1', '--out', ddp]);
  const log = readFileSync(join(ddp, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss: number; grad_norm: number });
  assert.equal(log.length, 3);
  assert.ok(log.every((x) => Number.isFinite(x.loss) && x.grad_norm > 0), JSON.stringify(log));
  // the weights moved
  const before = safetensors.readRaw(join(init, 'model.safetensors')).tensors.get('embed.weight')!.data;
  const after = safetensors.readRaw(join(ddp, 'model.safetensors')).tensors.get('embed.weight')!.data;
  assert.ok(Array.from(after).some((v, i) => v !== before[i]), 'DDP training changed embed.weight');
  // 3. avey-ts loads the PyTorch folder (no warnings) and evaluates it; PyTorch evaluates it too
  const input = join(TMP, 'ids.safetensors');
  const ids = new Int32Array(2 * 23).map((_, i) => (i * 37 + 5) % 97);
  await safetensors.write(input, new Map([['input_ids', tensor(ids, { dtype: 'int32', shape: [2, 23] })]]));
  const ours = join(TMP, 'ours', 'outputs.safetensors');
  r = avey(['forward', '--backend', 'cpu', '--checkpoint', ddp, '--input', input, '--out', join(TMP, 'ours')]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /warning/);
  const theirs = join(TMP, 'theirs.safetensors');
  py([join(INTEROP, 'logits.py'), ddp, input, theirs]);
  const a = safetensors.readRaw(ours).tensors.get('logits')!;
  const b = safetensors.readRaw(theirs).tensors.get('logits')!;
  assert.deepEqual([...a.shape], [...b.shape]);
  let d = 0, m = 0;
  for (let i = 0; i < b.data.length; i++) { d = Math.max(d, Math.abs(a.data[i] - b.data[i])); m = Math.max(m, Math.abs(b.data[i])); }
  console.log(`scale-out round trip: max |logits(avey-ts) - logits(PyTorch)| / max |logits| = ${(d / m).toExponential(2)}`);
  assert.ok(d / m < 1e-4, `logits differ: ${d / m}`);
  // 4. and avey-ts continues pretraining from the DDP folder
  r = avey(['pretrain', '--backend', 'cpu', '--init', ddp, '--batches', batches, '--steps', '1', '--eval-interval', '0', '--out', join(TMP, 'ts-again')]);
  assert.equal(r.code, 0, r.stderr);
});
