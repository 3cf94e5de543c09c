// `avey trace` end to end: a tiny Avey-B checkpoint and a batch of ids (B = 2, T not a multiple of
// the split size) through the real launcher; the trace file is checked against the independent
// float64 oracle of @avey/avey-b's tests, on cpu and on every other backend that initialises
// here (webgpu, gpujs); --svg heatmaps; usage and file errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@avey/tensor';
import { safetensors } from '@avey/autograd';
import { aveyConfig, createAvey, namedParams, saveCheckpoint } from '@avey/avey-b';
import { closeness, flat, oracleForward, type OracleParams } from '../../avey-b/test/oracle.js';
import { avey, tempDir } from './helpers.js';

const dir = tempDir('avey-trace-');
after(() => dir.cleanup());
const cfg = aveyConfig({ vocab_size: 40, d_embed: 8, n_layers: 4, chunk_size: 4, k: 2 });
const model = createAvey(cfg, 'mlm', { seed: 5 });
await saveCheckpoint(join(dir.dir, 'ckpt'), model);
const idsT = new Rng(6).int([2, 11], 0, 40);
await safetensors.write(join(dir.dir, 'in.safetensors'), { input_ids: idsT });
const ids = Array.from(idsT.dataSync() as Int32Array);
const params: OracleParams = new Map([...namedParams(model)].map(([n, p]) => [n, { data: p.value.dataSync() as Float32Array, shape: p.shape }]));
const want = oracleForward(cfg, params, [ids.slice(0, 11), ids.slice(11)]);

function checkTrace(file: string, label: string): void {
  const { tensors } = safetensors.readRaw(file);
  const get = (n: string) => {
    const t = tensors.get(n);
    assert.ok(t, `${label}: ${n} in the trace`);
    return t;
  };
  assert.deepEqual([...get('ranker.scores').shape], [2, 3, 3]);
  assert.deepEqual([...get('ranker.selected').shape], [2, 3, 2]);
  assert.ok(closeness(get('ranker.scores').data as Float32Array, flat(want.scores), 1e-4, 1e-4) <= 1, `${label}: scores`);
  assert.deepEqual(Array.from(get('ranker.selected').data as Int32Array), flat(want.selected), `${label}: selected`);
  assert.ok(closeness(get('ranker.weights').data as Float32Array, flat(want.weights), 1e-4, 1e-5) <= 1, `${label}: weights`);
  for (let i = 0; i < cfg.n_layers; i++) {
    assert.deepEqual([...get(`layers.${i}.v`).shape], [6, 4, 8]);
    assert.ok(closeness(get(`layers.${i}.v`).data as Float32Array, flat(want.layers[i].v), 2e-3, 2e-4) <= 1, `${label}: layers.${i}.v`);
    if (i % 2 === 1) {
      assert.deepEqual([...get(`layers.${i}.mixing`).shape], [6, 4, 4]);
      assert.ok(closeness(get(`layers.${i}.mixing`).data as Float32Array, flat(want.layers[i].mixing), 2e-3, 2e-4) <= 1, `${label}: layers.${i}.mixing`);
    } else assert.equal(tensors.has(`layers.${i}.mixing`), false, 'static layers: no mixing entry');
  }
}

