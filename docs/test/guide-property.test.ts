// Every ```ts block of docs/guides/writing-a-property-test.md is a complete test file: each is
// written to a temp file inside the repository and run with `node --import tsx --test` in a child
// process, which must exit with 0 (all its tests passed, none failed).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeBlocks, scratchDir } from './snippets.js';

const here = dirname(fileURLToPath(import.meta.url));
const guide = resolve(here, '../guides/writing-a-property-test.md');
const tsxLoader = import.meta.resolve('tsx');
const blocks = codeBlocks(guide).filter((b) => b.lang === 'ts' && !b.flags.includes('no-run'));

const dir = scratchDir(here, 'guide-property');
after(() => rmSync(dir, { recursive: true, force: true }));

test('the guide has runnable examples', () => {
  assert.ok(blocks.length >= 4, `found only ${blocks.length} runnable ts blocks in ${guide}`);
});

blocks.forEach((b, i) => {
  test(`writing-a-property-test.md:${b.line} (example ${i + 1}) passes`, () => {
    const file = join(dir, `example-${i + 1}.test.ts`);
    writeFileSync(file, b.code);
    const r = spawnSync(process.execPath, ['--import', tsxLoader, '--test', file], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, TSX_TSCONFIG_PATH: undefined, NODE_OPTIONS: undefined, NODE_TEST_CONTEXT: undefined },
    });
    const out = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, `example at line ${b.line} failed (exit ${r.status}):\n${out}`);
    assert.match(r.stdout, /# pass [1-9]/, `example at line ${b.line} ran no passing test:\n${out}`);
    assert.match(r.stdout, /# fail 0/, out);
  });
});
