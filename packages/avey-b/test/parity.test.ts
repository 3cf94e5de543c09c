// PARITY: the TypeScript Avey-B against the official PyTorch implementation (fixtures made with
// rimads/avey-b 8f3ed57, float32, CPU). Every output, loss and parameter gradient of the three
// official heads must match within 1e-4 relative / 1e-5 absolute (torch.allclose rule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAvey, diffArrays, type TensorDiff } from '@avey/avey-b';
import { PARITY_HEADS, assertParity, fixtureAvailable, fixtureDir, loadFixture, loadFixtureParams } from './fixture.js';

for (const { head, key, labels } of PARITY_HEADS) {
  test(`parity with official PyTorch Avey-B: ${head} (outputs, loss, every parameter gradient)`, (t) => {
    // (under CI=true a missing fixture throws in fixtureAvailable: the parity tests must run there)
    if (!fixtureAvailable()) {
      t.skip(`fixtures missing at ${fixtureDir()} (set AVEY_SHARED_DIR)`);
      return;
    }
    const fx = loadFixture();
    const model = createAvey(fx.config, head);
    const params = loadFixtureParams(model, fx, key);
    const ids = fx.t('input.input_ids');
    const out = model.forward(ids, { labels: fx.t(labels) });
    const diffs: TensorDiff[] = [];
    diffs.push(diffArrays(`${key}.logits`, out.logits.value.dataSync(), fx.raw.get(`${key}.expected.logits`)!.data));
    if (fx.raw.has(`${key}.expected.last_hidden_state`)) {
      diffs.push(diffArrays(`${key}.last_hidden_state`, out.lastHiddenState.value.dataSync(), fx.raw.get(`${key}.expected.last_hidden_state`)!.data));
    }
    assert.ok(out.loss, 'loss');
    diffs.push(diffArrays(`${key}.loss`, [out.loss.item()], [fx.scalars[`${key}.loss`]]));
    out.loss.backward();
    for (const [name, p] of params) {
      const g = fx.raw.get(`${key}.grad.${name}`);
      assert.ok(g, `fixture has a gradient for ${name}`);
      assert.ok(p.grad, `${name} received a gradient`);
      diffs.push(diffArrays(`${key}.grad.${name}`, p.grad.value.dataSync(), g.data));
    }
    assertParity(`parity ${head}`, diffs, (line) => console.log(line));
  });
}