test('avey trace --backend cpu: the trace file equals the float64 oracle; --svg writes readable heatmaps', () => {
  const folder = join(dir.dir, 'cpu');
  const out = join(folder, 'trace.safetensors');
  const r = avey(['trace', '--checkpoint', join(dir.dir, 'ckpt'), '--input', join(dir.dir, 'in.safetensors'), '--out', folder, '--svg', '--backend', 'cpu', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.backend, 'cpu');
  assert.deepEqual(j.tensors['layers.1.mixing'].shape, [6, 4, 4]);
  checkTrace(out, 'cpu');
  const svgs = readdirSync(join(folder, 'svg')).sort();
  assert.ok(svgs.includes('ranker-scores-b0.svg') && svgs.includes('ranker-scores-b1.svg'), svgs.join());
  assert.ok(svgs.includes('layer1-mixing-b1-split2.svg') && svgs.includes('layer3-mixing-b0-split0.svg'), svgs.join());
  const svg = readFileSync(join(folder, 'svg', 'ranker-scores-b0.svg'), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /stroke="black"/, 'selections are outlined');
  assert.match(svg, /<title>\[2, 1\] = /, 'every cell carries its value');
});

for (const backend of ['webgpu', 'gpujs']) {
  test(`avey trace --backend ${backend}: the same trace (async reads), or skipped with the reason`, (t) => {
    const out = join(dir.dir, backend, 'trace.safetensors');
    const r = avey(['trace', '--checkpoint', join(dir.dir, 'ckpt'), '--input', join(dir.dir, 'in.safetensors'), '--out', join(dir.dir, backend), '--backend', backend], { timeoutMs: 300_000 });
    if (r.code === 2 && /cannot be used here/.test(r.stderr)) {
      t.skip(`${backend} unavailable: ${r.stderr.trim().split('\n')[0]}`);
      return;
    }
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`backend ${backend}: traced forward`));
    checkTrace(out, backend);
  });
}

test('avey trace: usage and file errors are clear, with no stack trace', () => {
  const ck = join(dir.dir, 'ckpt');
  const both = avey(['trace', '--checkpoint', ck, '--input', 'x', '--text', 'y', '--out', join(dir.dir, 'o')]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /exactly one of --input and --text/);
  const none = avey(['trace', '--checkpoint', ck, '--out', join(dir.dir, 'o')]);
  assert.equal(none.code, 2);
  const noText = avey(['trace', '--checkpoint', ck, '--text', 'hello', '--out', join(dir.dir, 'o')]);
  assert.notEqual(noText.code, 0);
  assert.match(noText.stderr, /tokenizer\.json/);
  const wrong = avey(['trace', '--checkpoint', ck, '--input', join(dir.dir, 'cpu', 'trace.safetensors'), '--out', join(dir.dir, 'o')]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /no 'input_ids' tensor/);
  for (const r of [both, noText, wrong]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(join(dir.dir, 'o.safetensors')), false);
});

test('avey trace --text: tokenised with the checkpoint\'s tokenizer.json; the heatmaps name the tokens', async () => {
  const { BpeTrainer } = await import('@avey/data');
  const t = new BpeTrainer({ vocabSize: 280 });
  t.feed('the cat sat on the mat. the dog sat on the log. '.repeat(20));
  const tok = t.finish();
  const ck = join(dir.dir, 'ckpt-text');
  await saveCheckpoint(ck, createAvey(aveyConfig({ vocab_size: tok.vocabSize, d_embed: 8, n_layers: 2, chunk_size: 4, k: 2 }), 'mlm', { seed: 1 }));
  tok.save(join(ck, 'tokenizer.json'));
  const out = join(dir.dir, 'text.safetensors');
  const r = avey(['trace', '--checkpoint', ck, '--text', 'the cat sat on the mat', '--output', out, '--svg', join(dir.dir, 'svg-text'), '--json']);
  // the old spellings still work: --output is a deprecated alias of --out, and --out FILE.safetensors the old file form
  assert.match(r.stderr, /--output is deprecated; use --out/);
  assert.match(r.stderr, /--out .*text\.safetensors names a file \(deprecated\)/);
  assert.equal(r.code, 0, r.stderr);
  const ids = tok.encode('the cat sat on the mat', { addSpecialTokens: false }).ids.length + (tok.special.eos !== null ? 1 : 0);
  const n = Math.ceil(ids / 4);
  assert.deepEqual(JSON.parse(r.stdout).tensors['ranker.scores'].shape, [1, n, n]);
  const svg = readFileSync(join(dir.dir, 'svg-text', 'layer1-mixing-b0-split0.svg'), 'utf8');
  const first = tok.decode([tok.encode('the cat sat on the mat', { addSpecialTokens: false }).ids[0]]).replace(/ /g, '␣');
  assert.ok(svg.includes(`>0 ${first}</text>`), `column 0 is labelled with its token ${JSON.stringify(first)}`);
});
