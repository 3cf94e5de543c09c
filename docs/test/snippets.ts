// Helpers for the executable-documentation tests: pull fenced code blocks out of a markdown file,
// run them, and check the output they promise.
//
// Conventions inside docs/tutorial.md:
//   ```ts            runs (each block is its own file: it must carry its own imports)
//   ```ts no-run     never used by the tutorial (allowed for output-only blocks; avoid)
//   ```sh            every `npx avey …` line runs (other lines are explanation for the reader)
//   ```sh no-run     shown, not run (long training runs); the reason is said next to it
//   `// → text` (ts) or `# → text` (sh) ending a line: `text` must appear in stdout,
//   in the order the markers appear (whitespace-insensitive).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface Block {
  lang: string;
  /** words after the language on the fence line, e.g. ['no-run'] */
  flags: string[];
  code: string;
  /** 1-based line of the opening fence */
  line: number;
}

/** Every fenced block of `file`, in order (fences of three or more backticks, not nested). */
export function codeBlocks(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const t = lines[j].trim();
      if (t.length >= fence.length && /^`+$/.test(t)) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    out.push({ lang, flags: rest.split(/\s+/).filter(Boolean), code: body.join('\n'), line: i + 1 });
    i = j;
  }
  return out;
}

/** The `→ text` markers of a block: `// → x` for TypeScript, `# → x` for shell. */
export function expectedOutputs(b: Block): string[] {
  const marker = b.lang === 'sh' || b.lang === 'bash' ? /#\s*→\s*(.+)$/ : /\/\/\s*→\s*(.+)$/;
  const out: string[] = [];
  for (const l of b.code.split('\n')) {
    const m = marker.exec(l);
    if (m) out.push(m[1].trim());
  }
  return out;
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Checks that every expected text occurs in `stdout`, in order; returns the first missing one. */
export function firstMissing(stdout: string, expected: readonly string[]): string | null {
  const hay = squash(stdout);
  let from = 0;
  for (const e of expected) {
    const at = hay.indexOf(squash(e), from);
    if (at < 0) return e;
    from = at + squash(e).length;
  }
  return null;
}

/** A fresh scratch folder `docs/test/.tmp/<name>-<pid>` for files that must live inside the repository
 *  (so workspace imports resolve). `.tmp/` carries its own `.gitignore` (`*`), so files left by an
 *  interrupted run are never committed. */
export function scratchDir(testDir: string, name: string): string {
  const root = join(testDir, '.tmp');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, '.gitignore'), '*\n');
  const dir = join(root, `${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Registers one test per ```ts block of `mdFile`: each block runs, in order, as its own program,
 * written to a temp file inside the repository (so `@avey/*` imports resolve through the workspace)
 * and run with `node --import tsx` in a child process whose working directory is one temp folder
 * shared by all blocks (later blocks may read files earlier ones wrote, as a reader following along
 * would). A block passes when it exits with 0 and prints every `// → text` it promises, in order.
 * A first test checks that the file has at least `minBlocks` blocks and that none is marked no-run.
 */
export function registerSnippetTests(testDir: string, mdFile: string, minBlocks: number): void {
  const doc = basename(mdFile);
  const tsxLoader = import.meta.resolve('tsx');
  const blocks = codeBlocks(mdFile).filter((b) => b.lang === 'ts' || b.lang === 'typescript');
  const scratch = scratchDir(testDir, doc.replace(/\.md$/, ''));     // snippet files (inside the repo)
  const workdir = mkdtempSync(join(tmpdir(), 'avey-docs-'));          // the reader's working directory
  after(() => {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(workdir, { recursive: true, force: true });
  });

  test(`${doc} has TypeScript snippets and none is skipped`, () => {
    assert.ok(blocks.length >= minBlocks, `found only ${blocks.length} ts blocks in ${mdFile}`);
    const skipped = blocks.filter((b) => b.flags.includes('no-run')).map((b) => `line ${b.line}`);
    assert.deepEqual(skipped, [], `ts blocks marked no-run (every ts block of ${doc} should run)`);
  });

  let failedBefore = false;
  blocks.forEach((b, i) => {
    const name = `${doc}:${b.line} (ts block ${i + 1}/${blocks.length})`;
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
}
