// Install test: every package packed as npm would publish it (dist/ + publishConfig, see
// scripts/pack.mjs), installed from the tarballs into a scratch project outside the workspace, then
//   - plain Node (no tsx) builds a tiny model, takes a gradient, runs one Avey-B forward and
//     backward on the CPU backend, writes and loads a checkpoint folder (test/install/consumer.mjs);
//   - the packed `avey` bin runs compiled JavaScript (tsx is not installed there);
//   - a strict TypeScript consumer type-checks against the packed .d.ts (test/install/consumer.ts).
// Optional dependencies (webgpu, gpu.js, the embedded corpora) are omitted: the packages must work
// without them. Takes about a minute (the build is turbo-cached).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
// @ts-expect-error plain .mjs script without types
import { packAll } from '../scripts/pack.mjs';

const ROOT = resolve(import.meta.dirname, '..');

function sh(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(r.status, 0, `'${cmd} ${args.join(' ')}' in ${cwd} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('packed packages install and work from plain Node and TypeScript', { timeout: 15 * 60_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'avey-install-'));
  try {
    const tarballs = (packAll(join(work, 'packs')) as string[]);
    assert.equal(tarballs.length, 6);
    const app = join(work, 'app');
    const deps: Record<string, string> = {};
    for (const t of tarballs) {
      const name = `@avey/${t.replace(/^.*\/avey-(.*)-\d+\.\d+\.\d+\.tgz$/, '$1')}`;
      deps[name] = `file:${t}`;
    }
    cpSync(join(ROOT, 'test/install'), app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module', dependencies: deps }, null, 2));
    sh('npm', ['install', '--prefer-offline', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'], app);
    assert.ok(!existsSync(join(app, 'node_modules/tsx')), 'tsx must not be installed by the packages');
    assert.ok(existsSync(join(app, 'node_modules/@avey/tensor/dist/index.d.ts')));

    const r = JSON.parse(sh(process.execPath, ['consumer.mjs'], app).trim().split('\n').pop()!);
    assert.equal(r.backend, 'cpu');
    assert.equal(r.wasm, true, 'the wasm kernels ship in the package');
    assert.deepEqual(r.linearGradShape, [2, 3]);
    assert.deepEqual(r.squareGrad, [2, 4, 6]);
    assert.deepEqual(r.logitsShape, [1, 16, 64]);
    assert.ok(Number.isFinite(r.loss) && Math.abs(r.loss - Math.log(64)) < 1.5, `loss ${r.loss} near ln 64 for a fresh model`);
    assert.equal(r.gradsNonZero, r.params, 'every parameter gets a gradient');
    assert.equal(r.loadedHead, 'mlm');
    assert.equal(r.reloadMaxDiff, 0, 'the loaded checkpoint gives the same logits');

    const bin = join(app, 'node_modules/.bin/avey');
    assert.match(sh(bin, ['--version'], app), /^0\.1\.0/);
    assert.match(sh(bin, ['info'], app), /--backend auto selects: cpu/);

    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false,
        lib: ['ES2023', 'DOM'], types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      files: ['consumer.ts'],
    }));
    sh(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
