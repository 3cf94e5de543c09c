// Every command that computes, on every backend this machine has (cpu always; webgpu on the
// software adapter and gpujs where they initialise, as in CI), at tiny sizes: each must succeed
// and its numbers must agree with the CPU run. Tolerances (float32 on every backend; the GPU
// backends sum in a different order): forward statistics and embeddings 1e-4 absolute, fill-mask
// probabilities 1e-4, losses after 2 training steps 1e-3 relative, trace tensors 1e-4, metrics of
// a 4-example evaluation exactly equal (argmax of logits that agree to 1e-4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDatasetsRoot } from '../src/finetune/tasks.js';
import { avey, REPO_ROOT, tempDir } from './helpers.js';

const { dir: TMP, cleanup } = tempDir('avey-matrix-test-');
process.on('exit', cleanup);

interface InfoJson {
  backends: Array<{ name: string; available: boolean; detail: string }>;
}
const info = JSON.parse(avey(['info', '--json']).stdout) as InfoJson;
const BACKENDS = ['cpu', 'webgpu', 'gpujs'].filter((b) => info.backends.find((x) => x.name === b)?.available);
const missing = ['webgpu', 'gpujs'].filter((b) => !BACKENDS.includes(b));
if (missing.length) console.log(`# backend matrix: ${missing.join(', ')} not available here (${missing.map((b) => info.backends.find((x) => x.name === b)?.detail ?? 'not registered').join('; ')}); CI installs them`);

function datasets(): string | null {
  const prev = process.cwd();
  try {
    process.chdir(REPO_ROOT);
    return findDatasetsRoot(undefined);
  } catch {
    return null;
  } finally {
    process.chdir(prev);
  }
}
const DATA = datasets();

function json<T>(args: string[]): T {
  const r = avey([...args, '--json']);
  assert.equal(r.code, 0, `avey ${args.join(' ')}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs cpu ${b} (tolerance ${tol})`);
}

// Shared inputs: a corpus, a micro config and a tokenizer (so every backend pretrains the same model).
const corpus = join(TMP, 'corpus.txt');
const words = 'the movie was good bad great awful fine dull fun boring plot actor story film'.split(' ');
writeFileSync(corpus, Array.from({ length: 80 }, (_, p) => Array.from({ length: 12 }, (_, i) => words[(p * 7 + i * 3) % words.length]).join(' ')).join('\n\n'));
const cfg = join(TMP, 'micro.json');
writeFileSync(cfg, JSON.stringify({ d_embed: 16, n_layers: 2, chunk_size: 8, k: 1 }));
const tokFile = join(TMP, 'tok', 'tokenizer.json');

for (const backend of BACKENDS) {
  test(`commands on ${backend} agree with cpu`, async (t: import('node:test').TestContext) => {
    if (!existsSync(tokFile)) assert.equal(avey(['tokenizer', 'train', '--corpus', corpus, '--vocab-size', '300', '--out', join(TMP, 'tok')]).code, 0);
    const B = ['--backend', backend];
    const C = ['--backend', 'cpu'];
    const cpuRun = join(TMP, 'pre-cpu');
    const pretrainArgs = (out: string) => ['pretrain', '--corpus', corpus, '--config', cfg, '--tokenizer', tokFile, '--batch', '2', '--max-len', '16', '--steps', '2', '--eval-batches', '1', '--out', out];
    type Pre = { final_train_loss: number; checkpoint: string };
    const ref = existsSync(cpuRun) ? undefined : json<Pre>([...pretrainArgs(cpuRun), ...C]);
    if (ref) writeFileSync(join(TMP, 'pre-cpu.json'), JSON.stringify(ref));
    const cpuPre = ref ?? (JSON.parse(readFileSync(join(TMP, 'pre-cpu.json'), 'utf8')) as Pre);

    await t.test('pretrain', () => {
      if (backend === 'cpu') return;
      const r = json<Pre>([...pretrainArgs(join(TMP, `pre-${backend}`)), ...B]);
      close(r.final_train_loss, cpuPre.final_train_loss, 1e-3 * cpuPre.final_train_loss, 'final train loss');
    });

    await t.test('forward', () => {
      type Fw = { outputs: Record<string, { mean: number; std: number; min: number; max: number }>; loss: number | null };
      const a = json<Fw>(['forward', '--checkpoint', cpuRun, '--max-len', '16', ...B]);
      const b = json<Fw>(['forward', '--checkpoint', cpuRun, '--max-len', '16', ...C]);
      for (const [name, o] of Object.entries(b.outputs)) {
        for (const k of ['mean', 'std', 'min', 'max'] as const) close(a.outputs[name][k], o[k], 1e-4, `${name}.${k}`);
      }
    });

    await t.test('fill-mask', () => {
      type Fm = { masks: Array<{ candidates: Array<{ id: number; probability: number }> }> };
      const a = json<Fm>(['fill-mask', 'the movie was [MASK] fun', '--checkpoint', cpuRun, ...B]);
      const b = json<Fm>(['fill-mask', 'the movie was [MASK] fun', '--checkpoint', cpuRun, ...C]);
      b.masks[0].candidates.forEach((c, i) => close(a.masks[0].candidates[i].probability, c.probability, 1e-4, `candidate ${i}`));
    });

    await t.test('embed', () => {
      const run = (bk: string[]) => {
        const r = avey(['embed', 'a good film', 'a dull plot', '--checkpoint', cpuRun, ...bk]);
        assert.equal(r.code, 0, r.stderr);
        return r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { embedding: number[] }).embedding);
      };
      const a = run(B);
      const b = run(C);
      b.forEach((e, i) => e.forEach((v, j) => close(a[i][j], v, 1e-4, `embedding ${i}[${j}]`)));
    });

    await t.test('trace', () => {
      const out = join(TMP, `trace-${backend}`);
      const r = avey(['trace', '--checkpoint', cpuRun, '--text', 'the movie was good and the plot was fun', '--out', out, ...B]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(existsSync(join(out, 'trace.safetensors')));
    });

    await t.test('bench infer', () => {
      const r = avey(['bench', 'infer', '--preset', 'tiny', '--max-lens', '16', '--repeats', '1', '--warmup-runs', '0', '--warmup-seconds', '0', ...B]);
      assert.equal(r.code, 0, r.stderr);
    });

    await t.test('finetune + eval', { skip: DATA ? false : 'no shared datasets folder' }, () => {
      const q = ['--limit', '8', '--eval-limit', '4', '--batch', '4', '--max-len', '24'];
      type Ft = { final_loss: number; test: Record<string, number> };
      const mine = json<Ft>(['finetune', 'sst2', '--checkpoint', cpuRun, ...q, '--out', join(TMP, `ft-${backend}`), ...B]);
      const cpu = backend === 'cpu' ? mine : json<Ft>(['finetune', 'sst2', '--checkpoint', cpuRun, ...q, '--out', join(TMP, `ft-cpu-for-${backend}`), ...C]);
      close(mine.final_loss, cpu.final_loss, 1e-3 * cpu.final_loss, 'finetune final loss');
      const e = json<{ metrics: Record<string, number> }>(['eval', 'sst2', '--checkpoint', join(TMP, `ft-${backend}`), '--eval-limit', '4', '--max-len', '24', ...B]);
      assert.deepEqual(e.metrics, mine.test);
    });
  });
}
