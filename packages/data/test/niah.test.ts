// The paper's NIAH generator (digest §5.1): needle count, spacing, ordinal wording, exact length and
// the answer span round-tripping through the tokenizer, as properties over lengths, kinds and seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  makeNiah, niahRetrieval, niahQuestion, ordinal, scoreNiah, drawDistractors, embeddedCorpus, positionsOf, DataRng,
  NIAH_WORDS, NIAH_MIX, NIAH_MIN_GAP, type NiahExample,
} from '../src/index.js';
import { smallTokenizer } from './helpers.js';

const tok = smallTokenizer();
const heldOut: string[] = [];
for (const { doc } of embeddedCorpus(['moby-dick']).heldOut.iterate()) {
  heldOut.push(doc.text);
  if (heldOut.length >= 16) break;
}

/** Every invariant of one example. */
function check(ex: NiahExample, length: number, kind: 'word' | 'number', needles?: number): void {
  // exact length, EOS last, and the ids are what the tokenizer gives for the text
  assert.equal(ex.inputIds.length, length);
  assert.equal(ex.inputIds[length - 1], tok.special.eos);
  assert.deepEqual(tok.encode(ex.text, { addSpecialTokens: false }).ids, [...ex.inputIds.slice(0, -1)]);
  // needles: count, kind, distinct, in text order, ≥ 5 % apart
  if (needles !== undefined) assert.equal(ex.values.length, needles);
  assert.ok(ex.values.length >= 1 && ex.values.length <= 11);
  for (const v of ex.values) assert.match(v, kind === 'number' ? /^\d{7}$/ : /^[a-z0-9]{8,12}$/);
  assert.equal(new Set(ex.values).size, ex.values.length);
  const at = ex.values.map((v) => ex.text.indexOf(` ${v}`, ex.contextSpan[0]));
  assert.ok(at.every((x, i) => x > 0 && (i === 0 || x > at[i - 1])), 'values listed in text order');
  for (let i = 1; i < ex.depths.length; i++) {
    // depths are measured at word boundaries, so allow one word's worth of rounding
    assert.ok(ex.depths[i] - ex.depths[i - 1] >= NIAH_MIN_GAP - 8 / length, `needles ${ex.depths} closer than 5 %`);
  }
  // the question names the target by ordinal, in the paper's words
  assert.equal(ex.question, `What is the ${ordinal(ex.targetIndex + 1)} special ${kind} in this passage?`);
  assert.ok(ex.text.startsWith(`Question: ${ex.question}\nContext:`));
  assert.equal(ex.answer, ex.values[ex.targetIndex]);
  // the answer span round-trips: characters, labelled tokens, decode
  assert.equal(ex.text.slice(...ex.answerSpan), ex.answer);
  const pos = positionsOf(ex.labels);
  assert.deepEqual(pos, Array.from({ length: ex.needleTokens[ex.targetIndex][1] - ex.needleTokens[ex.targetIndex][0] }, (_, i) => ex.needleTokens[ex.targetIndex][0] + i));
  assert.equal(tok.decode(pos.map((p) => ex.inputIds[p])).trim(), ex.answer);
  ex.needleTokens.forEach(([a, b], k) => assert.equal(tok.decode([...ex.inputIds.slice(a, b)]).trim(), ex.values[k]));
  // the perfect prediction scores 1, the empty one 0
  assert.deepEqual(scoreNiah(ex.labels, ex), { f1: 1, exact: true, outcome: 'target' });
  assert.equal(scoreNiah(new Int32Array(length), ex).outcome, 'none');
}

test('NIAH generator: exact length, needle count, spacing, ordinal wording, answer span round-trips (random words)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 128, max: 3000 }), fc.constantFrom('word' as const, 'number' as const), fc.integer({ min: 0, max: 3 }), fc.nat(1e6),
      (length, kind, distractors, seed) => {
        const ex = makeNiah(tok, { length, kind, distractors: length < 200 ? Math.min(distractors, 1) : distractors, seed });
        check(ex, length, kind, (length < 200 ? Math.min(distractors, 1) : distractors) + 1);
        // the haystack is the fixed word list
        const words = ex.text.slice(ex.contextSpan[0]).trim().split(' ').filter((w) => !ex.values.includes(w));
        assert.ok(words.every((w) => NIAH_WORDS.includes(w)));
      },
    ),
    { numRuns: 60 },
  );
});

