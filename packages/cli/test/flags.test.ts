// One flag vocabulary: `--out` is always a folder with named files inside, `--max-len` is the
// sequence length everywhere, and the old spellings still work with a one-line notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { avey, CLI_ROOT, tempDir } from './helpers.js';
import { COMMANDS } from '../src/specs/index.js';
import { isGroup, type CommandSpec } from '../src/spec.js';

const { dir: TMP, cleanup } = tempDir('avey-flags-test-');
process.on('exit', cleanup);
const MICRO = join(TMP, 'micro.json');
writeFileSync(MICRO, JSON.stringify({ d_embed: 16, n_layers: 2, chunk_size: 8, k: 1, vocab_size: 64 }));

const allCommands = (): Array<[string, CommandSpec]> =>
  COMMANDS.flatMap((s) => (isGroup(s) ? s.subcommands.map((c) => [`${s.command} ${c.command}`, c] as [string, CommandSpec]) : [[s.command, s] as [string, CommandSpec]]));

test('every command names the sequence length --max-len and its output --out (a folder); no --seq-len, --output or bare --warmup flag is left', () => {
  for (const [name, spec] of allCommands()) {
    const opts = Object.keys(spec.options ?? {});
    for (const banned of ['seq-len', 'seq-lens', 'output', 'warmup', 'seeds']) assert.ok(!opts.includes(banned), `${name} still has --${banned}`);
    const out = spec.options?.out;
    if (out) assert.match(String(out.describe), /folder/, `${name} --out is described as a folder`);
  }
});

test('forward --out DIR writes DIR/outputs.safetensors; the old file form and --seq-len still work, each with a one-line notice', () => {
  const dir = join(TMP, 'fw');
  const r = avey(['forward', '--max-len', '8', '--backend', 'cpu', '--out', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, 'outputs.safetensors');
  assert.equal((JSON.parse(r.stdout) as { out: string }).out, file);
  assert.ok(existsSync(file));
  assert.doesNotMatch(r.stderr, /deprecated/);

  const legacy = join(TMP, 'old.safetensors');
  const o = avey(['forward', '--seq-len', '8', '--backend', 'cpu', '--out', legacy, '--json']);
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stderr, /^avey forward: --seq-len is deprecated; use --max-len \(same meaning\)$/m);
  assert.match(o.stderr, /--out .*old\.safetensors names a file \(deprecated\): --out is a folder/);
  assert.equal((JSON.parse(o.stdout) as { out: string }).out, legacy);
  // same seed, same length: the two spellings computed the same thing
  assert.deepEqual(readFileSync(legacy), readFileSync(file));
});

test('a deprecated alias counts as typed: --warmup and --warmup-steps together are refused as --warmup-ratio would be', () => {
  const r = avey(['pretrain', '--config', MICRO, '--steps', '2', '--warmup', '0.2', '--warmup-steps', '1', '--out', join(TMP, 'never')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--warmup is deprecated; use --warmup-ratio/);
  assert.match(r.stderr, /either --warmup-ratio .* or --warmup-steps/);
  assert.ok(!existsSync(join(TMP, 'never')));
});

test('--help and docs/cli.md show the deprecated spellings beside the new flag', () => {
  const h = avey(['pretrain', '--help']);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /--max-len, --seq-len/);
  const doc = readFileSync(join(CLI_ROOT, '..', '..', 'docs', 'cli.md'), 'utf8');
  assert.match(doc, /`--max-len` \(deprecated: `--seq-len`\)/);
  assert.match(doc, /`--warmup-ratio` \(deprecated: `--warmup`\)/);
});
