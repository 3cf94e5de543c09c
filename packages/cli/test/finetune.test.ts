// `avey finetune` / `avey eval` end to end with a micro pretrained checkpoint and a few examples of
// the shared datasets: metrics tables and JSON, the saved model re-evaluates to the same numbers,
// the paper protocol's structure, and clear errors for mismatched heads and broken datasets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDatasetsRoot } from '../src/finetune/tasks.js';
import { avey, REPO_ROOT, tempDir } from './helpers.js';

const { dir: TMP, cleanup } = tempDir('avey-finetune-test-');
process.on('exit', cleanup);

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
const ROOT = datasets();
const SKIP = ROOT ? false : 'no shared datasets folder (../shared/datasets) next to the repository';

let CKPT = '';
function pretrained(): string {
  if (CKPT) return CKPT;
  const corpus = join(TMP, 'corpus.txt');
  const words = 'the movie was good bad great awful fine dull fun boring plot actor story film'.split(' ');
  const paras = Array.from({ length: 120 }, (_, p) => Array.from({ length: 12 }, (_, i) => words[(p * 7 + i * 3) % words.length]).join(' '));
  writeFileSync(corpus, paras.join('\n\n'));
  const cfg = join(TMP, 'micro.json');
  writeFileSync(cfg, JSON.stringify({ d_embed: 16, n_layers: 2, chunk_size: 8, k: 1 }));
  const run = join(TMP, 'pre');
  const r = avey(['pretrain', '--backend', 'cpu', '--corpus', corpus, '--config', cfg, '--vocab-size', '400', '--batch', '2', '--max-len', '32', '--steps', '4', '--out', run]);
  assert.equal(r.code, 0, r.stderr);
  CKPT = run;
  return run;
}

const QUICK = ['--backend', 'cpu', '--limit', '24', '--eval-limit', '12', '--batch', '8', '--max-len', '48'];

