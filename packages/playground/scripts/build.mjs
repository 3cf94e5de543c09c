#!/usr/bin/env node
// Bundles the playground with esbuild into a static folder (default packages/playground/dist):
//   index.html, app.js (the page), selftest.html + selftest.js (the in-page test suites), model/
//
//   node packages/playground/scripts/build.mjs [--out DIR] [--dev]      (npm run playground builds and serves)
//
// The @avey packages are bundled from their TypeScript sources (their package.json exports). Node
// built-ins they import for file work (checkpoint folders, corpora) are replaced by a stub whose
// functions throw "not available in the browser" when called; node:test and node:assert/strict by
// small browser versions so that the packages' own test suites run in the page.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const PKG = resolve(HERE, '..');

const SHIMS = {
  'node:test': join(PKG, 'src/selftest/shim-test.ts'),
  'node:assert/strict': join(PKG, 'src/selftest/shim-assert.ts'),
  'node:assert': join(PKG, 'src/selftest/shim-assert.ts'),
  'node:path': join(PKG, 'src/shims/path.ts'),
  path: join(PKG, 'src/shims/path.ts'),
};

/** esbuild plugin: node:* (and bare built-in names) → a browser shim or the throwing stub. */
const nodeBuiltins = {
  name: 'node-builtins',
  setup(build) {
    const builtin = /^(node:.*|fs|fs\/promises|os|url|module|worker_threads|crypto|child_process|util|v8|readline|stream)$/;
    build.onResolve({ filter: /^(node:.*|fs|fs\/promises|path|os|url|module|worker_threads|crypto|child_process|util|v8|readline|stream)$/ }, (args) => {
      if (SHIMS[args.path]) return { path: SHIMS[args.path] };
      if (builtin.test(args.path)) return { path: args.path.replace(/^node:/, ''), namespace: 'node-stub' };
      return undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'node-stub' }, (args) => ({ loader: 'js', contents: stubSource(args.path) }));
  },
};

/** Names the packages import from each built-in (a missing one fails the build, naming it). */
const STUB_EXPORTS = {
  fs: ['readFileSync', 'writeFileSync', 'existsSync', 'mkdirSync', 'readdirSync', 'statSync', 'lstatSync', 'openSync', 'writeSync',
    'fsyncSync', 'closeSync', 'renameSync', 'rmSync', 'unlinkSync', 'readSync', 'fstatSync', 'mkdtempSync', 'copyFileSync', 'appendFileSync',
    'realpathSync', 'accessSync', 'createReadStream', 'createWriteStream', 'promises', 'constants'],
  'fs/promises': ['readFile', 'writeFile', 'mkdir', 'readdir', 'stat', 'rename', 'rm', 'open', 'unlink', 'appendFile', 'mkdtemp'],
  os: ['tmpdir', 'cpus', 'availableParallelism', 'platform', 'homedir', 'EOL', 'totalmem', 'freemem', 'arch', 'release', 'hostname', 'type'],
  url: ['fileURLToPath', 'pathToFileURL', 'URL'],
  module: ['createRequire'],
  worker_threads: ['Worker', 'isMainThread', 'parentPort', 'workerData'],
  crypto: ['createHash', 'randomBytes', 'randomUUID'],
  child_process: ['spawn', 'spawnSync', 'execFileSync', 'execSync'],
  util: ['inspect', 'format', 'promisify', 'parseArgs', 'styleText', 'types'],
  v8: ['setFlagsFromString', 'getHeapStatistics'],
  readline: ['createInterface'],
  stream: ['Readable', 'Writable', 'Transform', 'pipeline'],
  process: ['env', 'argv', 'exit', 'stdout', 'stderr', 'platform', 'cwd'],
};

/** An ES module standing in for a Node built-in: every export throws "not available in the
 *  browser" when used, except the few the packages call at module load (createRequire,
 *  fileURLToPath), which return something harmless. */
function stubSource(name) {
  const names = STUB_EXPORTS[name] ?? [];
  const lines = [
    `const unavailable = (what) => { throw new Error('node:${name}.' + what + ' is not available in the browser'); };`,
    `const fn = (what) => function () { return unavailable(what); };`,
  ];
  for (const n of names) {
    if (n === 'createRequire') lines.push(`export const createRequire = () => (id) => unavailable('require(' + JSON.stringify(id) + ')');`);
    else if (n === 'fileURLToPath') lines.push(`export const fileURLToPath = (u) => new URL(String(u)).pathname;`);
    else if (n === 'pathToFileURL') lines.push(`export const pathToFileURL = (p) => new URL(p, 'file:///');`);
    else if (n === 'URL') lines.push(`export const URL = globalThis.URL;`);
    else lines.push(`export const ${n} = fn('${n}');`);
  }
  lines.push(`export default { ${names.join(', ')} };`);
  return lines.join('\n');
}

export async function buildPlayground(outDir = join(PKG, 'dist'), { dev = false } = {}) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  cpSync(join(PKG, 'public'), outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: join(PKG, 'src/main.ts'), selftest: join(PKG, 'src/selftest/main.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    minify: !dev,
    keepNames: true, // error class names (BackendError, ShapeError, …) stay readable in the page
    external: ['webgpu'], // dawn.node: the Node-only WebGPU binding, never loaded in a browser
    plugins: [nodeBuiltins],
    // the op suite reads these two at load; a page has no environment
    define: {
      'process.env.FC_SEED': 'undefined', 'process.env.CI': 'undefined',
      // the gradient comparison (packages/autograd/test/webgpu-grads.test.ts) reads its case counts
      'process.env.WEBGPU_GRAD_RUNS': 'globalThis.__aveyGradRuns', 'process.env.WEBGPU_GRADGRAD_RUNS': 'globalThis.__aveyGradGradRuns',
    },
    splitting: true, // the in-page suites are loaded on demand (dynamic import)
    logLevel: 'warning',
    metafile: true,
  });
  return { outDir, outputs: Object.keys(result.metafile.outputs) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const a = process.argv.slice(2);
  const i = a.indexOf('--out');
  const { outDir } = await buildPlayground(i >= 0 ? resolve(a[i + 1]) : undefined, { dev: a.includes('--dev') });
  console.log(`playground built into ${outDir}`);
}
