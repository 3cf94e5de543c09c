// Acceptance: small MLPs learn toy tasks to near-zero loss, with flat memory across steps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '@avey/tensor';
import { variable, nn, optim, losses } from '../src/index.js';

test('MLP learns XOR (bceWithLogits + AdamW) to near-zero loss; memory stays flat', () => {
  const model = new nn.Sequential(
    new nn.Linear(2, 16, { rng: new T.Rng(1) }), new nn.Tanh(),
    new nn.Linear(16, 1, { rng: new T.Rng(2) }),
  );
  const x = T.keep(T.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]));
  const y = T.keep(T.tensor([[0], [1], [1], [0]]));
  const opt = new optim.AdamW(model.parameters(), { lr: 0.05, weightDecay: 0 });
  let loss = Infinity;
  let memAt50 = 0;
  for (let step = 0; step < 400; step++) {
    loss = T.scope(() => {
      const l = losses.bceWithLogits(model.forward(variable(x)), y);
      l.backward();
      opt.step();
      opt.zeroGrad();
      return l.item();
    });
    if (step === 50) memAt50 = T.memory().tensors;
  }
  assert.ok(loss < 0.01, `final loss ${loss}`);
  assert.equal(T.memory().tensors, memAt50, 'no tensors leak across training steps');
  const pred = Array.from(T.sigmoid(model.forward(variable(x)).value).dataSync());
  assert.deepEqual(pred.map((p) => (p > 0.5 ? 1 : 0)), [0, 1, 1, 0]);
});

test('MLP separates two moons (crossEntropy + SGD momentum, GELU, clipping)', () => {
  const rng = new T.Rng(5);
  const n = 64;
  const pts: number[] = [], labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2, t = Math.PI * rng.nextFloat();
    const [px, py] = c === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    pts.push(px + 0.05 * (rng.nextFloat() - 0.5), py + 0.05 * (rng.nextFloat() - 0.5));
    labels.push(c);
  }
  const x = T.keep(T.tensor(pts, { shape: [n, 2] }));
  const y = T.keep(T.tensor(Int32Array.from(labels), { dtype: 'int32' }));
  const model = new nn.Sequential(
    new nn.Linear(2, 32, { rng: new T.Rng(6) }), new nn.GELU(),
    new nn.Linear(32, 32, { rng: new T.Rng(7) }), new nn.GELU(),
    new nn.Linear(32, 2, { rng: new T.Rng(8) }),
  );
  const opt = new optim.SGD(model.parameters(), { lr: 0.2, momentum: 0.9 });
  let loss = Infinity;
  for (let step = 0; step < 500 && loss > 0.02; step++) {
    loss = T.scope(() => {
      const l = losses.crossEntropy(model.forward(variable(x)), y);
      l.backward();
      optim.clipGradNorm(model.parameters(), 5);
      opt.step();
      opt.zeroGrad();
      return l.item();
    });
  }
  assert.ok(loss < 0.05, `final loss ${loss}`);
  const pred = T.argmax(model.forward(variable(x)).value, 1);
  const acc = Array.from(pred.dataSync()).filter((p, i) => p === labels[i]).length / n;
  assert.equal(acc, 1);
});
