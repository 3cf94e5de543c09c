// The documentation's TypeScript must compile under the repository's strict settings, not just run
// (tsx strips types without checking them): every ```ts block of the tutorial and of the guides'
// runnable examples is written to a temp folder inside the repository and checked with `tsc`.
// Blocks marked `no-run` are checked too when they are complete programs (the backend guide's usage
// example, which imports the example backend); fragments of library source are not. The files of
// docs/test/ are checked in the same run, since no workspace tsconfig covers them.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeBlocks, scratchDir } from './snippets.js';

const here = dirname(fileURLToPath(import.meta.url));
const docs = resolve(here, '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const dir = scratchDir(here, 'typecheck');
after(() => rmSync(dir, { recursive: true, force: true }));

test('tutorial and guide snippets typecheck (strict)', () => {
  const written: string[] = [];
  const put = (name: string, code: string, module = true) => {
    writeFileSync(join(dir, name), module ? `${code}\nexport {};\n` : code);
    written.push(name);
  };
  codeBlocks(join(docs, 'tutorial.md')).filter((b) => b.lang === 'ts').forEach((b, i) => put(`tutorial-${i + 1}.ts`, b.code));
  codeBlocks(join(docs, 'avey-b-explained.md')).filter((b) => b.lang === 'ts').forEach((b, i) => put(`avey-b-explained-${i + 1}.ts`, b.code));
  codeBlocks(join(docs, 'autograd-explained.md')).filter((b) => b.lang === 'ts').forEach((b, i) => put(`autograd-explained-${i + 1}.ts`, b.code));
  codeBlocks(join(docs, 'guides/writing-a-property-test.md')).filter((b) => b.lang === 'ts').forEach((b, i) => put(`property-${i + 1}.test.ts`, b.code));
  const backend = codeBlocks(join(docs, 'guides/adding-a-backend.md')).filter((b) => b.lang === 'ts');
  const impl = backend.find((b) => b.code.includes('class TracedBackend'));
  const usage = backend.find((b) => b.code.includes("from './traced-backend.js'"));
  assert.ok(impl && usage, 'adding-a-backend.md: example backend or its usage block not found');
  put('traced-backend.ts', impl.code, false);
  put('use-traced-backend.ts', usage.code);
  // …and the docs tests themselves (no workspace tsconfig covers docs/test)
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: resolve(docs, '../tsconfig.base.json'), include: ['*.ts', join(here, '*.ts')] }));

  const r = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', timeout: 420_000 });
  assert.equal(r.status, 0, `tsc found errors in documentation snippets (${written.length} files; names map to blocks in order):\n${r.stdout}${r.stderr}`);
});
