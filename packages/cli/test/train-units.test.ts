// In-process unit tests of the training building blocks: SVG chart, JSONL log, atomic checkpoints
// and retention, progress output, error formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { applyRetention, cleanStaleTemp, latestCheckpoint, listCheckpoints, resolveCheckpoint, saveCheckpoint } from '../src/train/checkpoint.js';
import { JsonlLog, readLog } from '../src/train/jsonl.js';
import { Progress } from '../src/train/progress.js';
import { lossCurveSvg, niceTicks } from '../src/train/svg.js';
import { CliError, EXIT_RUNTIME, EXIT_USAGE, FileError, formatError, UsageError } from '../src/errors.js';
import { formatDuration, formatTable } from '../src/util/format.js';
import { tempDir } from './helpers.js';

test('niceTicks: covers the range with 1/2/5×10^k steps', () => {
  fc.assert(
    fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-3, max: 1e6, noNaN: true }), (lo, span) => {
      const t = niceTicks(lo, lo + span);
      assert.ok(t.length >= 2 && t.length <= 12, `${t.length} ticks`);
      const step = t[1] - t[0];
      const mant = step / 10 ** Math.floor(Math.log10(step));
      assert.ok([1, 2, 5, 10].some((m) => Math.abs(mant - m) < 1e-6), `step ${step}`);
      assert.ok(t[0] >= lo - step * 1e-6 && t[t.length - 1] <= lo + span + step * 1e-6);
    }),
  );
});

test('lossCurveSvg: a well-formed standalone SVG with one path per non-empty series', () => {
  const svg = lossCurveSvg(
    [
      { name: 'train <loss>', color: '#00f', points: [[1, 5], [2, 4], [3, NaN], [4, 3]] },
      { name: 'eval', color: '#f00', points: [[0, 6], [4, 3.5]], markers: true },
      { name: 'empty', color: '#0f0', points: [] },
    ],
    { title: 'a & b', xLabel: 'step', yLabel: 'loss' },
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.equal((svg.match(/<path /g) ?? []).length, 2);
  assert.equal((svg.match(/<circle /g) ?? []).length, 2);
  assert.match(svg, /train &lt;loss&gt;/);
  assert.match(svg, /a &amp; b/);
  assert.doesNotMatch(svg, /NaN/);
  assert.match(lossCurveSvg([]), /<svg/);
});

test('JsonlLog: appends, and on resume keeps only records up to the checkpoint (torn lines dropped)', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const p = join(dir, 'log.jsonl');
  const log = JsonlLog.open(p);
  for (let s = 1; s <= 5; s++) log.append({ step: s, loss: 1 / s });
  writeFileSync(p, `${readFileSync(p, 'utf8')}{"step": 6, "lo`); // a kill mid-write
  assert.equal(readLog(p).length, 5);
  const resumed = JsonlLog.open(p, 3);
  assert.deepEqual(resumed.records().map((r) => r.step), [1, 2, 3]);
  resumed.append({ step: 4, loss: 0.25 });
  assert.deepEqual(readLog(p).map((r) => r.step), [1, 2, 3, 4]);
  assert.equal(readLog(join(dir, 'missing.jsonl')).length, 0);
});

test('checkpoints: atomic save, stale temp folders ignored and cleaned, retention keeps the newest', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const write = (tag: string) => async (tmp: string) => writeFileSync(join(tmp, 'config.json'), JSON.stringify({ tag }));
  for (const s of [10, 20, 30]) await saveCheckpoint(dir, s, write(`s${s}`), 2);
  assert.deepEqual((await listCheckpoints(dir)).map((c) => c.step), [20, 30]);
  // a writer killed mid-checkpoint leaves a temp folder: never listed, removed by cleanStaleTemp
  const stale = join(dir, 'checkpoints', '.tmp-step-000040-123-456');
  mkdirSync(stale);
  writeFileSync(join(stale, 'config.json'), '{"tag": "half');
  assert.equal((await latestCheckpoint(dir))?.step, 30);
  await cleanStaleTemp(dir);
  assert.ok(!existsSync(stale));
  // a failing writer leaves nothing behind and keeps the old checkpoints
  await assert.rejects(saveCheckpoint(dir, 40, async () => { throw new Error('disk full'); }, 2), /disk full/);
  assert.deepEqual((await listCheckpoints(dir)).map((c) => c.step), [20, 30]);
  // re-saving the same step replaces it
  await saveCheckpoint(dir, 30, write('again'), 2);
  assert.equal(JSON.parse(readFileSync(join(dir, 'checkpoints', 'step-000030', 'config.json'), 'utf8')).tag, 'again');
  await applyRetention(dir, 1);
  assert.deepEqual((await listCheckpoints(dir)).map((c) => c.step), [30]);
  // resolveCheckpoint: run folder → newest; checkpoint folder → itself; errors name the path
  assert.equal(await resolveCheckpoint(dir, '--checkpoint'), join(dir, 'checkpoints', 'step-000030'));
  assert.equal(await resolveCheckpoint(join(dir, 'checkpoints', 'step-000030'), '--checkpoint'), join(dir, 'checkpoints', 'step-000030'));
  await assert.rejects(resolveCheckpoint(join(dir, 'nope'), '--checkpoint'), (e: Error) => e instanceof FileError && /does not exist/.test(e.message));
  await assert.rejects(resolveCheckpoint(join(dir, 'checkpoints', 'step-000030', 'config.json'), '--resume'), /is a file/);
  await assert.rejects(resolveCheckpoint(join(dir, 'checkpoints'), '--resume'), /holds no checkpoint/);
});

