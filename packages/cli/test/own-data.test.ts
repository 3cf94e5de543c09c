// `avey finetune classify` / `avey eval classify` on your own files (docs/examples/reviews-*.tsv):
// a model with id2label in config.json that eval scores identically on the test file; bad rows
// named by file:line; empty and one-class training sets refused; CSV and JSONL read the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLabelled } from '../src/finetune/own-data.js';
import { avey, REPO_ROOT, tempDir } from './helpers.js';

const { dir: TMP, cleanup } = tempDir('avey-own-data-test-');
process.on('exit', cleanup);
const EX = join(REPO_ROOT, 'docs', 'examples');

let CKPT = '';
function pretrained(): string {
  if (CKPT) return CKPT;
  const cfg = join(TMP, 'micro.json');
  writeFileSync(cfg, JSON.stringify({ d_embed: 16, n_layers: 2, chunk_size: 8, k: 1 }));
  const r = avey(['pretrain', '--backend', 'cpu', '--config', cfg, '--vocab-size', '300', '--batch', '2', '--max-len', '16', '--steps', '2', '--out', join(TMP, 'pre')]);
  assert.equal(r.code, 0, r.stderr);
  return (CKPT = join(TMP, 'pre'));
}

test('TSV, CSV and JSONL give the same rows; quoted CSV fields; file:line errors', () => {
  const cols = { text: 'text', label: 'label' };
  const tsv = join(TMP, 'a.tsv');
  const csv = join(TMP, 'a.csv');
  const jsonl = join(TMP, 'a.jsonl');
  writeFileSync(tsv, 'label\ttext\npos\ta fine, warm film\nneg\tdull\n');
  writeFileSync(csv, 'label,text\npos,"a fine, warm film"\nneg,dull\n');
  writeFileSync(jsonl, '{"text": "a fine, warm film", "label": "pos"}\n{"text": "dull", "label": "neg"}\n');
  const strip = (rows: ReturnType<typeof readLabelled>) => rows.map(({ text, label }) => ({ text, label }));
  assert.deepEqual(strip(readLabelled(csv, cols, '--train')), strip(readLabelled(tsv, cols, '--train')));
  assert.deepEqual(strip(readLabelled(jsonl, cols, '--train')), strip(readLabelled(tsv, cols, '--train')));
  writeFileSync(tsv, 'text\tlabel\nok\tpos\nmissing a tab\n');
  assert.throws(() => readLabelled(tsv, cols, '--train'), /a\.tsv:3: 1 fields, but the header has 2/);
  writeFileSync(jsonl, '{"text": "x", "label": "a"}\n{"text": "y"\n');
  assert.throws(() => readLabelled(jsonl, cols, '--train'), /a\.jsonl:2: not valid JSON/);
});

test('finetune classify on the example files: id2label saved, eval classify scores the same', () => {
  const out = join(TMP, 'cls');
  const r = avey(['finetune', 'classify', '--checkpoint', pretrained(), '--train', join(EX, 'reviews-train.tsv'), '--validation', join(EX, 'reviews-dev.tsv'), '--test', join(EX, 'reviews-test.tsv'), '--backend', 'cpu', '--batch', '8', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout) as { train_examples: number; test_examples: number; test: { accuracy: number } };
  assert.equal(m.train_examples, 40);
  assert.equal(m.test_examples, 10);
  const cfg = JSON.parse(readFileSync(join(out, 'model', 'config.json'), 'utf8')) as { id2label: Record<string, string> };
  assert.deepEqual(cfg.id2label, { 0: 'negative', 1: 'positive' });
  const e = avey(['eval', 'classify', '--checkpoint', out, '--test', join(EX, 'reviews-test.tsv'), '--backend', 'cpu', '--json']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal((JSON.parse(e.stdout) as { metrics: { accuracy: number } }).metrics.accuracy, m.test.accuracy);
  // an unknown label in a new file is named with its line
  const bad = join(TMP, 'new.tsv');
  writeFileSync(bad, 'text\tlabel\nfine\tpositive\nmeh\tneutral\n');
  const e2 = avey(['eval', 'classify', '--checkpoint', out, '--test', bad, '--backend', 'cpu']);
  assert.equal(e2.code, 1);
  assert.match(e2.stderr, /new\.tsv:3: the label 'neutral' is not one of the training labels \(negative, positive\)/);
});

test('empty and one-class training sets are refused', () => {
  const one = join(TMP, 'one.tsv');
  writeFileSync(one, 'text\tlabel\na\tpos\nb\tpos\n');
  const r = avey(['finetune', 'classify', '--checkpoint', pretrained(), '--train', one, '--backend', 'cpu', '--out', join(TMP, 'one-out')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /has only one label \('pos'\)/);
  const empty = join(TMP, 'empty.tsv');
  writeFileSync(empty, 'text\tlabel\n');
  const r2 = avey(['finetune', 'classify', '--checkpoint', pretrained(), '--train', empty, '--backend', 'cpu', '--out', join(TMP, 'empty-out')]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /has no examples/);
});
