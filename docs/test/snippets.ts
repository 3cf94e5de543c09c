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

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
