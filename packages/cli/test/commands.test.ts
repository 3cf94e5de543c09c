// The smaller commands end to end: info, tokenizer train, forward, bench ops|train|infer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { avey, CLI_ROOT, tempDir } from './helpers.js';

const { dir: TMP, cleanup } = tempDir('avey-commands-test-');
process.on('exit', cleanup);
const MICRO = join(TMP, 'micro.json');
writeFileSync(MICRO, JSON.stringify({ d_embed: 16, n_layers: 2, chunk_size: 8, k: 1, vocab_size: 512 }));

test('info --json: version, backends with reasons, presets in size order', () => {
  const r = avey(['info', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    version: string;
    backends: Array<{ name: string; available: boolean; detail: string }>;
    presets: Array<{ model: string; preset: string; parameters: number }>;
  };
  assert.equal(j.version, (JSON.parse(readFileSync(join(CLI_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  const cpu = j.backends.find((b) => b.name === 'cpu');
  assert.equal(cpu?.available, true);
  for (const b of j.backends) if (!b.available) assert.ok(b.detail.length > 0, `${b.name} says why it is unavailable`);
  for (const model of ['avey-b', 'transformer']) {
    const sizes = ['tiny', 'small', 'base'].map((p) => j.presets.find((x) => x.model === model && x.preset === p)!.parameters);
    assert.ok(sizes[0] > 0 && sizes[0] < sizes[1] && sizes[1] < sizes[2], `${model} presets grow: ${sizes}`);
  }
  assert.equal(j.presets.find((x) => x.model === 'avey-b' && x.preset === 'base')!.parameters, 163_929_118, 'the paper\'s base count');
  const text = avey(['info']);
  assert.match(text.stdout, /Backends:[\s\S]*cpu\s+yes[\s\S]*Presets:/);
  // Dawn's native warnings (written by C++ to fd 2 while WebGPU is probed) stay off the terminal:
  // the probe runs in a child process; --json carries them, --verbose prints them
  assert.doesNotMatch(text.stderr, /Warning:|Vulkan|artificially reduced/, text.stderr);
  const messages = (j as unknown as { backend_probe_messages: string[] }).backend_probe_messages;
  assert.ok(Array.isArray(messages));
  if (messages.length) {
    assert.match(text.stdout, new RegExp(`printed ${messages.length} native message lines while probing; --verbose shows them`));
    const verbose = avey(['info', '--verbose']);
    assert.ok(verbose.stdout.includes(messages[0]), verbose.stdout);
  } else process.stdout.write('# info: WebGPU printed no native messages on this machine (nothing to hide)\n');
});

test('tokenizer train on a text file writes a loadable tokenizer.json of the requested size', async () => {
  const corpus = join(TMP, 'tok.txt');
  writeFileSync(corpus, Array.from({ length: 200 }, (_, i) => `paragraph ${i} about cats, dogs and ${i % 7} birds.`).join('\n\n'));
  const out = join(TMP, 'sub', 'tokenizer.json');
  const r = avey(['tokenizer', 'train', '--corpus', corpus, '--vocab-size', '300', '--out', join(TMP, 'sub'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { vocab_size: number; documents: number; out: string };
  assert.equal(j.out, out);
  assert.ok(j.documents > 170 && j.documents < 200, `trains on the ~95 % training documents, got ${j.documents}`);
  const { Tokenizer } = await import('@avey/data');
  const tok = Tokenizer.load(out);
  assert.equal(tok.vocabSize, j.vocab_size);
  assert.ok(j.vocab_size <= 300 && j.vocab_size > 262);
  assert.equal(tok.decode(tok.encodeIds('cats and dogs')), 'cats and dogs');
});

test('forward: a fresh preset model on seeded random ids; --ids validation', () => {
  const a = avey(['forward', '--max-len', '20', '--batch', '2', '--json', '--seed', '3']);
  assert.equal(a.code, 0, a.stderr);
  const j = JSON.parse(a.stdout) as { head: string; outputs: Record<string, { shape: number[]; std: number }> };
  assert.equal(j.head, 'mlm');
  assert.deepEqual(j.outputs.last_hidden_state.shape, [2, 20, 64]);
  assert.deepEqual(j.outputs.logits.shape, [2, 20, 8192]);
  const b = avey(['forward', '--max-len', '20', '--batch', '2', '--json', '--seed', '3']);
  assert.deepEqual(JSON.parse(b.stdout).outputs, j.outputs, 'same seed, same outputs');
  const bad = avey(['forward', '--ids', '1,x,3']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--ids expects comma-separated non-negative whole numbers/);
  const big = avey(['forward', '--ids', '1,99999']);
  assert.equal(big.code, 2);
  assert.match(big.stderr, /id 99999 is not below the model's vocab_size 8192/);
});

test('bench train / infer --json report throughput, step time and peak RSS', () => {
  const t = avey(['bench', 'train', '--config', MICRO, '--batch', '2', '--max-len', '32', '--steps', '2', '--head', 'masked', '--json', '--backend', 'cpu']);
  assert.equal(t.code, 0, t.stderr);
  const tj = JSON.parse(t.stdout) as { tokens_per_s: number; median_step_ms: number; peak_rss_mb: number; step_ms: number[]; model: string };
  assert.equal(tj.model, 'avey-b');
  assert.equal(tj.step_ms.length, 2);
  assert.ok(tj.tokens_per_s > 0 && tj.median_step_ms > 0 && tj.peak_rss_mb > 0);
  const tr = avey(['bench', 'train', '--model', 'transformer', '--batch', '2', '--max-len', '16', '--steps', '1', '--warmup-runs', '0', '--json', '--config', join(TMP, 'tmicro.json')]);
  assert.equal(tr.code, 1, 'a missing --config file is a runtime error');
  assert.match(tr.stderr, /--config '.*tmicro\.json' cannot be read/);
  const i = avey(['bench', 'infer', '--config', MICRO, '--max-lens', '16,64', '--repeats', '2', '--warmup-seconds', '0', '--json', '--backend', 'cpu']);
  assert.equal(i.code, 0, i.stderr);
  const ij = JSON.parse(i.stdout) as { results: Array<{ seq_len: number; latency_s: number; tokens_per_s: number }> };
  assert.deepEqual(ij.results.map((x) => x.seq_len), [16, 64]);
  assert.ok(ij.results.every((x) => x.latency_s > 0 && x.tokens_per_s > 0));
  const text = avey(['bench', 'infer', '--config', MICRO, '--max-lens', '16', '--repeats', '1', '--warmup-seconds', '0', '--backend', 'cpu']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /seq_len\s+latency ms \(median\)\s+min ms\s+tokens\/s\n-+/);
  const bad = avey(['bench', 'infer', '--max-lens', '16,abc']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--max-lens expects comma-separated positive whole numbers/);
});

test('bench ops is wired to the op benchmarks (quick smoke run)', () => {
  const r = avey(['bench', 'ops', '--ops', 'add', '--quick', '--no-peers', '--json', '--backend', 'cpu'], { timeoutMs: 90_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { results: Array<{ op: string; backend: string; ms: number }> };
  assert.ok(j.results.length > 0);
  assert.ok(j.results.every((x) => x.op === 'add' && x.ms > 0));
});

test('bench ops --backends measures several backends side by side; unknown names are usage errors', () => {
  const r = avey(['bench', 'ops', '--ops', 'add', '--quick', '--no-peers', '--json', '--backends', 'all'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { results: Array<{ backend: string }>; skipped: string[]; env: { backends: Record<string, string> } };
  const measured = new Set(j.results.map((x) => x.backend));
  // cpu always runs; webgpu and gpujs either ran or are listed under skipped with the reason.
  assert.ok(measured.has('cpu'));
  // every measured backend says what it runs on (the WebGPU adapter's name, the gpu.js mode)
  for (const b of ['cpu', 'webgpu', 'gpujs']) if (measured.has(b)) assert.ok(j.env.backends[b], `env.backends.${b}`);
  if (measured.has('webgpu')) assert.match(j.env.backends.webgpu, /adapter '/);
  if (measured.has('gpujs')) assert.match(j.env.backends.gpujs, /mode/);
  for (const b of ['webgpu', 'gpujs']) {
    assert.ok(measured.has(b) || j.skipped.some((s) => s.startsWith(`${b}:`)), `${b}: measured or skipped with a reason`);
  }
  const bad = avey(['bench', 'ops', '--backends', 'cpu', 'tpu', '--quick']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown backend 'tpu'/);
});
