// `avey finetune tag` / `avey eval tag` on your own CoNLL files (docs/examples/ner-*.conll): a
// tagger with id2label in config.json that eval scores identically on the test file; the reader
// round-trips any sentences; bad rows named by file:line; empty and one-tag training sets refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readTagged, tagList } from '../src/finetune/own-tags.js';
import { avey, REPO_ROOT, tempDir } from './helpers.js';

const { dir: TMP, cleanup } = tempDir('avey-own-tags-test-');
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

const word = fc.stringMatching(/^[A-Za-z.,'#-]{1,8}$/).filter((w) => w !== '-DOCSTART-');
const tag = fc.constantFrom('O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC');
const sentence = fc.array(fc.tuple(word, tag), { minLength: 1, maxLength: 6 });

test('any sentences written as token<TAB>tag (or in space-separated extra columns) read back the same', async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(sentence, { minLength: 1, maxLength: 5 }), fc.boolean(), async (sents, spaces) => {
      fc.pre(!spaces || !sents[0][0][0].startsWith('#')); // a first line '#x X Y O' without a tab reads as a comment
      const f = join(TMP, `prop-${n++}.conll`);
      // spaces: CoNLL-2003 style "token POS chunk tag" with the tag last
      const line = ([w, t]: [string, string]) => (spaces ? `${w} X Y ${t}` : `${w}\t${t}`);
      writeFileSync(f, `# a comment\n${sents.map((s) => s.map(line).join('\n')).join('\n\n')}\n`);
      const got = await readTagged(f, { token: 1, scheme: 'iob2' }, '--train');
      assert.deepEqual(got.map((s) => s.words), sents.map((s) => s.map(([w]) => w)));
      assert.deepEqual(got.map((s) => s.tags), sents.map((s) => s.map(([, t]) => t)));
    }),
    { numRuns: 40 },
  );
});

