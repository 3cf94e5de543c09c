// PARITY ON WEBGPU: the TypeScript Avey-B running on the WebGPU backend (float32) against the
// official PyTorch fixtures (rimads/avey-b 8f3ed57, float32, CPU) — the same fixture, the same
// three heads and the same comparator (1e-4 relative / 1e-5 absolute, torch.allclose rule) as
// parity.test.ts. Every parameter, the input ids and the labels live on WebGPU; results are read
// back with the async `data()` (WebGPU has no synchronous read). Prints the worst tensor per head.
// Without an adapter: skipped with the reason printed; under CI=true that is a failure.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '@avey/tensor';
import {
  createAvey, namedParams, diffArrays, summarize, formatDiff, type TensorDiff, type HeadName,
} from '@avey/avey-b';
import { fixtureAvailable, fixtureDir, loadFixture } from './fixture.js';

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

const HEADS: { head: HeadName; key: string; labels: string }[] = [
  { head: 'mlm', key: 'mlm', labels: 'input.mlm_labels' },
  { head: 'seqcls', key: 'seqcls', labels: 'input.seqcls_labels' },
  { head: 'tokcls', key: 'tokcls', labels: 'input.tokcls_labels' },
];

for (const { head, key, labels } of HEADS) {
  test(`webgpu parity with official PyTorch Avey-B: ${head} (outputs, loss, every parameter gradient)`, { skip: why ? `no WebGPU adapter: ${why}` : false }, async (t) => {
    if (!fixtureAvailable()) {
      if (process.env.CI === 'true') assert.fail(`fixtures missing at ${fixtureDir()}`);
      t.skip(`fixtures missing at ${fixtureDir()} (set AVEY_SHARED_DIR)`);
      return;
    }
    const fx = loadFixture(); // host tensors: fx.t() creates on the current backend, so load first
    await T.setBackend('webgpu');
    try {
      const model = createAvey(fx.config, head);
      const params = namedParams(model);
      const fixtureParams = fx.params(key);
      assert.deepEqual([...params.keys()].sort(), [...fixtureParams.keys()].sort(), 'parameter names must equal the official ones');
      for (const [name, p] of params) {
        const r = fixtureParams.get(name)!;
        assert.deepEqual([...p.shape], [...r.shape], `shape of ${name}`);
        p.value = T.tensor(r.data as Float32Array, { shape: [...r.shape] });
        assert.equal(p.value.backend, 'webgpu', `${name} lives on webgpu`);
      }
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
      const rep = summarize(diffs);
      const maxAbs = Math.max(...diffs.map((d) => d.maxAbs));
      const maxRel = Math.max(...diffs.map((d) => d.maxRel));
      const line = `[webgpu parity ${head}] ${diffs.length} tensors; max abs err ${maxAbs.toExponential(3)}, max rel err ${maxRel.toExponential(3)}; worst: ${formatDiff(rep.worst!)}`;
      t.diagnostic(line);
      const failing = rep.diffs.filter((d) => !d.pass);
      assert.equal(failing.length, 0, `webgpu parity failures (worst first):\n${failing.slice(0, 10).map(formatDiff).join('\n')}`);
    } finally {
      await T.setBackend('cpu');
    }
  });
}
