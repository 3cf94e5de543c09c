// PARITY: the TypeScript Avey-B against the official PyTorch implementation (fixtures made with
// rimads/avey-b 8f3ed57, float32, CPU). Every output, loss and parameter gradient of the three
// official heads must match within 1e-4 relative / 1e-5 absolute (torch.allclose rule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '@avey/tensor';
import {
  createAvey, namedParams, diffArrays, summarize, formatDiff, type TensorDiff, type HeadName,
} from '@avey/avey-b';
import { fixtureAvailable, fixtureDir, loadFixture } from './fixture.js';

const HEADS: { head: HeadName; key: string; labels: string }[] = [
  { head: 'mlm', key: 'mlm', labels: 'input.mlm_labels' },
  { head: 'seqcls', key: 'seqcls', labels: 'input.seqcls_labels' },
  { head: 'tokcls', key: 'tokcls', labels: 'input.tokcls_labels' },
];

for (const { head, key, labels } of HEADS) {
  test(`parity with official PyTorch Avey-B: ${head} (outputs, loss, every parameter gradient)`, (t) => {
    if (!fixtureAvailable()) {
      // The fixtures are part of the shared material; CI has them. Fail loudly there.
      if (process.env.CI === 'true') assert.fail(`fixtures missing at ${fixtureDir()}`);
      t.skip(`fixtures missing at ${fixtureDir()} (set AVEY_SHARED_DIR)`);
      return;
    }
    const fx = loadFixture();
    const model = createAvey(fx.config, head);
    const params = namedParams(model);
    const fixtureParams = fx.params(key);
    assert.deepEqual([...params.keys()].sort(), [...fixtureParams.keys()].sort(), 'parameter names must equal the official ones');
    for (const [name, p] of params) {
      const r = fixtureParams.get(name)!;
      assert.deepEqual([...p.shape], [...r.shape], `shape of ${name}`);
      p.value = tensor(r.data as Float32Array, { shape: [...r.shape] });
    }
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
    const rep = summarize(diffs);
    const maxAbs = Math.max(...diffs.map((d) => d.maxAbs));
    const maxRel = Math.max(...diffs.map((d) => d.maxRel));
    console.log(`[parity ${head}] ${diffs.length} tensors; max abs err ${maxAbs.toExponential(3)}, max rel err ${maxRel.toExponential(3)}; worst: ${formatDiff(rep.worst!)}`);
    const failing = rep.diffs.filter((d) => !d.pass);
    assert.equal(failing.length, 0, `parity failures (worst first):\n${failing.slice(0, 10).map(formatDiff).join('\n')}`);
  });
}
