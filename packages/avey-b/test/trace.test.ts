// The trace API (AveyModel.trace) against the independent float64 oracle (oracle.ts): the ranker's
// scores, selections and weights, every dynamic layer's v and mixing matrix, and the hidden state,
// over random configs (split size, k, length not divisible by S, batch > 1, every switch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng, type Tensor } from '@avey/tensor';
import { noGrad } from '@avey/autograd';
import { AveyModel, aveyConfig, namedParams, type AveyConfig, type AveyConfigInput } from '@avey/avey-b';
import { closeness, flat, oracleForward, type OracleParams } from './oracle.js';

export function paramsOf(model: AveyModel): OracleParams {
  const out: OracleParams = new Map();
  for (const [name, p] of namedParams(model)) out.set(name, { data: p.value.dataSync() as Float32Array, shape: p.shape });
  return out;
}

export function idsOf(t: Tensor): number[][] {
  const d = t.dataSync() as Int32Array;
  const [B, T] = t.shape;
  return Array.from({ length: B }, (_, b) => Array.from(d.subarray(b * T, (b + 1) * T)));
}

/** Checks every traced tensor and the hidden state of `model` on ids against the oracle. */
export function checkTraceAgainstOracle(model: AveyModel, ids: Tensor, label: string): void {
  const cfg: AveyConfig = model.config;
  const { hidden, trace } = noGrad(() => model.trace(ids));
  const want = oracleForward(cfg, paramsOf(model), idsOf(ids));
  const [B] = ids.shape;
  const N = want.scores[0].length;
  const get = (name: string): Tensor => {
    const t = trace.get(name);
    assert.ok(t, `${label}: trace has ${name}`);
    return t;
  };
  assert.deepEqual([...get('ranker.scores').shape], [B, N, N]);
  assert.deepEqual([...get('ranker.selected').shape], [B, N, cfg.k]);
  assert.equal(get('ranker.selected').dtype, 'int32');
  assert.ok(closeness(get('ranker.scores').dataSync() as Float32Array, flat(want.scores), 1e-4, 1e-4) <= 1, `${label}: ranker.scores`);
  assert.deepEqual(Array.from(get('ranker.selected').dataSync() as Int32Array), flat(want.selected), `${label}: ranker.selected`);
  assert.ok(closeness(get('ranker.weights').dataSync() as Float32Array, flat(want.weights), 1e-4, 1e-5) <= 1, `${label}: ranker.weights`);
  for (let i = 0; i < cfg.n_layers; i++) {
    const v = get(`layers.${i}.v`);
    const wv = want.layers[i].v;
    assert.deepEqual([...v.shape], [wv.length, wv[0].length, wv[0][0].length], `${label}: layers.${i}.v shape`);
    assert.ok(closeness(v.dataSync() as Float32Array, flat(wv), 2e-3, 2e-4) <= 1, `${label}: layers.${i}.v`);
    const mix = trace.get(`layers.${i}.mixing`);
    const wm = want.layers[i].mixing;
    assert.equal(mix !== undefined, wm !== null, `${label}: layers.${i}.mixing present iff the layer is dynamic`);
    if (mix && wm) {
      assert.deepEqual([...mix.shape], [wm.length, wm[0].length, wm[0].length]);
      assert.ok(closeness(mix.dataSync() as Float32Array, flat(wm), 2e-3, 2e-4) <= 1, `${label}: layers.${i}.mixing`);
    }
  }
  assert.ok(closeness(hidden.value.dataSync() as Float32Array, flat(want.hidden), 3e-3, 3e-4) <= 1, `${label}: hidden state`);
}

const switchArb: fc.Arbitrary<AveyConfigInput> = fc.oneof(
  fc.constant({}),
  fc.constant({ compression: 'none' } as const),
  fc.constant({ ranker: 'bidirectional' } as const),
  fc.constant({ ranker: 'none' } as const),
  fc.constant({ compressor_residual: false }),
  fc.constant({ layer_pattern: 'DS' }),
  fc.constant({ enricher_activation: 'relu2' } as const),
  fc.constant({ final_norm: true, residual: 'plain' } as const),
  fc.constantFrom(...(['cosine', 'signed', 'softmax', 'scaled-softmax', 'rms', 'coupled'] as const)).map((c) => ({ contextualiser: c })),
);

test('trace = independent float64 recomputation (random S, k, T, B, switches)', () => {
  fc.assert(
    fc.property(
      fc.record({
        S: fc.integer({ min: 2, max: 5 }),
        k: fc.integer({ min: 1, max: 3 }),
        splits: fc.integer({ min: 1, max: 4 }),
        extra: fc.integer({ min: 0, max: 4 }),
        B: fc.integer({ min: 1, max: 2 }),
        seed: fc.integer({ min: 0, max: 1000 }),
        sw: switchArb,
      }),
      ({ S, k, splits, extra, B, seed, sw }) => {
        const T = Math.max(1, (splits - 1) * S + (extra % S) + 1);
        const cfg = aveyConfig({ vocab_size: 50, d_embed: 8, n_layers: 3, chunk_size: S, k, mask_mode: 'official', ...sw });
        const model = new AveyModel(cfg, { seed });
        checkTraceAgainstOracle(model, new Rng(seed + 1).int([B, T], 0, 50), `S=${S} k=${k} T=${T} B=${B} ${JSON.stringify(sw)}`);
      },
    ),
    { numRuns: 40, seed: 15 },
  );
});

test('trace: names in order, the official model\'s static layers have no mixing entry, plain values', () => {
  const model = new AveyModel(aveyConfig({ vocab_size: 30, d_embed: 8, n_layers: 4, chunk_size: 4, k: 2 }), { seed: 2 });
  const { trace } = model.trace(new Rng(3).int([2, 11], 0, 30));
  assert.deepEqual([...trace.keys()], [
    'ranker.scores', 'ranker.selected', 'ranker.weights',
    'layers.0.v', 'layers.1.v', 'layers.1.mixing', 'layers.2.v', 'layers.3.v', 'layers.3.mixing',
  ]);
  // split 0 selects nothing, split 1 one split, split 2 two: −1 padding, weights 0 there
  const sel = Array.from(trace.get('ranker.selected')!.dataSync() as Int32Array);
  assert.deepEqual(sel.slice(0, 6), [-1, -1, 0, -1, sel[4], sel[5]]);
  assert.deepEqual([sel[4], sel[5]].sort(), [0, 1]);
});
