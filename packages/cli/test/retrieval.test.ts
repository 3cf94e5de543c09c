// `avey finetune retrieval` / `avey eval retrieval` end to end on a synthetic BEIR folder: the
// fine-tuned model must beat its own zero-shot nDCG@10; BM25 prints beside the model; the
// embedding cache; the run is a session of the one training loop (log.jsonl, checkpoints, exact
// resume); malformed files name file:line; usage errors exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { avey, tempDir } from './helpers.js';

const { dir: TMP, cleanup } = tempDir('avey-retrieval-test-');
process.on('exit', cleanup);
const ENV = { AVEY_CACHE_DIR: join(TMP, 'cache') };

// Deterministic synthetic collection: 40 "topics", each a set of 8 made-up words; a document is 20
// words of its topic, a query 3 of them. Lexical overlap decides relevance, so BM25 is strong and
// a contrastively trained encoder can learn it quickly.
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
const syl = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vi', 'zo', 'pe', 'sa', 'du', 'fi', 'go', 'hu', 'ji'];
const vocab = [...new Set(Array.from({ length: 600 }, () => pick(syl) + pick(syl) + pick(syl)))].slice(0, 240);
const topics = Array.from({ length: 40 }, () => Array.from({ length: 8 }, () => pick(vocab)));
const doc = (t: string[]) => Array.from({ length: 20 }, () => pick(t)).join(' ');
const query = (t: string[]) => Array.from({ length: 3 }, () => pick(t)).join(' ');

const BEIR = join(TMP, 'beir');
mkdirSync(join(BEIR, 'qrels'), { recursive: true });
writeFileSync(join(BEIR, 'corpus.jsonl'), topics.map((t, i) => JSON.stringify({ _id: `d${i}`, title: '', text: doc(t) })).join('\n') + '\n');
writeFileSync(join(BEIR, 'queries.jsonl'), topics.map((t, i) => JSON.stringify({ _id: `q${i}`, text: query(t) })).join('\n') + '\n');
writeFileSync(join(BEIR, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...topics.map((_, i) => `q${i}\td${i}\t1`)].join('\n') + '\n');
const PAIRS = join(TMP, 'pairs.jsonl');
writeFileSync(PAIRS, Array.from({ length: 300 }, (_, k) => {
  const t = topics[k % topics.length];
  return JSON.stringify(k % 3 ? { query: query(t), positive: doc(t) } : { query: query(t), positive: doc(t), negative: doc(topics[(k + 1) % topics.length]) });
}).join('\n') + '\n');

let CKPT = '';
function pretrained(): string {
  if (CKPT) return CKPT;
  const corpus = join(TMP, 'corpus.txt');
  writeFileSync(corpus, [...topics, ...topics].map(doc).join('\n\n'));
  const cfg = join(TMP, 'micro.json');
  writeFileSync(cfg, JSON.stringify({ d_embed: 32, n_layers: 2, chunk_size: 16, k: 1 }));
  const r = avey(['pretrain', '--backend', 'cpu', '--corpus', corpus, '--config', cfg, '--vocab-size', '400', '--batch', '4', '--max-len', '64', '--steps', '10', '--out', join(TMP, 'pre')]);
  assert.equal(r.code, 0, r.stderr);
  return (CKPT = join(TMP, 'pre'));
}

