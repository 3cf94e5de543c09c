// Traced cases for the proposition tests: a tiny real model, run and traced, its dynamic layers'
// (v, S̃) per processor block. Shared by propositions-e2e.test.ts and variants.test.ts.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng, tensor, zeros, type Tensor } from '@avey/tensor';
import { noGrad } from '@avey/autograd';
import { AveyModel, aveyConfig, type AveyConfigInput } from '@avey/avey-b';
import { matFrom, type Mat } from './oracle.js';
import type { Check } from './prop-suite.js';

export interface TracedCase {
  model: AveyModel;
  ids: Tensor;
  /** Per dynamic layer index: its (v, S̃) per processor block. */
  blocks: { layer: number; v: Mat; St: Mat }[];
}

export const caseArb = fc.record({
  S: fc.integer({ min: 2, max: 6 }),
  k: fc.integer({ min: 1, max: 2 }),
  splits: fc.integer({ min: 1, max: 3 }),
  extra: fc.integer({ min: 0, max: 5 }),
  B: fc.integer({ min: 1, max: 2 }),
  d: fc.constantFrom(4, 8),
  seed: fc.integer({ min: 0, max: 10_000 }),
  zeroTok: fc.boolean(),
  repeat: fc.boolean(),
});
export type CaseSpec = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** Builds, runs and traces a tiny model. zeroTok: token 0 has a zero embedding and the compressor
 *  is zero (h = X), so its v rows are exactly zero in the first dynamic layer; repeat: tokens repeat
 *  (tied similarities). */
export function tracedCase(c: CaseSpec, extra: AveyConfigInput = {}): TracedCase {
  const T = Math.max(1, (c.splits - 1) * c.S + (c.extra % c.S) + 1);
  const V = 12;
  const model = new AveyModel(aveyConfig({ vocab_size: V, d_embed: c.d, n_layers: 2, chunk_size: c.S, k: c.k, mask_mode: 'official', ...extra }), { seed: c.seed });
  if (c.zeroTok) {
    const E = Float32Array.from(model.embed.weight.value.dataSync() as Float32Array);
    E.fill(0, 0, c.d);
    model.embed.weight.value = tensor(E, { shape: [V, c.d] });
    if (model.ranker.down_proj) model.ranker.down_proj.value = zeros(model.ranker.down_proj.shape);
  }
  const ids = new Rng(c.seed + 7).int([c.B, T], 0, c.repeat ? 3 : V);
  const { trace } = noGrad(() => model.trace(ids));
  const blocks: TracedCase['blocks'] = [];
  for (const [name, t] of trace) {
    const m = /^layers\.(\d+)\.mixing$/.exec(name);
    if (!m) continue;
    const v = trace.get(`layers.${m[1]}.v`)!;
    const [M, L, D] = v.shape;
    const vd = v.dataSync() as Float32Array, sd = t.dataSync() as Float32Array;
    for (let b = 0; b < M; b++) blocks.push({ layer: Number(m[1]), v: matFrom(vd, L, D, b * L * D), St: matFrom(sd, L, L, b * L * L) });
  }
  return { model, ids, blocks };
}

export function runChecks(tc: TracedCase, checks: Record<string, Check>): void {
  for (const { layer, v, St } of tc.blocks) {
    for (const [name, check] of Object.entries(checks)) {
      const why = check(v, St);
      assert.equal(why, null, `${name}, layer ${layer}: ${why}`);
    }
  }
}

