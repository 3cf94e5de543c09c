// Every registered contextualiser against the same proposition checks (prop-suite.ts), with the
// verdict docs/avey-b.md §4 records. 'holds': checked on S̃ of the real forward (trace) and on
// generated v through a real layer. 'fails': a counterexample must be found (the test prints it),
// e.g. softmax must FAIL A.1's ratio property.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '@avey/tensor';
import { AveyLayer, CONTEXTUALISER_NAMES, aveyConfig, contextualiser, type ContextualiserName } from '@avey/avey-b';
import { a1Order, a1Ratio, a1Rotation, a1Sign, layerMixing, lemma, vArb, type Check } from './prop-suite.js';
import { caseArb, runChecks, tracedCase } from './traced-case.js';

type Verdict = 'holds' | 'fails';
const VERDICTS: Record<ContextualiserName, { ratio: Verdict; order: Verdict; sign: Verdict; rotation: Verdict; lemma: Verdict }> = {
  'cosine-l1': { ratio: 'holds', order: 'holds', sign: 'holds', rotation: 'holds', lemma: 'holds' },
  cosine: { ratio: 'holds', order: 'holds', sign: 'holds', rotation: 'holds', lemma: 'fails' },
  signed: { ratio: 'holds', order: 'fails', sign: 'fails', rotation: 'fails', lemma: 'fails' },
  softmax: { ratio: 'fails', order: 'holds', sign: 'fails', rotation: 'holds', lemma: 'holds' },
  'scaled-softmax': { ratio: 'fails', order: 'holds', sign: 'fails', rotation: 'holds', lemma: 'holds' },
  rms: { ratio: 'holds', order: 'holds', sign: 'holds', rotation: 'holds', lemma: 'fails' },
  coupled: { ratio: 'fails', order: 'fails', sign: 'fails', rotation: 'fails', lemma: 'holds' },
};

test('every registered contextualiser has a recorded verdict and a reference', () => {
  assert.deepEqual(Object.keys(VERDICTS).sort(), [...CONTEXTUALISER_NAMES].sort());
  for (const n of CONTEXTUALISER_NAMES) assert.ok(contextualiser(n).reference.length > 10);
});

/** A real dynamic layer of the variant, C ≤ 6 (coupled: with its random-sign spatial_proj). */
const layerOf = (name: ContextualiserName) => new AveyLayer(aveyConfig({ vocab_size: 8, d_embed: 8, n_layers: 2, chunk_size: 6, k: 1, contextualiser: name }), 1, new Rng(9));

for (const name of CONTEXTUALISER_NAMES) {
  const want = VERDICTS[name];
  const layer = layerOf(name);
  const mix = (v: number[][]) => layerMixing(layer, v);
  const rotation = a1Rotation(mix);
  const checks: Record<'ratio' | 'order' | 'sign' | 'lemma', Check> = { ratio: a1Ratio, order: a1Order, sign: a1Sign, lemma };

  for (const prop of ['ratio', 'order', 'sign', 'lemma'] as const) {
    test(`${name}: A.1 ${prop === 'lemma' ? '→ stability lemma' : prop} ${want[prop]}`, () => {
      const property = fc.property(vArb({ zeroRows: true }), (v) => checks[prop](v, mix(v)) === null);
      if (want[prop] === 'holds') {
        fc.assert(property, { numRuns: 60, seed: 157 });
        // and on the S̃ of the real forward with this variant
        fc.assert(fc.property(caseArb, (c) => runChecks(tracedCase(c, { contextualiser: name }), { [prop]: checks[prop] })), { numRuns: 6, seed: 158 });
      } else {
        const r = fc.check(property, { numRuns: 300, seed: 159 });
        assert.equal(r.failed, true, `${name} should violate ${prop}`);
        const v = r.counterexample![0];
        console.log(`${name} violates ${prop}: ${checks[prop](v, mix(v))}`);
      }
    });
  }

  test(`${name}: A.1 rotation (moving v_j toward v_i) ${want.rotation}`, () => {
    const property = fc.property(vArb(), fc.nat(), fc.nat(), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (v, a, b, t) => {
      const i = a % v.length, j = b % v.length;
      return rotation(v, mix(v), i, j, t) === null;
    });
    if (want.rotation === 'holds') fc.assert(property, { numRuns: 150, seed: 160 });
    else {
      const r = fc.check(property, { numRuns: 600, seed: 161 });
      assert.equal(r.failed, true, `${name} should violate the rotation property`);
      const [v, a, b, t] = r.counterexample!;
      console.log(`${name} violates rotation: ${rotation(v, mix(v), a % v.length, b % v.length, t)}`);
    }
  });
}
