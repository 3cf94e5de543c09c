// Contrastive retrieval pieces: MNRL against a hand computation, mask-weighted mean pooling, and
// the gradient cache giving the same loss and parameter gradients as the plain loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, tensor, type Tensor } from '@avey/tensor';
import { Variable } from '@avey/autograd';
import { AveyModel, TransformerModel, aveyConfig, transformerConfig, meanPoolEmbedder, mnrlLoss, mnrlStep } from '@avey/avey-b';

const close = (a: number, b: number, eps = 1e-5): void => assert.ok(Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const v = (rows: number[][]) => new Variable(tensor(Float32Array.from(rows.flat()), { shape: [rows.length, rows[0].length] }), { requiresGrad: true });
const softplus = (x: number) => Math.log1p(Math.exp(x));

test('MNRL (scale 20, in-batch negatives, optional hard negative) against a hand computation', () => {
  // cos: q0·c0 = 1, q0·c1 = 1/√2, q1·c0 = 0, q1·c1 = 1/√2 (c1 is (1,1) unnormalised)
  const s = 20 / Math.SQRT2;
  const l0 = softplus(s - 20); // log(e^20 + e^s) − 20
  const l1 = softplus(0 - s); // log(e^0 + e^s) − s
  close(mnrlLoss(v([[1, 0], [0, 1]]), v([[1, 0], [1, 1]])).item(), (l0 + l1) / 2);
  // a hard negative (0, 2) adds a third column: cos(q0, ·) = 0, cos(q1, ·) = 1
  const h0 = Math.log(Math.exp(20) + Math.exp(s) + 1) - 20;
  const h1 = Math.log(1 + Math.exp(s) + Math.exp(20)) - s;
  close(mnrlLoss(v([[1, 0], [0, 1]]), v([[1, 0], [1, 1], [0, 2]])).item(), (h0 + h1) / 2);
  // another scale; the gradient matches central differences of the same formula in float64
  const ref = (qs: number[][], cs: number[][], sc: number) => {
    const n = (x: number[]) => Math.hypot(...x);
    const cos = (a: number[], b: number[]) => a.reduce((t, ai, k) => t + ai * b[k], 0) / (n(a) * n(b));
    return qs.reduce((t, qi, i) => t + Math.log(cs.reduce((u, c) => u + Math.exp(sc * cos(qi, c)), 0)) - sc * cos(qi, cs[i]), 0) / qs.length;
  };
  const Q = [[0.3, -1.2], [0.8, 0.5], [-0.4, 0.9]];
  const C = [[1, 0.2], [0.1, 1], [-1, 0.3], [0.5, -0.5]];
  const q = v(Q);
  const loss = mnrlLoss(q, v(C), 3);
  close(loss.item(), ref(Q, C, 3));
  loss.backward();
  const g = q.grad!.value.dataSync() as Float32Array;
  Q.forEach((row, i) => row.forEach((_, k) => {
    const at = (d: number) => ref(Q.map((r, a) => r.map((x, b) => (a === i && b === k ? x + d : x))), C, 3);
    close(g[i * 2 + k], (at(1e-5) - at(-1e-5)) / 2e-5, 1e-3);
  }));
  assert.throws(() => mnrlLoss(v([[1, 0], [0, 1]]), v([[1, 0]])), /mnrlLoss/);
});

test('mean pooling weighted by the attention mask: Σ m h / Σ m', () => {
  const h = tensor(Float32Array.from([1, 2, 3, 4, 100, 200, 5, 6, 7, 8, 9, 10]), { shape: [2, 3, 2] });
  const fake = { encode: (_ids: Tensor) => new Variable(h) };
  const mask = tensor(Float32Array.from([1, 1, 0, 1, 1, 1]), { shape: [2, 3] });
  const e = meanPoolEmbedder(fake)(tensor(Int32Array.from([1, 1, 1, 1, 1, 1]), { dtype: 'int32', shape: [2, 3] }), mask);
  assert.deepEqual(Array.from(e.value.dataSync() as Float32Array), [2, 3, 7, 8]);
});

function grads(params: Variable[]): Float32Array[] {
  return params.map((p) => Float32Array.from((p.grad?.value.dataSync() as Float32Array | undefined) ?? new Float32Array(p.value.size)));
}

for (const kind of ['avey-b', 'transformer'] as const) {
  test(`gradient cache (${kind}): same loss and parameter gradients as the plain MNRL, for any mini-batch`, async () => {
    const model = kind === 'avey-b'
      ? new AveyModel(aveyConfig({ vocab_size: 50, d_embed: 16, n_layers: 2, chunk_size: 4, k: 2 }), { seed: 5 })
      : new TransformerModel(transformerConfig({ vocab_size: 50, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 }), { seed: 5 });
    const rng = new Rng(9);
    const row = (n: number) => Array.from(rng.int([n], 1, 50).dataSync() as Int32Array);
    const batch = {
      queries: [3, 5, 2, 6, 4].map(row),
      positives: [7, 9, 5, 11, 8].map(row),
      negatives: [6, 10].map(row),
    };
    const embed = meanPoolEmbedder(model);
    const params = model.parameters();
    const plain = await mnrlStep(embed, batch, { padId: 0 });
    const want = grads(params);
    assert.ok(want.some((g) => g.some((x) => x !== 0)));
    for (const mb of [1, 2, 3, 16]) {
      model.zeroGrad();
      const cached = await mnrlStep(embed, batch, { padId: 0, miniBatch: mb });
      close(cached, plain, 1e-5);
      grads(params).forEach((g, i) => {
        let err = 0, ref = 0;
        for (let j = 0; j < g.length; j++) { err = Math.max(err, Math.abs(g[j] - want[i][j])); ref = Math.max(ref, Math.abs(want[i][j])); }
        assert.ok(err <= 1e-4 * Math.max(ref, 1e-3), `mini-batch ${mb}, ${model.namedParameters()[i][0]}: max |Δ| ${err} (max |g| ${ref})`);
      });
    }
  });
}
