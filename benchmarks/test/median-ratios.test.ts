// medianRatios: the per-length summary of several `bench infer --compare-torch` rounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { medianRatios, type InferComparison } from '../src/model/index.js';

const round = (ratios: [number, number][]): InferComparison => ({
  torch: 't', blas: 'b', twin_threads: [],
  rows: ratios.map(([seq_len, ratio]) => ({ seq_len, ratio, avey_ts_s: ratio, torch_1t_s: 1, torch_2t_s: 1, torch_1t_blas2_s: 1 })),
});

test('medianRatios: the middle ratio per length (odd count), each round listed in order', () => {
  const s = medianRatios([round([[128, 1.2], [512, 0.8]]), round([[128, 0.9], [512, 0.7]]), round([[128, 0.95], [512, 0.9]])]);
  assert.deepEqual(s, [
    { seq_len: 128, ratios: [1.2, 0.9, 0.95], median: 0.95 },
    { seq_len: 512, ratios: [0.8, 0.7, 0.9], median: 0.8 },
  ]);
});

test('medianRatios: the mean of the middle two for an even count; none for no rounds', () => {
  assert.deepEqual(medianRatios([round([[64, 1.0]]), round([[64, 0.8]])]), [{ seq_len: 64, ratios: [1.0, 0.8], median: 0.9 }]);
  assert.deepEqual(medianRatios([]), []);
});

test('medianRatios: rounds over different lengths are an error, not a silent mix', () => {
  assert.throws(() => medianRatios([round([[128, 1]]), round([[256, 1]])]), /round lengths differ \(128 vs 256\)/);
});