const evalJson = (ckpt: string, extra: string[] = []) => {
  const r = avey(['eval', 'retrieval', '--checkpoint', ckpt, '--beir', BEIR, '--backend', 'cpu', '--max-len', '64', '--json', ...extra], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  return { m: JSON.parse(r.stdout) as Record<string, number | string | Record<string, number>>, stderr: r.stderr };
};

test('finetune retrieval (MNRL, gradient cache, hard negatives) beats its own zero-shot nDCG@10; BM25 beside it', () => {
  const zero = evalJson(pretrained(), ['--bm25']);
  for (const k of ['ndcg@10', 'mrr@10', 'recall@100', 'paper_ndcg@10']) assert.equal(typeof zero.m[k], 'number', k);
  assert.equal(zero.m.queries, 40);
  assert.equal(zero.m.embedding_cache, 'miss');
  const bm25 = zero.m.bm25 as Record<string, number>;
  assert.ok(bm25['ndcg@10'] > 0.9, `BM25 on a lexical collection: ${bm25['ndcg@10']}`);
  const out = join(TMP, 'ft');
  const ft = avey(['finetune', 'retrieval', '--checkpoint', pretrained(), '--train', PAIRS, '--validation', PAIRS, '--eval-limit', '40', '--steps', '20', '--batch', '16', '--mini-batch', '8', '--max-len', '64', '--lr', '1e-3', '--backend', 'cpu', '--out', out, '--json'], { env: ENV });
  assert.equal(ft.code, 0, ft.stderr);
  const rep = JSON.parse(ft.stdout) as { steps: number; loss: { first: number; last: number }; validation: { zero_shot: Record<string, number>; fine_tuned: Record<string, number> }; model: string };
  assert.equal(rep.steps, 20);
  assert.ok(rep.loss.last < rep.loss.first, `loss ${rep.loss.first} → ${rep.loss.last}`);
  assert.ok(rep.validation.fine_tuned['ndcg@10'] > rep.validation.zero_shot['ndcg@10']);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')), rep);
  const tuned = evalJson(out);
  assert.ok((tuned.m['ndcg@10'] as number) > (zero.m['ndcg@10'] as number) + 0.05, `fine-tuned ${tuned.m['ndcg@10']} vs zero-shot ${zero.m['ndcg@10']}`);
  // the fine-tuned folder is a checkpoint `avey embed` reads
  const emb = avey(['embed', '--checkpoint', out, '--backend', 'cpu', 'kalomi neruta'], { env: ENV });
  assert.equal(emb.code, 0, emb.stderr);
  assert.equal((JSON.parse(emb.stdout.trim()) as { embedding: number[] }).embedding.length, 32);
  // a second evaluation reads the corpus embeddings from the cache, with the same scores
  const again = evalJson(pretrained());
  assert.equal(again.m.embedding_cache, 'hit');
  assert.equal(again.m['ndcg@10'], zero.m['ndcg@10']);
});

test('finetune retrieval runs in the one training loop: log.jsonl per step, exact resume from a checkpoint, --out never overwritten', () => {
  const out = join(TMP, 'ft-loop');
  const args = ['finetune', 'retrieval', '--checkpoint', pretrained(), '--train', PAIRS, '--limit', '60', '--steps', '4', '--batch', '8', '--mini-batch', '4', '--max-len', '32', '--lr', '1e-3', '--save-interval', '2', '--keep', '10', '--backend', 'cpu', '--out', out, '--json'];
  const r = avey(args, { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  const losses = (dir: string) => readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss?: number; ms?: number }).filter((x) => x.loss !== undefined).map(({ ms: _ms, ...x }) => x);
  const ref = losses(out);
  assert.deepEqual(ref.map((x) => x.step), [1, 2, 3, 4]);
  for (const f of ['loss.svg', 'run.json', 'model/model.safetensors', 'checkpoints/step-000002/optimizer.safetensors', 'checkpoints/step-000004/trainer_state.json']) assert.ok(existsSync(join(out, f)), f);
  const rep = JSON.parse(r.stdout) as { steps: number; loss: { first: number; last: number } };
  assert.equal(rep.steps, 4);
  assert.equal(rep.loss.first, ref[0].loss);
  // the same command again: refused, nothing overwritten
  const again = avey(args, { env: ENV });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds a training run\. Continue it with `avey finetune retrieval --resume/);
  // interrupted after its first checkpoint (step 2) and resumed: steps 3 and 4 again, bit for bit
  const res = avey(['finetune', 'retrieval', '--resume', join(out, 'checkpoints', 'step-000002'), '--backend', 'cpu', '--json'], { env: ENV });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /resuming .*step-000002 at step 2\/4/);
  assert.deepEqual(losses(out), ref);
  assert.deepEqual((JSON.parse(res.stdout) as { loss: unknown }).loss, rep.loss);
  // a classification task cannot resume it
  const wrong = avey(['finetune', 'sst2', '--resume', out, '--backend', 'cpu']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /is a retrieval run, not sst2/);
});

test('eval retrieval: unknown qrels ids are reported; malformed files name file:line; usage errors exit 2', () => {
  const bad = join(TMP, 'bad');
  mkdirSync(join(bad, 'qrels'), { recursive: true });
  writeFileSync(join(bad, 'corpus.jsonl'), readFileSync(join(BEIR, 'corpus.jsonl')));
  writeFileSync(join(bad, 'queries.jsonl'), readFileSync(join(BEIR, 'queries.jsonl')));
  writeFileSync(join(bad, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\tnope\t1\nzz\td2\t1\n');
  const r = avey(['eval', 'retrieval', '--checkpoint', pretrained(), '--beir', bad, '--backend', 'cpu', '--max-len', '32', '--json'], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /2 qrels lines name ids missing .*document nope \(.*test\.tsv:3\), query zz \(.*test\.tsv:4\)/);
  assert.equal((JSON.parse(r.stdout) as { unknown_qrels: number }).unknown_qrels, 2);
  writeFileSync(join(bad, 'corpus.jsonl'), '{"_id":"d1","text":"a"}\n{"_id":"d2","text":\n');
  const m = avey(['eval', 'retrieval', '--checkpoint', pretrained(), '--beir', bad, '--backend', 'cpu'], { env: ENV });
  assert.equal(m.code, 1);
  assert.match(m.stderr, /corpus\.jsonl:2: invalid JSON/);
  assert.doesNotMatch(m.stderr, /\n\s+at /);
  const pairs = join(TMP, 'bad-pairs.jsonl');
  writeFileSync(pairs, '{"query":"a","positive":"b"}\n{"query":"a"}\n');
  const p = avey(['finetune', 'retrieval', '--checkpoint', pretrained(), '--train', pairs, '--backend', 'cpu', '--out', join(TMP, 'x')], { env: ENV });
  assert.equal(p.code, 1);
  assert.match(p.stderr, /bad-pairs\.jsonl:2: expected \{"query"/);
  assert.equal(avey(['eval', 'retrieval', '--checkpoint', pretrained()]).code, 2, 'no --beir');
  assert.equal(avey(['finetune', 'retrieval', '--checkpoint', pretrained()]).code, 2, 'neither --train nor --train-task');
  const mb = avey(['finetune', 'retrieval', '--checkpoint', pretrained(), '--train', PAIRS, '--batch', '4', '--mini-batch', '8']);
  assert.equal(mb.code, 2);
  assert.match(mb.stderr, /--mini-batch 8 is larger than --batch 4/);
  const other = avey(['eval', 'sst2', '--checkpoint', pretrained(), '--beir', BEIR]);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /--beir only apply to `avey eval retrieval`/);
});