test('columns are selectable; # comments skipped but a #hashtag token kept; bad rows at file:line', async () => {
  const f = join(TMP, 'cols.conll');
  writeFileSync(f, '# sent_id = 1\n1\tthe\tDET\n2\tdog\tNOUN\n\n# sent_id = 2\n1\t#tbt\tX\n');
  const got = await readTagged(f, { token: 2, tag: 3, scheme: 'none' }, '--train');
  assert.deepEqual(got.map((s) => s.words), [['the', 'dog'], ['#tbt']]);
  assert.deepEqual(tagList(got, 'none', f), ['DET', 'NOUN', 'X']);
  writeFileSync(f, 'Alice\tB-PER\nsmiled\tO\n\nBob\tB-PER\nleft early\n');
  await assert.rejects(readTagged(f, { token: 1, scheme: 'iob2' }, '--train'), /cols\.conll:5: 1 column \(tab-separated\), but the file's first token line has 2/);
  writeFileSync(f, 'Alice\tB-PER\nsmiled\tPERSON\n');
  await assert.rejects(readTagged(f, { token: 1, scheme: 'bio' }, '--train'), /cols\.conll:2: the tag 'PERSON' is not an BIO tag/);
  assert.equal((await readTagged(f, { token: 1, scheme: 'none' }, '--train'))[0].tags[1], 'PERSON');
});

test('finetune tag on the example files: id2label saved, eval tag scores the same', () => {
  const out = join(TMP, 'tag');
  const r = avey(['finetune', 'tag', '--checkpoint', pretrained(), '--train', join(EX, 'ner-train.conll'), '--validation', join(EX, 'ner-dev.conll'), '--test', join(EX, 'ner-test.conll'), '--backend', 'cpu', '--batch', '8', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout) as { primary_metric: string; train_examples: number; test_examples: number; test: { f1: number } };
  assert.equal(m.primary_metric, 'f1');
  assert.equal(m.train_examples, 20);
  assert.equal(m.test_examples, 5);
  const cfg = JSON.parse(readFileSync(join(out, 'model', 'config.json'), 'utf8')) as { id2label: Record<string, string> };
  assert.deepEqual(cfg.id2label, { 0: 'O', 1: 'B-LOC', 2: 'I-LOC', 3: 'B-ORG', 4: 'I-ORG', 5: 'B-PER', 6: 'I-PER' });
  const e = avey(['eval', 'tag', '--checkpoint', out, '--test', join(EX, 'ner-test.conll'), '--backend', 'cpu', '--json']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal((JSON.parse(e.stdout) as { metrics: { f1: number } }).metrics.f1, m.test.f1);
  // a tag the model never saw is named with its line
  const bad = join(TMP, 'new.conll');
  writeFileSync(bad, 'Paris\tB-LOC\n\nMonday\tB-DATE\n');
  const e2 = avey(['eval', 'tag', '--checkpoint', out, '--test', bad, '--backend', 'cpu']);
  assert.equal(e2.code, 1);
  assert.match(e2.stderr, /new\.conll:3: the tag 'B-DATE' is not one of the training tags/);
});

test('finetune tag resumes exactly: from a mid-run checkpoint the same losses and the same test F1', () => {
  const out = join(TMP, 'tag-resume');
  const r = avey(['finetune', 'tag', '--checkpoint', pretrained(), '--train', join(EX, 'ner-train.conll'), '--validation', join(EX, 'ner-dev.conll'), '--test', join(EX, 'ner-test.conll'), '--backend', 'cpu', '--batch', '4', '--epochs', '2', '--save-interval', '2', '--keep', '10', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const f1 = (JSON.parse(r.stdout) as { test: { f1: number } }).test.f1;
  const losses = () => readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss?: number }).filter((x) => x.loss !== undefined).map((x) => [x.step, x.loss]);
  const ref = losses();
  assert.equal(ref.length, 10, '20 sentences / batch 4 × 2 epochs = 10 steps');
  const res = avey(['finetune', 'tag', '--resume', join(out, 'checkpoints', 'step-000004'), '--backend', 'cpu', '--json']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /resuming .*step-000004 at step 4\/10/);
  assert.deepEqual(losses(), ref, 'steps 5–10 replayed bit for bit');
  assert.equal((JSON.parse(res.stdout) as { test: { f1: number } }).test.f1, f1);
  // the id2label map survives the resume
  const cfg = JSON.parse(readFileSync(join(out, 'model', 'config.json'), 'utf8')) as { id2label: Record<string, string> };
  assert.equal(cfg.id2label['5'], 'B-PER');
});

test('--scheme none scores token accuracy; a bad row, an empty and a one-tag training set are refused', () => {
  const pos = join(TMP, 'pos.conll');
  writeFileSync(pos, '1\tthe\tDET\n2\tdog\tNOUN\n\n1\truns\tVERB\n');
  const r = avey(['finetune', 'tag', '--checkpoint', pretrained(), '--train', pos, '--test', pos, '--token-column', '2', '--tag-column', '3', '--scheme', 'none', '--backend', 'cpu', '--out', join(TMP, 'pos-out'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout) as { primary_metric: string; test: { accuracy: number } };
  assert.equal(m.primary_metric, 'accuracy');
  assert.ok(m.test.accuracy >= 0 && m.test.accuracy <= 1);
  const badRow = join(TMP, 'bad.conll');
  writeFileSync(badRow, 'Alice\tB-PER\nsmiled\tO\nBob\tB-PER\textra\n');
  const rb = avey(['finetune', 'tag', '--checkpoint', pretrained(), '--train', badRow, '--backend', 'cpu', '--out', join(TMP, 'bad-out')]);
  assert.equal(rb.code, 1);
  assert.match(rb.stderr, /bad\.conll:3: 3 columns \(tab-separated\), but the file's first token line has 2/);
  assert.doesNotMatch(rb.stderr, /\n\s+at /); // no stack trace
  const one = join(TMP, 'one.conll');
  writeFileSync(one, 'a\tO\nb\tO\n\nc\tO\n');
  const r1 = avey(['finetune', 'tag', '--checkpoint', pretrained(), '--train', one, '--backend', 'cpu', '--out', join(TMP, 'one-out')]);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /has only one tag \('O'\)/);
  const empty = join(TMP, 'empty.conll');
  writeFileSync(empty, '# nothing but a comment\n\n');
  const r2 = avey(['finetune', 'tag', '--checkpoint', pretrained(), '--train', empty, '--backend', 'cpu', '--out', join(TMP, 'empty-out')]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /has no sentences/);
});
