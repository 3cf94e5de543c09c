// The CPU gather's row-copy path (embedding lookups: one index per row, broadcast along the last
// axis, contiguous rows of x): same values as a plain loop, on views too, and the same range error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { embedding, gather, tensor, IndexError } from '@avey/tensor';

test('embedding (row-copy gather) equals a plain row lookup, for any vocab, width and ids', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 40 }), fc.array(fc.nat(), { minLength: 0, maxLength: 30 }), (V, D, raw) => {
      const w = Float32Array.from({ length: V * D }, (_, i) => Math.fround(Math.sin(i) * 10));
      const ids = Int32Array.from(raw.map((r) => r % V));
      const out = embedding(tensor(w, { shape: [V, D] }), tensor(ids, { dtype: 'int32', shape: [ids.length] }));
      assert.deepEqual([...out.shape], [ids.length, D]);
      const got = out.dataSync() as Float32Array;
      for (let n = 0; n < ids.length; n++) for (let d = 0; d < D; d++) assert.equal(got[n * D + d], w[ids[n] * D + d]);
    }),
    { numRuns: 100 },
  );
});

test('gather along axis 0 with an index broadcast along the last axis, on a sliced weight view', () => {
  const w = tensor(Float32Array.from({ length: 6 * 12 }, (_, i) => i), { shape: [6, 12] }).slice([1, 2], [5, 12]); // (4, 10) view
  const idx = tensor(Int32Array.from([3, 0, 2]), { dtype: 'int32', shape: [3, 1] }).expand([3, 10]);
  const got = gather(w, 0, idx).dataSync() as Float32Array;
  for (let n = 0; n < 3; n++) for (let d = 0; d < 10; d++) assert.equal(got[n * 10 + d], ([3, 0, 2][n] + 1) * 12 + 2 + d);
  assert.throws(() => embedding(tensor(new Float32Array(40), { shape: [4, 10] }), tensor(Int32Array.from([4]), { dtype: 'int32', shape: [1] })), IndexError);
});
