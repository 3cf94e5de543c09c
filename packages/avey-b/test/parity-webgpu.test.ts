// PARITY ON WEBGPU: the TypeScript Avey-B running on the WebGPU backend (float32) against the
// official PyTorch fixtures (rimads/avey-b 8f3ed57, float32, CPU) — the same fixture, the same
// three heads and the same comparator (1e-4 relative / 1e-5 absolute, torch.allclose rule) as
// parity.test.ts. Every parameter, the input ids and the labels live on WebGPU; results are read
// back with the async `data()` (WebGPU has no synchronous read). Prints the worst tensor per head.
// Without an adapter: skipped with the reason printed; under CI=true that is a failure.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '@avey/tensor';
import { createAvey, diffArrays, type TensorDiff } from '@avey/avey-b';
import { PARITY_HEADS, assertParity, fixtureAvailable, fixtureDir, loadFixture, loadFixtureParams } from './fixture.js';

// ---- adapter (or the reason there is none) --------------------------------------------------------
let why = '';
try {
  const be = (await T.initBackend('webgpu')) as T.Backend & { info?: { adapterName: string; kind: string; featureLevel: string } };
  console.log(`# avey-b parity on webgpu: ${be.info?.adapterName ?? '?'} (${be.info?.kind ?? '?'}, ${be.info?.featureLevel ?? '?'})`);
} catch (e) {
  why = e instanceof Error ? e.message : String(e);
}
if (why) {
  if (process.env.CI === 'true') test('a WebGPU adapter is available under CI=true', () => assert.fail(why));
  else console.log(`# skipping Avey-B WebGPU parity: no WebGPU adapter: ${why}`);
}
after(async () => {
  await T.setBackend('cpu');
  T.disposeBackends(); // destroys the device so the process exits
});

for (const { head, key, labels } of PARITY_HEADS) {
  test(`webgpu parity with official PyTorch Avey-B: ${head} (outputs, loss, every parameter gradient)`, { skip: why ? `no WebGPU adapter: ${why}` : false }, async (t) => {
    // (under CI=true a missing fixture throws in fixtureAvailable: the parity tests must run there)
    if (!fixtureAvailable()) {
      t.skip(`fixtures missing at ${fixtureDir()} (set AVEY_SHARED_DIR)`);
      return;
    }
    const fx = loadFixture(); // host tensors: fx.t() creates on the current backend, so load first
    await T.setBackend('webgpu');
    try {
      const model = createAvey(fx.config, head);
      const params = loadFixtureParams(model, fx, key);
      for (const [name, p] of params) assert.equal(p.value.backend, 'webgpu', `${name} lives on webgpu`);
      const ids = fx.t('input.input_ids');
      assert.equal(ids.backend, 'webgpu');
      const out = model.forward(ids, { labels: fx.t(labels) });
      assert.equal(out.logits.value.backend, 'webgpu', 'the forward ran on webgpu');
      const diffs: TensorDiff[] = [];
      diffs.push(diffArrays(`${key}.logits`, await out.logits.value.data(), fx.raw.get(`${key}.expected.logits`)!.data));
      if (fx.raw.has(`${key}.expected.last_hidden_state`)) {
        diffs.push(diffArrays(`${key}.last_hidden_state`, await out.lastHiddenState.value.data(), fx.raw.get(`${key}.expected.last_hidden_state`)!.data));
      }
      assert.ok(out.loss, 'loss');
      diffs.push(diffArrays(`${key}.loss`, [await out.loss.itemAsync()], [fx.scalars[`${key}.loss`]]));
      out.loss.backward();
      for (const [name, p] of params) {
        const g = fx.raw.get(`${key}.grad.${name}`);
        assert.ok(g, `fixture has a gradient for ${name}`);
        assert.ok(p.grad, `${name} received a gradient`);
        assert.equal(p.grad.value.backend, 'webgpu', `gradient of ${name} lives on webgpu`);
        diffs.push(diffArrays(`${key}.grad.${name}`, await p.grad.value.data(), g.data));
      }
      assertParity(`webgpu parity ${head}`, diffs, (line) => t.diagnostic(line));
    } finally {
      await T.setBackend('cpu');
    }
  });
}
