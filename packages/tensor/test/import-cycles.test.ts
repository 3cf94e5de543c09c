// The core's import graph has no cycle: ops build on Tensor, Tensor on nothing above it, and the
// backends register themselves from backends.ts (not from engine.ts). Type-only imports are
// erased at run time and do not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { importCycles } from '../../../scripts/import-cycles.mjs';

test('packages/tensor/src has no import cycle (type-only imports aside)', () => {
  const cycles = importCycles(fileURLToPath(new URL('../src', import.meta.url)));
  assert.deepEqual(cycles, [], `cycles:\n${cycles.map((c) => c.join(' → ')).join('\n')}`);
});
