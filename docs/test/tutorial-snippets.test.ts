// Every ```ts block of docs/tutorial.md runs, in order, as its own program: written to a temp file
// inside the repository (so `@avey/*` imports resolve through the workspace) and run with
// `node --import tsx` in a child process whose working directory is one temp folder shared by all
// blocks (later blocks may read files earlier ones wrote, as a reader following along would).
// A block passes when it exits with 0 and prints every `// → text` it promises, in order.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeBlocks, expectedOutputs, firstMissing, scratchDir } from './snippets.js';

const here = dirname(fileURLToPath(import.meta.url));
const tutorial = resolve(here, '../tutorial.md');
const tsxLoader = import.meta.resolve('tsx');

const blocks = codeBlocks(tutorial).filter((b) => b.lang === 'ts' || b.lang === 'typescript');
const scratch = scratchDir(here, 'tutorial');                    // snippet files (inside the repo)
const workdir = mkdtempSync(join(tmpdir(), 'avey-tutorial-'));  // the reader's working directory
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(workdir, { recursive: true, force: true });
});

test('the tutorial has TypeScript snippets and none is skipped', () => {
  assert.ok(blocks.length >= 8, `found only ${blocks.length} ts blocks in ${tutorial}`);
  const skipped = blocks.filter((b) => b.flags.includes('no-run')).map((b) => `line ${b.line}`);
  assert.deepEqual(skipped, [], 'ts blocks marked no-run (every ts block of the tutorial should run)');
});

let failedBefore = false;
blocks.forEach((b, i) => {
  const name = `tutorial.md:${b.line} (ts block ${i + 1}/${blocks.length})`;
  test(name, (t) => {
    if (b.flags.includes('no-run')) return t.skip('marked no-run');
    const file = join(scratch, `snippet-${String(i + 1).padStart(2, '0')}.ts`);
    writeFileSync(file, `${b.code}\n`);
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--import', tsxLoader, file], {
      cwd: workdir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, TSX_TSCONFIG_PATH: undefined, NODE_OPTIONS: undefined, NODE_TEST_CONTEXT: undefined },
    });
    t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (process.env.DOCS_VERBOSE) console.log(`--- ${name}\n${r.stdout}`);
    const report = `--- ${name}${failedBefore ? ' (an earlier block failed; this one may depend on it)' : ''}\n` +
      `--- code:\n${b.code}\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`;
    if (r.status !== 0) failedBefore = true;
    assert.equal(r.error, undefined, `${report}\nspawn error: ${String(r.error)}`);
    assert.equal(r.status, 0, `exit code ${r.status} (signal ${r.signal})\n${report}`);
    const missing = firstMissing(r.stdout, expectedOutputs(b));
    assert.equal(missing, null, `expected output not printed: ${JSON.stringify(missing)}\n${report}`);
  });
});
