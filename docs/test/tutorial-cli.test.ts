// Every `npx avey …` line of the ```sh blocks of docs/tutorial.md (except blocks marked no-run, the
// long training runs) runs, in order, in one temp working directory, and must exit with 0 and print
// the `# → text` it promises. `npx avey` is run as `node packages/cli/bin/avey.mjs` (what the npm
// bin link points at), so the test does not depend on `npm ci` having linked the bin.
// Lines that need the evaluation datasets (finetune / eval) are skipped, with the reason, when no
// datasets folder can be found (the same search the CLI does).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeBlocks, expectedOutputs, firstMissing } from './snippets.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const tutorial = join(repo, 'docs/tutorial.md');
const bin = join(repo, 'packages/cli/bin/avey.mjs');

interface Command { line: number; text: string; expected: string[] }

const commands: Command[] = [];
for (const b of codeBlocks(tutorial)) {
  if ((b.lang !== 'sh' && b.lang !== 'bash') || b.flags.includes('no-run')) continue;
  b.code.split('\n').forEach((text, i) => {
    if (!text.trimStart().startsWith('npx avey')) return;
    commands.push({ line: b.line + 1 + i, text: text.trim(), expected: expectedOutputs({ ...b, code: text }) });
  });
}

/** The CLI's own search: $AVEY_DATASETS, else shared/datasets next to or above the repository. */
function datasetsRoot(): string | null {
  if (process.env.AVEY_DATASETS) return existsSync(process.env.AVEY_DATASETS) ? process.env.AVEY_DATASETS : null;
  for (let dir = repo; ; dir = dirname(dir)) {
    for (const c of [join(dir, 'shared', 'datasets'), join(dir, '..', 'shared', 'datasets')]) if (existsSync(join(c, 'sst2'))) return c;
    if (dirname(dir) === dir) return null;
  }
}

const workdir = mkdtempSync(join(tmpdir(), 'avey-tutorial-cli-'));
after(() => rmSync(workdir, { recursive: true, force: true }));

test('the tutorial shows CLI commands', () => {
  assert.ok(existsSync(bin), `missing ${bin}`);
  assert.ok(commands.length >= 6, `found only ${commands.length} runnable npx avey lines in ${tutorial}`);
});

let failedBefore = false;
for (const c of commands) {
  test(`tutorial.md:${c.line}: ${c.text.split('#')[0].trim()}`, (t) => {
    if (/\bavey (finetune|eval)\b/.test(c.text) && !/--data\b/.test(c.text) && datasetsRoot() === null) {
      return t.skip('no datasets folder found ($AVEY_DATASETS or shared/datasets next to the repository)');
    }
    const shell = c.text.replace(/^npx avey\b/, `"${process.execPath}" "${bin}"`);
    const started = Date.now();
    const r = spawnSync('bash', ['-c', shell], {
      cwd: workdir,
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, TSX_TSCONFIG_PATH: undefined, NODE_OPTIONS: undefined, NODE_TEST_CONTEXT: undefined },
    });
    t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s`);
    const report = `--- ${c.text}${failedBefore ? '\n(an earlier command failed; this one may depend on it)' : ''}\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`;
    if (r.status !== 0) failedBefore = true;
    assert.equal(r.status, 0, `exit code ${r.status} (signal ${r.signal})\n${report}`);
    const missing = firstMissing(r.stdout + r.stderr, c.expected);
    assert.equal(missing, null, `expected output not printed: ${JSON.stringify(missing)}\n${report}`);
  });
}
