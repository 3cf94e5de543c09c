// Research switches (defaults = official): each one changes the function and still trains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, tensor, type Tensor } from '@avey/tensor';
import { AveyForMaskedLM, AveyModel, aveyConfig, namedParams, type AveyConfigInput } from '@avey/avey-b';
import { mlmLosses } from './mlm-steps.js';

const S = 4;
const base: AveyConfigInput = { vocab_size: 40, d_embed: 16, n_layers: 2, chunk_size: S, k: 2, mask_mode: 'official' };
const SWITCHES: { name: string; cfg: AveyConfigInput }[] = [
  { name: 'coupled parameterisation', cfg: { parameterization: 'coupled' } },
  { name: 'no row normalisation', cfg: { row_norm: 'none' } },
  { name: 'no neural compression', cfg: { compression: 'none' } },
  { name: 'no ranker', cfg: { ranker: 'none' } },
  { name: 'bidirectional ranker', cfg: { ranker: 'bidirectional' } },
  { name: 'layer pattern DS (Table 5)', cfg: { layer_pattern: 'DS' } },
  { name: 'all-dynamic layers (Table 5)', cfg: { layer_pattern: 'D' } },
  { name: 'no compressor residual (Table 10)', cfg: { compressor_residual: false } },
  { name: 'ReLU² enricher (Eq. 1)', cfg: { enricher_activation: 'relu2' } },
  { name: 'final norm ln_f', cfg: { final_norm: true } },
  { name: 'plain residual without α', cfg: { residual: 'plain' } },
  ...(['signed', 'softmax', 'scaled-softmax', 'rms'] as const).map((c) => ({ name: `contextualiser ${c} (Eq. 6 / Appendix E)`, cfg: { contextualiser: c } })),
];

const ids = (seed: number, B: number, T: number): Tensor => new Rng(seed).int([B, T], 0, base.vocab_size!);

function outputsOf(m: AveyModel, x: Tensor): Float32Array {
  return m.encode(x).value.dataSync() as Float32Array;
}

for (const sw of SWITCHES) {
  test(`switch "${sw.name}": changes the function`, () => {
    const ref = new AveyModel(aveyConfig(base), { seed: 1 });
    const alt = new AveyModel(aveyConfig({ ...base, ...sw.cfg }), { seed: 1 });
    // share every parameter the two variants have in common
    const refP = namedParams(ref);
    // α = 0.7 (a trained value, not the init 1) so that the plain residual differs from α·x
    for (const [name, p] of refP) if (name.endsWith('.alpha')) p.value = tensor(0.7);
    for (const [name, p] of namedParams(alt)) {
      const q = refP.get(name);
      if (q && q.shape.join() === p.shape.join()) p.value = q.value;
    }
    const x = ids(2, 2, 3 * S + 1);
    const a = outputsOf(ref, x), b = outputsOf(alt, x);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    assert.ok(maxDiff > 1e-4, `outputs should differ (max diff ${maxDiff})`);
    assert.deepEqual([...alt.encode(x).shape], [2, 3 * S + 1, base.d_embed]);
  });

  test(`switch "${sw.name}": trains (MLM loss decreases with AdamW)`, () => {
    const model = new AveyForMaskedLM(aveyConfig({ ...base, ...sw.cfg }), { seed: 3 });
    const lossAt = mlmLosses(model, ids(4, 2, 3 * S));
    assert.ok(lossAt.every(Number.isFinite), `finite losses ${lossAt}`);
    assert.ok(lossAt[lossAt.length - 1] < lossAt[0] * 0.9, `loss should fall: ${lossAt.map((l) => l.toFixed(3)).join(' → ')}`);
  });
}

test('bidirectional ranker breaks cross-split causality; no ranker makes splits independent', () => {
  const T = 3 * S;
  const x = ids(5, 1, T);
  const y = Int32Array.from(x.dataSync() as Int32Array);
  for (let t = 2 * S; t < T; t++) y[t] = (y[t] + 7) % base.vocab_size!;
  const yT = tensor(y, { dtype: 'int32', shape: [1, T] });
  const firstSplitChanged = (m: AveyModel) => {
    const a = outputsOf(m, x), b = outputsOf(m, yT);
    for (let i = 0; i < S * base.d_embed!; i++) if (a[i] !== b[i]) return true;
    return false;
  };
  assert.equal(firstSplitChanged(new AveyModel(aveyConfig(base), { seed: 6 })), false);
  const bi = new AveyModel(aveyConfig({ ...base, ranker: 'bidirectional' }), { seed: 6 });
  assert.equal(firstSplitChanged(bi), true);
  assert.equal(firstSplitChanged(new AveyModel(aveyConfig({ ...base, ranker: 'none' }), { seed: 6 })), false);
  // bidirectional: every split selects min(N − 1, k)
  bi.encode(x);
  assert.deepEqual(bi.lastTrace.selection!.numSelected, [2, 2, 2]);
});
