// The unigram reference of `avey pretrain`: add-one-smoothed token frequencies of the training
// batches, scored on held-out masked positions like the model's loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UnigramCounter } from '../src/train/unigram.js';

/** A batch of ids in [0, V) with a random subset masked (labels = original, inputs = mask id 0). */
const batchArb = (V: number) =>
  fc.array(fc.tuple(fc.integer({ min: 0, max: V - 1 }), fc.boolean()), { minLength: 1, maxLength: 40 }).map((xs) => {
    const inputIds = Int32Array.from(xs.map(([id, m]) => (m ? 0 : id)));
    const labels = Int32Array.from(xs.map(([id, m]) => (m ? id : -100)));
    return { original: xs.map(([id]) => id), inputIds, labels };
  });

test('UnigramCounter: counts the original tokens and scores −log((c+1)/(N+V)) per masked position, batch means averaged', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 30 }).chain((V) => fc.tuple(fc.constant(V), fc.array(batchArb(V), { minLength: 1, maxLength: 5 }), fc.array(batchArb(V), { minLength: 1, maxLength: 3 }))), ([V, train, held]) => {
      const u = new UnigramCounter(V);
      for (const b of train) u.addBatch(b.inputIds, b.labels);
      // oracle: plain counting over the original ids
      const c = new Array<number>(V).fill(0);
      let n = 0;
      for (const b of train) for (const id of b.original) (c[id]++, n++);
      assert.equal(u.tokens, n);
      const means = held.flatMap((b) => {
        const ids = [...b.labels].filter((l) => l !== -100);
        return ids.length ? [ids.reduce((s, id) => s - Math.log((c[id] + 1) / (n + V)), 0) / ids.length] : [];
      });
      const want = means.length ? means.reduce((a, b) => a + b, 0) / means.length : NaN;
      const got = u.evalLoss(held);
      if (Number.isNaN(want)) assert.ok(Number.isNaN(got));
      else assert.ok(Math.abs(got - want) < 1e-12, `${got} vs ${want}`);
      // the saved state restores the same counter exactly
      const back = new UnigramCounter(V, JSON.parse(JSON.stringify(u.state())));
      assert.equal(back.tokens, n);
      assert.ok(Object.is(back.evalLoss(held), got));
    }),
    { numRuns: 200 },
  );
});

test('UnigramCounter: no counts is the uniform loss ln V; a mismatched saved state is a RangeError', () => {
  const u = new UnigramCounter(50);
  assert.ok(Math.abs(u.evalLoss([{ labels: Int32Array.from([3, -100, 7]) }]) - Math.log(50)) < 1e-12);
  assert.throws(() => new UnigramCounter(51, u.state()), /saved counts are for vocab 50/);
});
