#!/usr/bin/env node
// Packs every workspace package as an npm tarball built from dist/ (what `npm publish` would ship).
//
//   node scripts/pack.mjs [--out DIR] [--no-build]      (default DIR: ./packs; prints the tarball paths)
//
// In the workspace each package.json exports its TypeScript sources (`./src/index.ts`), so tests,
// tsx scripts and other checkouts need no build. The publishable manifest is that package.json
// with `publishConfig` applied (pnpm's convention: `exports`, `types` and `bin` there replace the
// top-level ones, pointing at dist/), scripts and devDependencies dropped. This script builds
// (`npm run build`, turbo-cached), stages dist/ + that manifest + README + LICENSE per package in a
// temporary folder and runs `npm pack` there.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

export const PACKAGES = ['packages/tensor', 'packages/autograd', 'packages/data', 'packages/avey-b', 'benchmarks', 'packages/cli'];
const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`pack: '${cmd} ${args.join(' ')}' failed in ${cwd} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The manifest npm would publish for the package.json `pkg`. */
export function publishManifest(pkg) {
  const { publishConfig = {}, scripts: _s, devDependencies: _d, ...rest } = pkg;
  const { exports, types, bin, ...keep } = publishConfig;
  const out = { ...rest };
  if (exports) out.exports = exports;
  if (types) out.types = types;
  if (bin) out.bin = bin;
  if (Object.keys(keep).length) out.publishConfig = keep;
  return out;
}

/** Builds (unless build=false) and packs every package into `outDir`; returns the tarball paths. */
export function packAll(outDir, { build = true } = {}) {
  if (build) run(npm, ['run', 'build', '--silent'], ROOT);
  mkdirSync(outDir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), 'avey-pack-'));
  const tarballs = [];
  try {
    for (const dir of PACKAGES) {
      const src = join(ROOT, dir);
      const pkg = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8'));
      if (!existsSync(join(src, 'dist', 'index.js'))) throw new Error(`pack: ${dir}/dist/index.js is missing (run npm run build)`);
      const to = join(stage, pkg.name.replace('/', '+'));
      cpSync(join(src, 'dist'), join(to, 'dist'), { recursive: true });
      writeFileSync(join(to, 'package.json'), `${JSON.stringify(publishManifest(pkg), null, 2)}\n`);
      cpSync(join(ROOT, 'LICENSE'), join(to, 'LICENSE'));
      const readme = join(src, 'README.md');
      if (existsSync(readme)) cpSync(readme, join(to, 'README.md'));
      else writeFileSync(join(to, 'README.md'), `# ${pkg.name}\n\n${pkg.description}.\n\nPart of avey-ts: see its README and docs/ (\`Use it from your project\`).\n`);
      const [info] = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', resolve(outDir)], to));
      tarballs.push(join(resolve(outDir), info.filename));
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return tarballs;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const a = process.argv.slice(2);
  const i = a.indexOf('--out');
  const out = i >= 0 ? a[i + 1] : join(ROOT, 'packs');
  for (const t of packAll(out, { build: !a.includes('--no-build') })) console.log(t);
}
