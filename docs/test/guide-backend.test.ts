// The example backend of docs/guides/adding-a-backend.md (its first ```ts block) is a real backend:
// this file writes it out, imports it (which registers 'traced'), runs the shared op suite of
// @avey/tensor on it, and checks the usage example's claim about which primitives softmax issues.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as T from '@avey/tensor';
import { codeBlocks, scratchDir } from './snippets.js';
import { runOpSuite } from '../../packages/tensor/test/op-suite.js';

const here = dirname(fileURLToPath(import.meta.url));
const guide = resolve(here, '../guides/adding-a-backend.md');
const block = codeBlocks(guide).find((b) => b.lang === 'ts' && !b.flags.includes('no-run'));
if (!block) throw new Error(`${guide}: no runnable ts block (the example backend)`);

const dir = scratchDir(here, 'guide-backend');
const file = join(dir, 'traced-backend.ts');
writeFileSync(file, block.code);
after(() => rmSync(dir, { recursive: true, force: true }));

interface Traced extends T.Backend { readonly calls: Map<string, number> }
await import(pathToFileURL(file).href);

test('the guide\'s backend registers and reports its calls (the usage example)', async () => {
  const be = (await T.setBackend('traced')) as Traced;
  assert.equal(be.name, 'traced');
  be.calls.clear();
  const y = T.scope(() => T.randn([4, 8], { seed: 0 }).softmax(-1));
  assert.deepEqual(Object.fromEntries(be.calls), {
    'reduce:max': 1, 'binary:sub': 1, 'unary:exp': 1, 'reduce:sum': 1, 'binary:div': 1,
  }, 'docs/guides/adding-a-backend.md claims these five primitive calls for softmax');
  const rows = await y.sum(-1).data();
  assert.ok(rows.every((v) => Math.abs(v - 1) < 1e-6));
  await T.setBackend('cpu');
});

runOpSuite('traced', { required: true });
