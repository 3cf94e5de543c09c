// `setBackend('auto')` takes the highest-priority backend that initialises, but skips a backend
// that only emulates an accelerator on the CPU (software WebGPU adapter, gpu.js cpu mode).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerBackend, setBackend, getBackend, backendInfo } from '@avey/tensor';
import { CpuBackend } from '../src/cpu/backend.js';

class FakeEmulated extends CpuBackend {
  override readonly name = 'fake-emulated';
  readonly emulated = 'software adapter (fake)';
}
class FakeFailing extends CpuBackend {}

test('auto skips emulated backends, reports why, and takes them when AVEY_AUTO_EMULATED=1', async () => {
  registerBackend('webgpu', () => { throw new Error('no adapter (test)'); }, 20);
  registerBackend('fake-emulated', () => new FakeEmulated(), 50);
  registerBackend('fake-failing', (): FakeFailing => { throw new Error('driver missing (test)'); }, 60);
  delete process.env.AVEY_AUTO_EMULATED;
  assert.equal((await setBackend('auto')).name, 'cpu');
  const info = await backendInfo();
  const emu = info.find((i) => i.name === 'fake-emulated');
  assert.equal(emu?.available, true);
  assert.equal(emu?.emulated, 'software adapter (fake)');
  const failing = info.find((i) => i.name === 'fake-failing');
  assert.equal(failing?.available, false);
  assert.match(failing?.reason ?? '', /driver missing/);
  process.env.AVEY_AUTO_EMULATED = '1';
  assert.equal((await setBackend('auto')).name, 'fake-emulated');
  assert.equal(getBackend().name, 'fake-emulated');
  delete process.env.AVEY_AUTO_EMULATED;
  await setBackend('cpu');
});

test('an explicit request for a backend that cannot start is a BackendError saying why', async () => {
  registerBackend('fake-failing', (): FakeFailing => { throw new Error('driver missing (test)'); }, 60);
  await assert.rejects(setBackend('fake-failing'), (e: Error) => e.name === 'BackendError' && /fake-failing.*driver missing/.test(e.message));
  await assert.rejects(setBackend('nope'), /unknown backend 'nope'/);
});

test('autoSkip: auto passes over a backend without calling its factory; explicit requests ignore it', async () => {
  let calls = 0;
  class FakeGpu extends CpuBackend {
    override readonly name = 'fake-gpu';
  }
  registerBackend('fake-gpu', () => { calls++; return new FakeGpu(); }, 70, { autoSkip: () => 'only a software driver (test)' });
  delete process.env.AVEY_AUTO_EMULATED;
  assert.equal((await setBackend('auto')).name, 'cpu');
  assert.equal(calls, 0, 'the factory was not called');
  const info = (await backendInfo()).find((i) => i.name === 'fake-gpu');
  assert.equal(info?.autoSkip, 'only a software driver (test)');
  assert.equal((await setBackend('fake-gpu')).name, 'fake-gpu');
  assert.equal(calls, 1);
  await setBackend('cpu');
  registerBackend('fake-gpu', () => { calls++; return new FakeGpu(); }, 70, { autoSkip: () => 'only a software driver (test)' });
  process.env.AVEY_AUTO_EMULATED = '1';
  assert.equal((await setBackend('auto')).name, 'fake-gpu', 'AVEY_AUTO_EMULATED=1 disables the pre-check');
  delete process.env.AVEY_AUTO_EMULATED;
  await setBackend('cpu');
});
