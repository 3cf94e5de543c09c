import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DataError, iterConllu, readConllu, readIob, readSick, readSquad, readSst2, squadRetrieval, getEntities,
  UNER_TYPES, WNUT17_TYPES, readRetrievalPairs,
} from '../src/index.js';
import { ds, SKIP_DATASETS, tmpFile } from './helpers.js';

const count = <T>(xs: T[], f: (x: T) => boolean): number => xs.filter(f).length;

test('SST-2: all three splits parse with the README counts', { skip: SKIP_DATASETS }, () => {
  const want = { train: [60614, 33828], dev: [6735, 3741], test: [872, 444] } as const;
  for (const [split, [n, pos]] of Object.entries(want)) {
    const r = readSst2(ds('sst2', `${split}.tsv`));
    assert.equal(r.examples.length, n, split);
    assert.equal(count(r.examples, (e) => e.label === 1), pos, split);
    assert.equal(r.skipped.length, 0);
  }
  assert.equal(readSst2(ds('sst2', 'test.tsv'), { limit: 5 }).examples.length, 5);
});

test('SICK: train / trial / test with README label counts', { skip: SKIP_DATASETS }, () => {
  const want: Record<string, number[]> = { SICK_train: [4500, 1299, 2536, 665], SICK_trial: [500, 144, 282, 74], SICK_test_annotated: [4927, 1414, 2793, 720] };
  for (const [f, [n, e, nn, c]] of Object.entries(want)) {
    const r = readSick(ds('sick', `${f}.txt`));
    assert.equal(r.examples.length, n);
    assert.deepEqual([0, 1, 2].map((l) => count(r.examples, (x) => x.label === l)), [e, nn, c]);
    assert.ok(r.examples.every((x) => x.relatedness >= 1 && x.relatedness <= 5));
  }
});

test('UD-EWT: dev and test fully (sentences / word tokens), train streamed (first 300 sentences)', { skip: SKIP_DATASETS }, () => {
  for (const [split, s, t] of [['dev', 2001, 25147], ['test', 2077, 25094]] as const) {
    const r = readConllu(ds('ud-ewt', `en_ewt-ud-${split}.conllu`));
    assert.equal(r.examples.length, s);
    assert.equal(r.examples.reduce((a, x) => a + x.words.length, 0), t);
  }
  const first = readConllu(ds('ud-ewt', 'en_ewt-ud-train.conllu'), { limit: 300 });
  assert.equal(first.examples.length, 300);
  assert.deepEqual(first.examples[0].words.slice(0, 3), ['Al', '-', 'Zaman']);
  // multiword tokens are skipped: "don't" style lines n-m never become words
  const it = iterConllu(ds('ud-ewt', 'en_ewt-ud-dev.conllu'));
  const s0 = it.next().value!;
  assert.equal(s0.text, 'From the AP comes this story :');
  assert.deepEqual(s0.upos, ['ADP', 'DET', 'PROPN', 'VERB', 'DET', 'NOUN', 'PUNCT']);
});

test('UNER (5 columns) and WNUT-17 (2 columns): sentence, token and entity counts', { skip: SKIP_DATASETS }, () => {
  const uner = { dev: [2001, 25149, { PER: 343, LOC: 399, ORG: 224 }], test: [2077, 25097, { PER: 449, LOC: 317, ORG: 322 }] } as const;
  for (const [split, [s, t, ents]] of Object.entries(uner)) {
    const r = readIob(ds('uner-ewt', `en_ewt-ud-${split}.iob2`), { types: UNER_TYPES });
    assert.equal(r.examples.length, s);
    assert.equal(r.examples.reduce((a, x) => a + x.tokens.length, 0), t);
    const chunks = getEntities(r.examples.map((x) => x.tags));
    for (const [ty, n] of Object.entries(ents)) assert.equal(count(chunks, (c) => c[0] === ty), n, `${split} ${ty}`);
  }
  const wnut = { train: [3394, 62730, 1975], dev: [1009, 15733, 836], test: [1287, 23394, 1079] } as const;
  for (const [split, [s, t, e]] of Object.entries(wnut)) {
    const r = readIob(ds('wnut17', `${split}.conll`), { types: WNUT17_TYPES });
    assert.equal(r.examples.length, s, split);
    assert.equal(r.examples.reduce((a, x) => a + x.tokens.length, 0), t, split);
    assert.equal(getEntities(r.examples.map((x) => x.tags)).length, e, split);
  }
  const dev = readIob(ds('wnut17', 'dev.conll'));
  assert.ok(dev.examples.some((x) => x.tokens.includes('Dubbz\ufeff')), 'trailing BOM kept as in the source');
});

