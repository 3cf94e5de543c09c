// Regenerates the command reference in docs/cli.md from the command specs.
// Usage: node --import tsx packages/cli/scripts/gen-docs.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateReference, spliceReference } from '../src/docs.js';

const path = fileURLToPath(new URL('../../../docs/cli.md', import.meta.url));
const before = existsSync(path) ? readFileSync(path, 'utf8') : '# avey command line\n';
const after = spliceReference(before, generateReference());
if (after !== before) {
  writeFileSync(path, after);
  console.log(`updated ${path}`);
} else {
  console.log(`${path} is up to date`);
}
