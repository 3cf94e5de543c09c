// docs/cli.md against the yargs definitions: the generated reference is up to date, and every
// command and flag that `avey <command> --help` lists appears in the doc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCli } from '../src/cli.js';
import { COMMANDS } from '../src/specs/index.js';
import { BEGIN_MARKER, END_MARKER, generateReference } from '../src/docs.js';
import { commandName, isGroup } from '../src/spec.js';
import { REPO_ROOT } from './helpers.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');

/** What `avey <path…> --help` prints, captured in-process. */
async function helpOf(path: string[]): Promise<string> {
  const argv = [...path, '--help'];
  return new Promise((resolve, reject) => {
    buildCli(argv).parse(argv, {}, (err: Error | undefined, _a: unknown, output: string) => (err ? reject(err) : resolve(output)));
  });
}

const paths: string[][] = COMMANDS.flatMap((s) =>
  isGroup(s) ? s.subcommands.map((c) => [commandName(s.command), commandName(c.command)]) : [[commandName(s.command)]],
);

test('the generated reference in docs/cli.md is up to date (run packages/cli/scripts/gen-docs.ts)', () => {
  const a = doc.indexOf(BEGIN_MARKER);
  const b = doc.indexOf(END_MARKER);
  assert.ok(a >= 0 && b > a, 'docs/cli.md has the generated-reference markers');
  assert.equal(doc.slice(a, b + END_MARKER.length), generateReference());
});

test('every command and every flag yargs knows is documented in its section of docs/cli.md', async () => {
  const top = await helpOf([]);
  for (const p of paths) {
    assert.match(top, new RegExp(`avey ${p[0]}\\b`), `top-level help lists ${p[0]}`);
    const heading = `### \`avey ${p.join(' ')}\``;
    const start = doc.indexOf(heading);
    assert.ok(start >= 0, `docs/cli.md has a section for avey ${p.join(' ')}`);
    const next = doc.indexOf('\n### ', start + heading.length);
    const section = doc.slice(start, next < 0 ? undefined : next);
    const help = await helpOf(p);
    const flags = [...help.matchAll(/^\s+(?:-\w, )?--([\w-]+)/gm)].map((m) => m[1]);
    assert.ok(flags.length >= 4, `help of ${p.join(' ')} lists its options`);
    for (const f of flags) {
      if (['help', 'version', 'backend', 'json', 'seed', 'verbose'].includes(f)) {
        assert.ok(doc.includes(`\`--${f}\``), `global --${f} documented`);
      } else {
        assert.ok(section.includes(`\`--${f}\``), `--${f} of avey ${p.join(' ')} is documented in its section`);
      }
    }
    for (const ex of help.matchAll(/^\s+(avey [^\n]*?)\s{2,}/gm)) {
      assert.ok(ex[1].startsWith(`avey ${p.join(' ')}`), `example "${ex[1]}" belongs to its command`);
    }
  }
});
