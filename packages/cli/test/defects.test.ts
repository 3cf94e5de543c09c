// The reliability defects a hostile test found (issue #16), each reproduced: a damaged training
// state must not cost the run its checkpoints, non-finite weights are refused on load, output
// folders are never silently reused, absurd config sizes are refused at once with the field
// named, runs stopped before their first checkpoint can be started again, output problems name
// the user's path, and malformed files are named (never "probably a bug", never a raw NUL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { avey, STANDIN, tempDir, tsScript } from './helpers.js';

const { dir: TMP, cleanup } = tempDir('avey-defects-test-');
process.on('exit', cleanup);

const MICRO = { d_embed: 16, n_layers: 2, chunk_size: 8, k: 1, vocab_size: 300 };

/** A fresh micro Avey-B checkpoint folder (config.json + model.safetensors), written in-process. */
async function microCheckpoint(name: string): Promise<string> {
  const ab = await import('@avey/avey-b');
  const dir = join(TMP, name);
  await ab.saveCheckpoint(dir, ab.createAvey(ab.aveyPreset('tiny', MICRO), 'mlm', { seed: 1 }));
  return dir;
}

test('1. a damaged trainer_state.json (step -5) is refused before anything in the run is renamed', (t) => {
  const run = join(TMP, 'state');
  assert.equal(tsScript(STANDIN, ['--out', run, '--steps', '20', '--keep', '3']).code, 0);
  const before = readdirSync(join(run, 'checkpoints')).sort();
  assert.deepEqual(before, ['step-000010', 'step-000020']);
  const p = join(run, 'checkpoints', 'step-000020', 'trainer_state.json');
  const state = JSON.parse(readFileSync(p, 'utf8')) as { step: number };
  state.step = -5;
  writeFileSync(p, JSON.stringify(state));
  const r = tsScript(STANDIN, ['--resume', run]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /trainer_state\.json' is damaged: "step" is -5/);
  assert.deepEqual(readdirSync(join(run, 'checkpoints')).sort(), before, 'no checkpoint was moved aside');
  // the other checkpoint still resumes
  const ok = tsScript(STANDIN, ['--resume', join(run, 'checkpoints', 'step-000010')]);
  assert.equal(ok.code, 0, ok.stderr);
  t.diagnostic(ok.stderr.split('\n')[0]);
});

test('2. non-finite weights are refused on load, naming the file and the tensor', async () => {
  const dir = await microCheckpoint('nan-weights');
  const { safetensors } = await import('@avey/autograd');
  const file = join(dir, 'model.safetensors');
  const raw = safetensors.readRaw(file);
  const w = raw.tensors.get('embed.weight')!;
  const data = Float32Array.from(w.data as Float32Array);
  data[7] = Number.NaN;
  const { tensor } = await import('@avey/tensor');
  const all = new Map([...raw.tensors].map(([k, v]) => [k, k === 'embed.weight' ? tensor(data, { shape: [...v.shape] }) : tensor(v.data as Float32Array, { shape: [...v.shape] })]));
  await safetensors.write(file, all);
  const r = avey(['forward', '--checkpoint', dir, '--backend', 'cpu', '--max-len', '8']);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /model\.safetensors' are damaged: tensor 'embed\.weight' holds NaN at index 7/);
});

test('3. a fresh run refuses a non-empty unrelated folder; 5. a folder stopped before its first checkpoint is reused', () => {
  const foreign = join(TMP, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'notes.txt'), 'mine');
  const r = tsScript(STANDIN, ['--out', foreign, '--steps', '3']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is not empty and holds no training run \(it has 'notes\.txt'\)/);
  assert.deepEqual(readdirSync(foreign), ['notes.txt'], 'nothing written');

  const stopped = join(TMP, 'stopped');
  mkdirSync(join(stopped, 'checkpoints', '.tmp-step-000010-1-1'), { recursive: true });
  writeFileSync(join(stopped, 'run.json'), '{}');
  writeFileSync(join(stopped, 'log.jsonl'), '{"step":1,"loss":1}\n');
  const again = tsScript(STANDIN, ['--out', stopped, '--steps', '3']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /stopped before its first checkpoint; starting it afresh/);
  assert.deepEqual(readdirSync(join(stopped, 'checkpoints')), ['step-000003']);
});

test('4. absurd config sizes are refused at once with the field named', async () => {
  const cfg = join(TMP, 'huge.json');
  writeFileSync(cfg, JSON.stringify({ n_layers: 1e9 }));
  const t0 = Date.now();
  const r = avey(['pretrain', '--backend', 'cpu', '--config', cfg, '--steps', '1', '--out', join(TMP, 'huge-run')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /"n_layers" is 1000000000, above the largest supported 512/);
  assert.ok(Date.now() - t0 < 60_000);
  assert.ok(!existsSync(join(TMP, 'huge-run')), 'no run folder left behind');
  // a checkpoint's config.json: named with its path
  const dir = await microCheckpoint('huge-ckpt');
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...c, d_embed: 1e7 }));
  const f = avey(['forward', '--checkpoint', dir, '--backend', 'cpu']);
  assert.equal(f.code, 1);
  assert.match(f.stderr, /config\.json' is invalid: "d_embed" is 10000000/);
  assert.ok(f.stderr.includes(join(dir, 'config.json')), 'the path is named');
});

test('6. output problems are found before the work and name the --out path, never a temp file', async () => {
  const dir = await microCheckpoint('out-ckpt');
  const blocker = join(TMP, 'a-file');
  writeFileSync(blocker, 'x');
  const r = avey(['forward', '--checkpoint', dir, '--backend', 'cpu', '--out', join(blocker, 'out.safetensors')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--out '.*a-file\/out\.safetensors' has a file where a folder is needed/);
  assert.doesNotMatch(r.stderr, /tmp-|avey-forward-|probably a bug/);
  const run = avey(['pretrain', '--backend', 'cpu', '--steps', '1', '--out', join(blocker, 'run')]);
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /a-file/);
  assert.doesNotMatch(run.stderr, /probably a bug/);
});

test('7. malformed tokenizer.json, safetensors header, failed --corpus, exploded "last good" checkpoint', async () => {
  const dir = await microCheckpoint('bad-tok');
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: 5 }));
  const r = avey(['forward', '--checkpoint', dir, '--backend', 'cpu', '--text', 'hello']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the tokenizer '.*tokenizer\.json' cannot be read/);
  assert.doesNotMatch(r.stderr, /probably a bug/);

  const input = join(TMP, 'bad.safetensors');
  const header = Buffer.from('\u0000not json at all');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(input, Buffer.concat([len, header]));
  const s = avey(['forward', '--checkpoint', dir, '--backend', 'cpu', '--input', input]);
  assert.equal(s.code, 1);
  assert.match(s.stderr, /bad\.safetensors/);
  assert.ok(!s.stderr.includes('\u0000'), 'no raw NUL byte on the terminal');

  const out = join(TMP, 'no-corpus-run');
  const c = avey(['pretrain', '--backend', 'cpu', '--corpus', join(TMP, 'missing.txt'), '--steps', '1', '--out', out]);
  assert.notEqual(c.code, 0);
  assert.ok(!existsSync(out), 'a failed --corpus leaves no empty run folder');

  const boom = tsScript(STANDIN, ['--out', join(TMP, 'boom'), '--steps', '40', '--explode-at', '15', '--nan-at', '25']);
  assert.equal(boom.code, 1);
  assert.match(boom.stderr, /The last checkpoint, .*step-000020 \(step 20\), was saved at a training loss of .*e\+2\d.*already diverged/);
  assert.doesNotMatch(boom.stderr, /last good/);
});