class Sink extends Writable {
  text = '';
  isTTY: boolean;
  columns = 100;
  constructor(tty: boolean) {
    super();
    this.isTTY = tty;
  }
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

test('Progress: a redrawn bar on a TTY, periodic plain lines otherwise', () => {
  const stats = (step: number, evalLoss?: number) => ({ step, loss: 2 / step, tokensPerSec: 1000, etaMs: (100 - step) * 50, evalLoss, lr: 1e-3 });
  const tty = new Sink(true);
  const bar = new Progress({ totalSteps: 100, stream: tty, mode: 'bar' });
  for (let s = 1; s <= 100; s++) bar.update(stats(s, s === 50 ? 1.5 : undefined));
  bar.done();
  assert.equal((tty.text.match(/\r/g) ?? []).length >= 100, true);
  assert.match(tty.text, /\[#{24}\] step 100\/100/);
  assert.match(tty.text, /eval at step 50: held-out loss 1\.5000/);
  const pipe = new Sink(false);
  const lines = new Progress({ totalSteps: 100, stream: pipe, mode: 'lines', lineEvery: 25 });
  for (let s = 1; s <= 100; s++) lines.update(stats(s, s === 60 ? 1.2 : undefined));
  assert.doesNotMatch(pipe.text, /\r/);
  assert.deepEqual(pipe.text.trim().split('\n').map((l) => Number(/step (\d+)/.exec(l)![1])), [25, 50, 60, 75, 100]);
  assert.match(pipe.text, /step 75\/100 .*eval 1\.2000 .*1000 tok\/s .*ETA 1\.3s/);
});

test('formatError: usage → 2 with a help hint, runtime → 1, stack only with verbose', () => {
  const u = formatError(new UsageError('bad flag.', 'pretrain'), false);
  assert.equal(u.exitCode, EXIT_USAGE);
  assert.match(u.message, /^avey: bad flag\.\nSee `avey pretrain --help` for usage\.$/);
  const r = formatError(new CliError('it broke.'), false);
  assert.equal(r.exitCode, EXIT_RUNTIME);
  assert.doesNotMatch(r.message, /\n\s+at /);
  assert.match(formatError(new CliError('it broke.'), true).message, /\n\s+at /);
  const enoent = Object.assign(new Error('x'), { code: 'ENOENT', path: '/a/b.txt' });
  assert.match(formatError(enoent, false).message, /'\/a\/b\.txt' does not exist/);
  class AveyError extends Error {}
  class ShapeError extends AveyError {
    override name = 'ShapeError';
  }
  const s = formatError(new ShapeError('matmul: [2,3] @ [4,5]'), false);
  assert.equal(s.exitCode, EXIT_RUNTIME);
  assert.match(s.message, /ShapeError: matmul: \[2,3\] @ \[4,5\]/);
  assert.match(formatError(new TypeError('oops'), false).message, /unexpected TypeError: oops[\s\S]*--verbose/);
});

test('formatting helpers', () => {
  assert.equal(formatDuration(4200), '4.2s');
  assert.equal(formatDuration(75_000), '1m15s');
  assert.equal(formatDuration(3_725_000), '1h02m');
  assert.equal(formatTable(['a', 'num'], [['x', 1.23456], ['yy', 10]]), 'a     num\n--  -----\nx   1.235\nyy     10');
});
