import { test } from 'node:test';
import assert from 'node:assert/strict';
test('workspace wiring: @avey/tensor exports the backend contract types', async () => {
  const mod = await import('@avey/tensor');
  assert.equal(typeof mod, 'object');
});