test('NIAH generator: held-out text haystack, the same invariants', () => {
  fc.assert(
    fc.property(fc.integer({ min: 64, max: 4096 }), fc.constantFrom('word' as const, 'number' as const), fc.nat(1e6), (length, kind, seed) => {
      check(makeNiah(tok, { length, kind, seed, haystack: heldOut, mix: NIAH_MIX.train }), length, kind);
    }),
    { numRuns: 25 },
  );
});

test('NIAH generator: long inputs (16k, 64k tokens), a fixed target depth, seeded', () => {
  for (const [length, depth] of [[16384, 0], [65536, 0.25], [65536, 1]] as const) {
    const ex = makeNiah(tok, { length, depth, seed: 5, kind: 'word', distractors: 1 });
    check(ex, length, 'word', 2);
    assert.ok(Math.abs(ex.depth - depth) < 0.01, `target depth ${depth} → ${ex.depth}`);
  }
  const a = makeNiah(tok, { length: 1024, seed: 9, kind: 'word' });
  assert.deepEqual(makeNiah(tok, { length: 1024, seed: 9, kind: 'word' }).inputIds, a.inputIds);
  assert.notEqual(makeNiah(tok, { length: 1024, seed: 10, kind: 'word' }).text, a.text);
  const ir = niahRetrieval(a, 500);
  assert.ok([...ir.qrels.get('q0')!].some((id) => ir.corpus.find((p) => p.id === id)!.text.includes(a.answer)));
});

test('NIAH distractor mixes: the paper\'s train/test frequencies, the target spread over ordinals', () => {
  const rng = new DataRng(3);
  const n = 4000;
  const count = (mix: Record<number, number>) => Array.from({ length: n }, () => drawDistractors(rng, mix)).filter((k) => k === 0).length / n;
  assert.ok(Math.abs(count(NIAH_MIX.train) - 0.2) < 0.03);
  assert.ok(Math.abs(count(NIAH_MIX.test) - 0.4) < 0.03);
  const idx = Array.from({ length: 200 }, (_, s) => makeNiah(tok, { length: 256, seed: s, mix: NIAH_MIX.test }));
  const two = idx.filter((e) => e.values.length === 2);
  assert.ok(two.length > 90 && two.length < 150, `${two.length}/200 with one distractor`);
  const second = two.filter((e) => e.targetIndex === 1).length / two.length;
  assert.ok(second > 0.3 && second < 0.7, `target is the 2nd needle in ${second} of the two-needle examples`);
  assert.equal(niahQuestion('number', 1), 'What is the 2nd special number in this passage?');
  assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal), ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th']);
  assert.throws(() => makeNiah(tok, { length: 16, seed: 1 }), /length must be an integer ≥ 32/);
  assert.throws(() => makeNiah(tok, { length: 256, seed: 1, depth: 2 }), /depth must be in \[0, 1\]/);
  assert.throws(() => drawDistractors(rng, { 0: -1 }), /bad distractor mix/);
});

test('NIAH scoring: set-F1 as QA, exact needle, and which needle a prediction hit', () => {
  const ex = makeNiah(tok, { length: 512, seed: 4, distractors: 1 });
  const other = ex.needleTokens[1 - ex.targetIndex];
  const pred = new Int32Array(512);
  pred.fill(1, other[0], other[1]);
  assert.deepEqual(scoreNiah(pred, ex), { f1: 0, exact: false, outcome: 'distractor' });
  const [a, b] = ex.needleTokens[ex.targetIndex];
  pred.fill(1, a, b);
  const s = scoreNiah(pred, ex);
  assert.equal(s.outcome, 'both');
  assert.equal(s.exact, false);
  const g = b - a;
  const o = other[1] - other[0];
  assert.ok(Math.abs(s.f1 - (2 * (g / (g + o))) / (g / (g + o) + 1)) < 1e-12);
  const stray = new Int32Array(512);
  stray[ex.contextSpan[0] > 0 ? 20 : 21] = 1;
  assert.equal(scoreNiah(stray, ex).outcome, 'haystack');
});