test('SQuAD v1.1: dev counts, train subset counts, passage-retrieval set', { skip: SKIP_DATASETS }, () => {
  const dev = readSquad(ds('squad-v1.1', 'dev-v1.1.json'));
  assert.equal(dev.articles, 48);
  assert.equal(dev.contexts.length, 2067);
  assert.equal(dev.examples.length, 10570);
  assert.equal(dev.examples.reduce((a, e) => a + e.answers.length, 0), 34726);
  const tr = readSquad(ds('squad-v1.1', 'train-subset-v1.1.json'));
  assert.deepEqual([tr.articles, tr.contexts.length, tr.examples.length], [97, 4364, 20089]);
  const ir = squadRetrieval(dev);
  assert.equal(ir.corpus.length, 2067);
  assert.equal(ir.queries.length, 10570);
  const q = dev.examples[100];
  assert.equal(ir.corpus.find((p) => ir.qrels.get(q.id)!.has(p.id))!.text, q.context);
});

test('bad input → DataError with file and line (or counted skips)', () => {
  const sst = tmpFile('s.tsv', 'sentence\tlabel\ngood one\t1\nthree\tcols\there\nbad label\t7\n');
  assert.throws(() => readSst2(sst), (e: unknown) => e instanceof DataError && e.file === sst && e.line === 3 && /2 tab-separated/.test(e.message));
  const r = readSst2(sst, { onBad: 'skip' });
  assert.equal(r.examples.length, 1);
  assert.deepEqual(r.skipped.map((s) => [s.line, /unknown label/.test(s.reason) || /columns/.test(s.reason)]), [[3, true], [4, true]]);
  assert.throws(() => readSst2(tmpFile('e.tsv', '')), /empty file/);
  assert.throws(() => readSst2(tmpFile('h.tsv', 'text\tlab\n')), (e: unknown) => e instanceof DataError && e.line === 1);
  const sick = tmpFile('k.txt', 'pair_ID\tsentence_A\tsentence_B\trelatedness_score\tentailment_judgment\n1\ta\tb\t3.2\tMAYBE\n');
  assert.throws(() => readSick(sick), /k.txt:2: unknown label 'MAYBE'/);
  const cu = tmpFile('c.conllu', '# text = a b\n1\ta\ta\tNOUN\tNN\t_\t0\troot\t_\t_\n1-2\tab\t_\t_\t_\t_\t_\t_\t_\t_\n2\tb\tb\tNOPE\tNN\t_\t1\tdep\t_\t_\n\n1\tc\tc\tNOUN\tNN\t_\t0\troot\t_\t_\n1.1\tx\tx\tNOUN\tNN\t_\t_\t_\t_\t_\n\n1\tshort\n');
  assert.throws(() => readConllu(cu), /c.conllu:4: unknown UPOS 'NOPE'/);
  const cs = readConllu(cu, { onBad: 'skip' });
  assert.equal(cs.examples.length, 1);
  assert.deepEqual(cs.examples[0].words, ['c']);
  assert.deepEqual(cs.skipped.map((s) => s.line), [4, 9]);
  const iob = tmpFile('w.conll', 'a\tO\nb\tB-person\n\nc\tX-bad\n\nd\tB-alien\n\ne\tO\textra\n');
  assert.throws(() => readIob(iob, { types: WNUT17_TYPES }), /w.conll:4: malformed IOB2 tag/);
  const is = readIob(iob, { types: WNUT17_TYPES, onBad: 'skip' });
  assert.equal(is.examples.length, 1);
  assert.deepEqual(is.skipped.map((s) => [s.line, s.reason.split(' ')[0]]), [[4, 'malformed'], [6, 'unknown'], [8, 'expected']]);
  assert.throws(() => readIob(tmpFile('e.iob2', '\n\n')), /empty file/);
  const bad = Buffer.concat([Buffer.from('sentence\tlabel\nok\t1\n'), Buffer.from([0xc3, 0x28, 0x09, 0x31, 0x0a])]);
  assert.throws(() => readSst2(tmpFile('u.tsv', bad)), (e: unknown) => e instanceof DataError && e.line === 3 && /UTF-8/.test(e.message));
  const sq = tmpFile('q.json', '{"data":[{"title":"t","paragraphs":[{"context":"abc def","qas":[{"id":"x","question":"q?","answers":[{"text":"def","answer_start":1}]}]}]}]}');
  assert.throws(() => readSquad(sq), /question x: an answer does not occur/);
  const jf = tmpFile('j.json', '{\n"data": [\n}');
  assert.throws(() => readSquad(jf), (e: unknown) => e instanceof DataError && e.file === jf && /invalid JSON/.test(e.message));
  const rp = tmpFile('r.jsonl', '{"query":"q","positive":"p"}\n{"query":1}\n');
  assert.throws(() => readRetrievalPairs(rp), /r.jsonl:2/);
  assert.equal(readRetrievalPairs(rp, { onBad: 'skip' }).set.corpus.length, 1);
});
