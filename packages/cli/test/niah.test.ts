// `avey finetune niah` / `avey eval niah` end to end on micro models: train at one length, test at
// longer ones (the length-generalisation path), the Transformer past its learned positions reported
// as "not supported" (not a crash), a predicted out-of-memory length skipped with its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { avey, tempDir } from './helpers.js';
import { evaluateLengths, predictMemoryMb, unsupportedReason, type LengthResult } from '../src/finetune/niah.js';

const { dir: TMP, cleanup } = tempDir('avey-niah-test-');
process.on('exit', cleanup);

/** A 4-step micro pretraining run on the haystack's own words (so they are single tokens). */
function pretrained(model: 'avey-b' | 'transformer', config: Record<string, unknown>): string {
  const corpus = join(TMP, 'corpus.txt');
  const words = 'the of and to in is was that for on with as by at from this have not but all they one had were when'.split(' ');
  const paras = Array.from({ length: 120 }, (_, p) => Array.from({ length: 16 }, (_, i) => words[(p * 7 + i * 3) % words.length]).join(' '));
  writeFileSync(corpus, paras.join('\n\n'));
  const cfg = join(TMP, `${model}.json`);
  writeFileSync(cfg, JSON.stringify(config));
  const run = join(TMP, `pre-${model}`);
  const r = avey(['pretrain', '--backend', 'cpu', '--model', model, '--corpus', corpus, '--config', cfg, '--vocab-size', '400', '--batch', '2', '--max-len', '32', '--steps', '4', '--out', run]);
  assert.equal(r.code, 0, r.stderr);
  return run;
}

interface Report { train_len: number; train_words: number; eval_lens: number[]; results: LengthResult[]; steps: number }

test('finetune niah: trained at 128 tokens, tested at 128 / 512 / 2048, then eval niah re-scores the saved model identically', () => {
  const ckpt = pretrained('avey-b', { d_embed: 16, n_layers: 2, chunk_size: 8, k: 1 });
  const out = join(TMP, 'ft-avey');
  const r = avey(['finetune', 'niah', '--checkpoint', ckpt, '--backend', 'cpu', '--train-len', '128', '--eval-lens', '128,512', '2048', '--limit', '16', '--eval-limit', '3', '--batch', '8', '--lr', '1e-3', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /eval NaN/, 'no held-out set: no eval loss shown');
  assert.match(r.stderr, /16 training examples of 128 tokens \(≈ \d+ haystack words with this tokenizer/);
  assert.match(r.stdout, /length \(tokens\)[\s\S]*\n128 [\s\S]*\n512 [\s\S]*\n2048 [\s\S]*reference: 70 %/);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Report;
  assert.equal(m.train_len, 128);
  assert.equal(m.steps, 2);
  assert.deepEqual(m.results.map((x) => [x.length_tokens, x.status, x.examples]), [[128, 'ok', 3], [512, 'ok', 3], [2048, 'ok', 3]]);
  for (const x of m.results) {
    assert.ok(x.accuracy! >= 0 && x.accuracy! <= 1 && x.set_f1! >= 0 && x.set_f1! <= 1);
    assert.ok(x.peak_rss_mb! > 0 && x.wall_s! >= 0);
    assert.ok(Math.abs(Object.values(x.outcomes!).reduce((s, v) => s + v, 0) - 1) < 1e-9);
  }
  assert.ok(m.results[2].words! > 3 * m.results[0].words!, 'words grow with the length');
  const e = avey(['eval', 'niah', '--checkpoint', join(out, 'model'), '--backend', 'cpu', '--train-len', '128', '--eval-lens', '512', '--eval-limit', '3', '--batch', '8', '--json']);
  assert.equal(e.code, 0, e.stderr);
  const again = (JSON.parse(e.stdout) as { results: LengthResult[] }).results[0];
  assert.equal(again.accuracy, m.results[1].accuracy);
  assert.equal(again.set_f1, m.results[1].set_f1);
  const bad = avey(['finetune', 'niah', '--checkpoint', ckpt, '--backend', 'cpu', '--eval-lens', '1k']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--eval-lens: '1k' is not a length in tokens/);
});

test('finetune niah: the Transformer past its learned positions is "not supported", training past them a usage error', () => {
  const ckpt = pretrained('transformer', { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 256 });
  const out = join(TMP, 'ft-tf');
  const r = avey(['finetune', 'niah', '--checkpoint', ckpt, '--backend', 'cpu', '--train-len', '128', '--eval-lens', '128,256,512,65536', '--limit', '8', '--eval-limit', '2', '--batch', '8', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout) as Report;
  assert.deepEqual(m.results.map((x) => x.status), ['ok', 'ok', 'not supported', 'not supported']);
  assert.match(m.results[2].reason!, /not supported: the Transformer's learned positions end at 256 tokens/);
  assert.match(r.stderr, /512 tokens: not supported/);
  const t = avey(['finetune', 'niah', '--checkpoint', ckpt, '--backend', 'cpu', '--train-len', '512', '--limit', '8']);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /--train-len 512: not supported/);
  assert.doesNotMatch(t.stderr, /\n\s+at /, 'no stack trace');
});

test('niah memory prediction: attention grows as L², a length over the budget is skipped with the reason', async () => {
  const { transformerConfig, aveyConfig } = await import('@avey/avey-b');
  const tf = transformerConfig({ hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 32, max_position_embeddings: 1 << 17, position_embedding_type: 'sinusoidal' });
  const av = aveyConfig({ d_embed: 16, n_layers: 2, chunk_size: 8, k: 1 });
  assert.equal(unsupportedReason(av, 1 << 20), null);
  assert.equal(unsupportedReason(tf, 1 << 17), null);
  // 3 × heads × L² × 4 bytes: 65,536 tokens → 196,608 MB
  assert.equal(predictMemoryMb(tf, [], 65536), 3 * 4 * 65536 * 65536 * 4 / 2 ** 20);
  // power law through the last two measured points (Avey-B: linear)
  assert.equal(predictMemoryMb(av, [[1024, 10], [4096, 40]], 65536), 640);
  assert.equal(predictMemoryMb(av, [[1024, 10]], 2048), 20);
  const notes: string[] = [];
  const rows = await evaluateLengths(null as never, tf, { make: () => { throw new Error('not reached'); } }, 0, { evalLens: [65536], evalLimit: 1, batch: 1, trainLen: 128, memFraction: 0.5 }, (l) => notes.push(l));
  assert.equal(rows[0].status, 'skipped');
  assert.match(rows[0].reason!, /skipped: ~196608 MB predicted for one forward pass, over \d+ MB \(50 % of this machine's memory\)/);
  assert.match(notes[0], /65536 tokens: skipped/);
});
