// The training machinery end to end, driven through a stand-in session (test/fixtures/standin.ts)
// in a child process: exact resume after kill -9 and after Ctrl-C, NaN stop, retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLog } from '../src/train/jsonl.js';
import { exited, startProcess, STANDIN, tempDir, tsScript, waitFor } from './helpers.js';

function losses(runDir: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of readLog(join(runDir, 'log.jsonl'))) {
    if (typeof r.loss === 'number') {
      assert.ok(!m.has(r.step), `step ${r.step} logged twice in ${runDir}`);
      m.set(r.step, r.loss);
    }
  }
  return m;
}

function evals(runDir: string): Array<[number, number]> {
  return readLog(join(runDir, 'log.jsonl'))
    .filter((r) => typeof r.eval_loss === 'number')
    .map((r) => [r.step, r.eval_loss as number]);
}

function checkpoints(runDir: string): string[] {
  return readdirSync(join(runDir, 'checkpoints')).sort();
}

const STEPS = 60;

test('uninterrupted stand-in run: log, checkpoints with retention, loss.svg', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const run = join(dir, 'ref');
  const r = tsScript(STANDIN, ['--out', run, '--steps', String(STEPS), '--keep', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { steps: number; checkpoint: string; eval_losses: Array<{ loss: number }> };
  assert.equal(summary.steps, STEPS);
  assert.deepEqual(checkpoints(run), ['step-000050', 'step-000060']);
  assert.equal(losses(run).size, STEPS);
  const ev = summary.eval_losses;
  assert.ok(ev[ev.length - 1].loss < ev[0].loss / 10, 'the stand-in learns');
  const svg = readFileSync(join(run, 'loss.svg'), 'utf8');
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(existsSync(join(summary.checkpoint, 'loss.svg')));
  assert.ok(existsSync(join(summary.checkpoint, 'trainer_state.json')));
  // A second fresh run into the same folder is refused (exit 2) instead of mixing logs.
  const again = tsScript(STANDIN, ['--out', run, '--steps', '5']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds a training run.*--resume/s);
});

test('kill -9 during training, then --resume: the losses match an uninterrupted run bit for bit', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const ref = join(dir, 'ref');
  assert.equal(tsScript(STANDIN, ['--out', ref, '--steps', String(STEPS)]).code, 0);

  const run = join(dir, 'killed');
  const child = startProcess(['--import', 'tsx', STANDIN, '--out', run, '--steps', String(STEPS), '--step-ms', '15']);
  // Wait for the first checkpoint, then for a few more steps, and kill without warning.
  await waitFor(() => existsSync(join(run, 'checkpoints', 'step-000010')), 'the first checkpoint');
  await waitFor(() => losses(run).size >= 14, 'steps past the checkpoint');
  child.kill('SIGKILL');
  const ex = await exited(child);
  assert.equal(ex.signal, 'SIGKILL');
  assert.ok(losses(run).size < STEPS, 'killed before the end');

  const r = tsScript(STANDIN, ['--resume', run]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /resuming .*step-0000[1-9]0 at step [1-9]0\/60/);
  assert.deepEqual([...losses(run)], [...losses(ref)]);
  assert.deepEqual(evals(run), evals(ref));
});

test('Ctrl-C saves a checkpoint and exits 130; resuming reproduces the run', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const ref = join(dir, 'ref');
  assert.equal(tsScript(STANDIN, ['--out', ref, '--steps', String(STEPS)]).code, 0);

  const run = join(dir, 'int');
  const child = startProcess(['--import', 'tsx', STANDIN, '--out', run, '--steps', String(STEPS), '--step-ms', '15', '--save-interval', '100']);
  await waitFor(() => losses(run).size >= 7, 'a few steps');
  child.kill('SIGINT');
  const ex = await exited(child);
  assert.equal(ex.code, 130, child.out.stderr);
  assert.match(child.out.stderr, /interrupted at step (\d+) of 60; saved checkpoint .*Continue with: avey pretrain --resume/);
  assert.doesNotMatch(child.out.stderr, /at .*\.ts:\d+/, 'no stack trace');
  const step = Number(/interrupted at step (\d+)/.exec(child.out.stderr)![1]);
  assert.deepEqual(checkpoints(run), [`step-${String(step).padStart(6, '0')}`]);

  const r = tsScript(STANDIN, ['--resume', join(run, 'checkpoints', `step-${String(step).padStart(6, '0')}`)]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...losses(run)], [...losses(ref)]);
});

test('a NaN loss stops the run with a clear message and keeps the last good checkpoint', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const run = join(dir, 'nan');
  const r = tsScript(STANDIN, ['--out', run, '--steps', '40', '--nan-at', '25', '--keep', '5']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /training diverged: the loss at step 25 is NaN/);
  assert.match(r.stderr, /last good checkpoint is .*step-000020 \(step 20\)/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --verbose');
  assert.deepEqual(checkpoints(run), ['step-000010', 'step-000020']);
  const verbose = tsScript(STANDIN, ['--out', join(dir, 'nan2'), '--steps', '40', '--nan-at', '5', '--verbose']);
  assert.equal(verbose.code, 1);
  assert.match(verbose.stderr, /No checkpoint had been saved yet/);
  assert.match(verbose.stderr, /\n\s+at /, 'stack trace with --verbose');
});

test('resuming from an older checkpoint forks the run: newer checkpoints are set aside, the log is cut', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const run = join(dir, 'fork');
  assert.equal(tsScript(STANDIN, ['--out', run, '--steps', '30', '--keep', '3']).code, 0);
  assert.deepEqual(checkpoints(run), ['step-000010', 'step-000020', 'step-000030']);
  const ref = losses(run);
  const r = tsScript(STANDIN, ['--resume', join(run, 'checkpoints', 'step-000010')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /moved to .*abandoned-step-000020/);
  assert.deepEqual([...losses(run)], [...ref]);
  const resumedAgain = tsScript(STANDIN, ['--resume', run, '--steps', '5']);
  assert.equal(resumedAgain.code, 2, 'a total below the checkpoint step is a usage error');
  assert.match(resumedAgain.stderr, /--steps 5 is below the checkpoint's step 30/);
});
