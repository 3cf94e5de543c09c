// Bad input end to end: spawn the real launcher and check the exit code (2 usage, 1 runtime), the
// one-paragraph message, and that no stack trace is printed unless --verbose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { avey, tempDir } from './helpers.js';

const STACK = /\n\s+at .+:\d+:\d+/;

function expectFailure(args: string[], code: 1 | 2, message: RegExp): string {
  const r = avey(args);
  assert.equal(r.code, code, `avey ${args.join(' ')} → exit ${r.code}\n${r.stderr}`);
  assert.match(r.stderr, /^avey: /, 'the message starts with "avey: "');
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, STACK, 'no stack trace without --verbose');
  assert.equal(r.stdout, '', 'nothing on stdout');
  assert.ok(r.stderr.trim().split('\n').length <= 4, `one short paragraph, got:\n${r.stderr}`);
  return r.stderr;
}

test('help and version exit 0', () => {
  const h = avey(['--help']);
  assert.equal(h.code, 0);
  for (const c of ['info', 'tokenizer', 'pretrain', 'finetune', 'eval', 'forward', 'fill-mask', 'embed', 'bench']) {
    assert.match(h.stdout, new RegExp(`avey ${c}\\b`));
  }
  const p = avey(['pretrain', '--help']);
  assert.equal(p.code, 0);
  assert.match(p.stdout, /Examples:/);
  assert.match(p.stdout, /--backend/);
  assert.match(p.stdout, /--seed/);
  const v = avey(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
});

test('usage errors exit 2 with a message saying what to do', () => {
  expectFailure([], 2, /Give a command/);
  expectFailure(['frobnicate'], 2, /unexpected argument 'frobnicate'|Unknown/);
  expectFailure(['pretrain', '--bogus', '3'], 2, /unknown option --bogus[\s\S]*avey pretrain --help/);
  expectFailure(['pretrain', '--steps', 'abc'], 2, /--steps expects a number, but got 'abc'/);
  expectFailure(['pretrain', '--steps', '2.5'], 2, /--steps expects a whole number, but got 2.5/);
  expectFailure(['pretrain', '--batch', '0'], 2, /--batch must be at least 1, but got 0/);
  expectFailure(['pretrain', '--lr', '0'], 2, /--lr must be greater than 0/);
  expectFailure(['pretrain', '--preset', 'huge'], 2, /preset.*huge.*tiny/s);
  expectFailure(['pretrain', '--out'], 2, /--out needs a value/);
  expectFailure(['info', '--backend', 'cuda'], 2, /backend.*cuda.*webgpu/s);
  expectFailure(['info', '--seed', 'x'], 2, /--seed expects a number, but got 'x'/);
  expectFailure(['tokenizer'], 2, /Give a subcommand of `avey tokenizer`/);
  expectFailure(['tokenizer', 'train', '--vocab-size', '10'], 2, /--vocab-size must be at least 262/);
  expectFailure(['fill-mask'], 2, /`avey fill-mask` needs <text>, e\.g\. `avey fill-mask/);
  expectFailure(['fill-mask', 'a [MASK]'], 2, /missing required option --checkpoint/);
  expectFailure(['finetune', 'imagenet', '--checkpoint', 'x'], 2, /task.*imagenet.*sst2/s);
  expectFailure(['bench'], 2, /Give a subcommand of `avey bench`/);
});

test('missing and unreadable files exit 1 naming the file; --verbose adds the stack', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const missing = join(dir, 'nope.txt');
  expectFailure(['tokenizer', 'train', '--corpus', missing, '--out', join(dir, 't')], 1, new RegExp(`'${missing}'.*no such file`));
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"text": "fine"}\n{"text": broken}\n');
  expectFailure(['tokenizer', 'train', '--corpus', bad, '--out', join(dir, 't')], 1, new RegExp(`${bad}:2: invalid JSON`));
  expectFailure(['fill-mask', 'a [MASK] b', '--checkpoint', join(dir, 'none')], 1, /--checkpoint '.*none' does not exist/);
  const verbose = avey(['tokenizer', 'train', '--corpus', missing, '--verbose']);
  assert.equal(verbose.code, 1);
  assert.match(verbose.stderr, STACK, 'stack trace with --verbose');
});