test('finetune sst2: table + metrics.json + a saved model that eval scores identically', { skip: SKIP }, () => {
  const out = join(TMP, 'sst2');
  const r = avey(['finetune', 'sst2', '--checkpoint', pretrained(), ...QUICK, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /split\s+accuracy[\s\S]*dev\s+[\d.]+[\s\S]*test\s+[\d.]+/);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { test: { accuracy: number }; train_examples: number; test_examples: number };
  assert.equal(m.train_examples, 24);
  assert.equal(m.test_examples, 12);
  assert.ok(m.test.accuracy >= 0 && m.test.accuracy <= 1);
  const evalJson = join(TMP, 'eval-sst2', 'metrics.json');
  const e = avey(['eval', 'sst2', '--checkpoint', join(out, 'model'), '--backend', 'cpu', '--eval-limit', '12', '--max-len', '48', '--batch', '8', '--json', '--out', join(TMP, 'eval-sst2')]);
  assert.equal(e.code, 0, e.stderr);
  assert.equal((JSON.parse(e.stdout) as { metrics: { accuracy: number } }).metrics.accuracy, m.test.accuracy);
  assert.deepEqual(JSON.parse(readFileSync(evalJson, 'utf8')), JSON.parse(e.stdout));
  // the fine-tuning output folder itself works too (its model/ is used)
  const e2 = avey(['eval', 'sst2', '--checkpoint', out, '--backend', 'cpu', '--eval-limit', '12', '--max-len', '48', '--batch', '8', '--json']);
  assert.equal(e2.code, 0, e2.stderr);
  assert.equal((JSON.parse(e2.stdout) as { metrics: { accuracy: number } }).metrics.accuracy, m.test.accuracy);
  // the wrong task for this head is a clear runtime error
  const wrong = avey(['eval', 'wnut17', '--checkpoint', join(out, 'model'), '--eval-limit', '4']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /has a seqcls head with 2 labels, but wnut17 needs a tokcls head with 13 labels/);
});

test('finetune runs in the one training loop: log.jsonl per step, exact resume from a checkpoint, --out never overwritten', { skip: SKIP }, () => {
  const out = join(TMP, 'sst2-loop');
  const args = ['finetune', 'sst2', '--checkpoint', pretrained(), ...QUICK, '--save-interval', '1', '--keep', '10', '--out', out];
  const r = avey(args);
  assert.equal(r.code, 0, r.stderr);
  const losses = (dir: string) => readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss?: number; ms?: number; rss_mb?: number; heap_mb?: number; array_buffers_mb?: number; live_tensors?: number; live_tensor_mb?: number }).filter((x) => x.loss !== undefined).map(({ ms: _ms, rss_mb: _r, heap_mb: _h, array_buffers_mb: _a, live_tensors: _t, live_tensor_mb: _m, ...x }) => x);
  const ref = losses(out);
  assert.deepEqual(ref.map((x) => x.step), [1, 2, 3], '24 examples / batch 8 = 3 logged steps');
  assert.ok(existsSync(join(out, 'loss.svg')) && existsSync(join(out, 'checkpoints', 'step-000003', 'optimizer.safetensors')));
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { test: { accuracy: number } };
  // the same command again: refused, nothing overwritten
  const again = avey(args);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds a training run\. Continue it with `avey finetune sst2 --resume/);
  // resume from step 1: steps 2 and 3 again, bit for bit, and the same test accuracy
  const res = avey(['finetune', 'sst2', '--resume', join(out, 'checkpoints', 'step-000001'), '--backend', 'cpu', '--json']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /resuming .*step-000001 at step 1\/3/);
  assert.deepEqual(losses(out), ref);
  assert.equal((JSON.parse(res.stdout) as { test: { accuracy: number } }).test.accuracy, m.test.accuracy);
});

test('finetune wnut17 with the paper protocol: LR sweep × seeds, median at the best dev LR', { skip: SKIP }, () => {
  const out = join(TMP, 'wnut');
  const r = avey(['finetune', 'wnut17', '--checkpoint', pretrained(), ...QUICK, '--limit', '16', '--eval-limit', '8', '--protocol', 'paper', '--lrs', '1e-3', '1e-2', '--n-seeds', '2', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout) as {
    protocol: string;
    runs: Array<{ lr: number; seed: number; dev: { f1: number }; test: { f1: number } }>;
    by_lr: Array<{ lr: number; dev_median: { f1: number }; test_median: { f1: number } }>;
    best_lr: number;
    result: { f1: number };
  };
  assert.equal(m.protocol, 'paper');
  assert.equal(m.runs.length, 4);
  assert.deepEqual(m.by_lr.map((x) => x.lr), [1e-3, 1e-2]);
  const best = m.by_lr.find((x) => x.lr === m.best_lr)!;
  assert.ok(m.by_lr.every((x) => x.dev_median.f1 <= best.dev_median.f1));
  const tests = m.runs.filter((x) => x.lr === m.best_lr).map((x) => x.test.f1).sort((a, b) => a - b);
  assert.equal(m.result.f1, (tests[0] + tests[1]) / 2, 'median of two seeds');
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')), m);
});

test('eval squad-retrieval: SQuAD dev as a BEIR folder through the one retrieval evaluator', { skip: SKIP }, () => {
  const env = { AVEY_CACHE_DIR: join(TMP, 'cache') };
  const r = avey(['eval', 'squad-retrieval', '--checkpoint', pretrained(), '--backend', 'cpu', '--eval-limit', '20', '--max-len', '64', '--corpus', 'judged', '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout) as Record<string, number | string>;
  for (const k of ['ndcg@10', 'mrr@10', 'recall@100', 'paper_ndcg@10']) assert.ok((m[k] as number) >= 0 && (m[k] as number) <= 1, `${k} = ${m[k]}`);
  assert.equal(m.queries, 20);
  assert.ok((m.documents as number) >= 1 && (m.documents as number) <= 20, '--corpus judged: only the passages of the 20 questions scored');
  const beir = m.beir as string;
  for (const f of ['corpus.jsonl', 'queries.jsonl', join('qrels', 'test.tsv')]) assert.ok(existsSync(join(beir, f)), f);
  // the generated folder read by `eval retrieval` gives the same numbers (corpus embeddings cached)
  const again = avey(['eval', 'retrieval', '--beir', beir, '--checkpoint', pretrained(), '--backend', 'cpu', '--eval-limit', '20', '--max-len', '64', '--corpus', 'judged', '--json'], { env });
  assert.equal(again.code, 0, again.stderr);
  const m2 = JSON.parse(again.stdout) as Record<string, number | string>;
  assert.equal(m2['ndcg@10'], m['ndcg@10']);
  assert.equal(m2.embedding_cache, 'hit');
});

test('an unreadable dataset or a missing datasets folder is a runtime error naming the file', { skip: SKIP }, () => {
  const data = join(TMP, 'data');
  mkdirSync(join(data, 'sst2'), { recursive: true });
  writeFileSync(join(data, 'sst2', 'train.tsv'), 'sentence\tlabel\na fine film\t1\nbroken line without label\n');
  for (const f of ['dev.tsv', 'test.tsv']) writeFileSync(join(data, 'sst2', f), 'sentence\tlabel\nok\t0\n');
  const r = avey(['finetune', 'sst2', '--checkpoint', pretrained(), '--data', data, '--out', join(TMP, 'x')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /train\.tsv:3: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const missing = avey(['finetune', 'sick', '--checkpoint', pretrained(), '--data', data]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /sick\/SICK_train\.txt' is missing/);
  const nodir = avey(['eval', 'sst2', '--checkpoint', pretrained(), '--data', join(TMP, 'nowhere')]);
  assert.equal(nodir.code, 1);
  assert.match(nodir.stderr, /--data '.*nowhere' does not exist/);
});
