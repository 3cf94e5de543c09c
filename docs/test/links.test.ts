// The docs point at real things: in docs/*.md and docs/guides/*.md, every relative markdown link
// resolves to an existing file (and, for `file.md#anchor`, to a heading of that file), and every
// repository path mentioned in the text (`packages/…`, `benchmarks/…`, `scripts/…`, `.ci/…`,
// `docs/…`) exists. `{a,b}` alternatives are expanded; paths with placeholders (`<name>`, `*`)
// are patterns, not files, and are not checked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const docs = resolve(here, '..');
const repo = resolve(docs, '..');

/** Example files a guide tells you to create (they do not exist, by design). */
const HYPOTHETICAL = new Set<string>([
  'packages/tensor/test/mygpu.test.ts',
]);
// Folders a build writes (git-ignored, absent from a clean clone until `npm run playground` / `npm run build`).
const BUILD_OUTPUTS = new Set<string>([
  'packages/playground/dist',
]);

const files = [
  ...readdirSync(docs).filter((f) => f.endsWith('.md')).map((f) => join(docs, f)),
  ...(existsSync(join(docs, 'guides')) ? readdirSync(join(docs, 'guides')).filter((f) => f.endsWith('.md')).map((f) => join(docs, 'guides', f)) : []),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces → '-', duplicates get -1, -2, … */
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence: string | null = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const f = /^\s*(`{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1];
      else if (line.trim().replace(/`/g, '') === '' && f[1].length >= fence.length) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const text = h[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');  // link text only
    const base = text.toLowerCase().replace(/[^\p{L}\p{N}\p{M}\- _]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** `a/{b,c}/d` → [`a/b/d`, `a/c/d`] (one level, repeated). */
function expandBraces(p: string): string[] {
  const m = /\{([^{}]*)\}/.exec(p);
  if (!m) return [p];
  return m[1].split(',').flatMap((alt) => expandBraces(p.slice(0, m.index) + alt.trim() + p.slice(m.index + m[0].length)));
}

interface Problem { file: string; line: number; what: string }

function check(file: string): Problem[] {
  const problems: Problem[] = [];
  const rel = relative(repo, file);
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    // 1. markdown links [text](target) with a relative target
    for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#') && target.length === 1) continue;  // http:, mailto:, …
      const [path, anchor] = target.split('#');
      const abs = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(abs)) {
        problems.push({ file: rel, line: i + 1, what: `link target ${target} does not exist` });
        continue;
      }
      if (anchor !== undefined && abs.endsWith('.md') && !anchorsOf(abs).has(anchor)) {
        problems.push({ file: rel, line: i + 1, what: `link ${target}: no heading with anchor #${anchor} in ${relative(repo, abs)}` });
      }
    }
    // 2. repository paths mentioned anywhere (prose, tables, code)
    for (const m of line.matchAll(/(?<![\w./-])((?:packages|benchmarks|scripts|\.ci|docs)\/[\w.\-/{},<>*]*)/g)) {
      let p = m[1].replace(/[.,:;]+$/, '');
      if (/[<>*]/.test(p) || HYPOTHETICAL.has(p) || BUILD_OUTPUTS.has(p)) continue;
      for (const q of expandBraces(p)) {
        if (!existsSync(join(repo, q))) problems.push({ file: rel, line: i + 1, what: `path ${q} does not exist` });
      }
    }
  });
  return problems;
}

test('docs: there are pages to check', () => {
  assert.ok(files.length >= 5, `found only ${files.length} markdown files under ${docs}`);
});

for (const file of files) {
  test(`links and paths in ${relative(repo, file)} exist`, () => {
    const problems = check(file);
    assert.deepEqual(problems.map((p) => `${p.file}:${p.line}: ${p.what}`), []);
  });
}
