#!/usr/bin/env node
// Mutation check of the Avey-B property suite: applies each plausible bug below to a COPY of
// packages/avey-b (in a temp folder; the checkout is never touched), runs the suite's test files
// against the copy, and reports which tests fail. Every mutation must be caught by at least one
// test; the exit status is 1 otherwise (or when a mutation no longer applies: the code drifted).
//
// Usage: node scripts/mutation-check.mjs [--fast] [--only NAME] [--json]
//   --fast   stop at the first failing test file per mutation (default: run them all)
//   --only   run one mutation (its name as listed)
// Cost: about a minute of CPU per mutation (the suite's files in one process each).
// docs/avey-b.md §3a lists the mutations with the tests that catch them.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PKG = 'packages/avey-b';

/** The suite: test files of packages/avey-b run against each mutant. */
const SUITE = ['trace.test.ts', 'propositions-e2e.test.ts', 'variants.test.ts', 'propositions.test.ts', 'ranker.test.ts', 'parity.test.ts'];

/** name, file (in packages/avey-b), the exact code it replaces (must occur once), the bug. */
export const MUTATIONS = [
  {
    name: 'drop the L1 row normalisation',
    file: 'src/contextualisers.ts',
    find: 'mixing: (v) => normalizeL1(cosineSimilarity(v)),',
    replace: 'mixing: (v) => cosineSimilarity(v),',
  },
  {
    name: 'softmax instead of the L1 normalisation',
    file: 'src/contextualisers.ts',
    find: 'mixing: (v) => normalizeL1(cosineSimilarity(v)),',
    replace: 'mixing: (v) => cosineSimilarity(v).softmax(-1),',
  },
  {
    name: 'L1 normalisation over the wrong axis (columns)',
    file: 'src/functional.ts',
    find: 'return s.div(s.abs().sum(-1, true).maximum(eps));',
    replace: 'return s.div(s.abs().sum(-2, true).maximum(eps));',
  },
  {
    name: 'signed row sum instead of Σ|s| (Eq. 6 printed form in the official path)',
    file: 'src/functional.ts',
    find: 'return s.div(s.abs().sum(-1, true).maximum(eps));',
    replace: 'return s.div(s.sum(-1, true).maximum(eps));',
  },
  {
    name: 'Sᵀ in gatedMix',
    file: 'src/gated-mix.ts',
    find: 'const value = kernel ? kernel(z.value, mix.value) : T.gatedMixComposed(z.value, mix.value);',
    replace: 'const value = T.gatedMixComposed(z.value, T.transpose(mix.value, -2, -1)); void kernel;',
  },
  {
    name: 'mix the gate slice (gate and v swapped in gatedMix)',
    file: 'src/gated-mix.ts',
    find: 'const value = kernel ? kernel(z.value, mix.value) : T.gatedMixComposed(z.value, mix.value);',
    replace: 'const value = T.gatedMixComposed(T.cat([T.narrow(z.value, -1, m4, m4), T.narrow(z.value, -1, 0, m4), T.narrow(z.value, -1, 2 * m4, 2 * m4)], -1), mix.value); void kernel;',
  },
  {
    name: 'bottom-k ranker (topk of the smallest scores)',
    file: 'src/ranker.ts',
    find: 'const { values, indices } = scores.topk(kk, -1); // (B, N, kk), descending',
    replace: 'const { values: negVals, indices } = ops.where(candMask, scoresAll.neg(), -Infinity).topk(kk, -1);\n    const values = negVals.neg();',
  },
  {
    name: 'ranker looking ahead (later splits are candidates)',
    file: 'src/ranker.ts',
    find: "cand[i * N + j] = (this.cfg.ranker === 'causal' ? j < i : j !== i) ? 1 : 0;",
    replace: "cand[i * N + j] = (this.cfg.ranker === 'causal' ? j !== i : j !== i) ? 1 : 0;",
  },
  {
    name: 'ranker weights ÷ max instead of ÷ min',
    file: 'src/ranker.ts',
    find: 'lastIdx[i] = Math.max(numSel[i] - 1, 0);',
    replace: 'lastIdx[i] = 0;',
  },
  {
    name: 'drop the compressor residual',
    file: 'src/ranker.ts',
    find: '    if (this.cfg.compressor_residual) h = h.add(Xc);\n',
    replace: '',
  },
];

const args = process.argv.slice(2);
const fast = args.includes('--fast');
const json = args.includes('--json');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;

/** A temp tree: packages/avey-b copied, node_modules = symlinks to the checkout's, except
 *  @avey/avey-b → the copy (so the tests' `@avey/avey-b` imports load the mutant). */
function makeCopy() {
  const tmp = mkdtempSync(join(tmpdir(), 'avey-mutation-'));
  for (const f of ['tsconfig.base.json', 'package.json']) cpSync(join(ROOT, f), join(tmp, f));
  const pkg = join(tmp, PKG);
  mkdirSync(pkg, { recursive: true });
  for (const f of ['src', 'test', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, PKG, f), join(pkg, f), { recursive: true });
  const nm = join(tmp, 'node_modules');
  mkdirSync(join(nm, '@avey'), { recursive: true });
  for (const e of readdirSync(join(ROOT, 'node_modules'))) {
    if (e !== '@avey') symlinkSync(join(ROOT, 'node_modules', e), join(nm, e));
  }
  for (const e of readdirSync(join(ROOT, 'node_modules', '@avey'))) {
    symlinkSync(e === 'avey-b' ? pkg : join(ROOT, 'node_modules', '@avey', e), join(nm, '@avey', e));
  }
  return { tmp, pkg };
}

/** Runs the suite in the copy; returns the failing test files. */
function runSuite(pkg) {
  const failed = [];
  for (const f of SUITE) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', join('test', f)], {
      cwd: pkg,
      encoding: 'utf8',
      env: { ...process.env, AVEY_SHARED_DIR: process.env.AVEY_SHARED_DIR ?? resolve(ROOT, '../shared'), TSX_TSCONFIG_PATH: undefined, CI: undefined },
      timeout: 600_000,
    });
    if (r.status !== 0) {
      const names = [...(r.stdout ?? '').matchAll(/^not ok \d+ - (.*)$/gm)].map((m) => m[1]);
      failed.push({ file: f, tests: names.length ? names : [`exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`] });
      if (fast) break;
    }
  }
  return failed;
}

const { tmp, pkg } = makeCopy();
const report = [];
let ok = true;
try {
  const t0 = Date.now();
  const base = runSuite(pkg);
  if (base.length) {
    console.error(`mutation-check: the unmutated suite fails (${base.map((b) => b.file).join(', ')}); fix that first`);
    process.exit(1);
  }
  if (!json) console.log(`baseline: the suite passes (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  for (const m of MUTATIONS) {
    if (only && m.name !== only) continue;
    const file = join(pkg, m.file);
    const original = readFileSync(file, 'utf8');
    const count = original.split(m.find).length - 1;
    if (count !== 1) {
      ok = false;
      report.push({ mutation: m.name, error: `${m.file}: the code to mutate occurs ${count} times (the model code drifted; update scripts/mutation-check.mjs)` });
      if (!json) console.log(`✗ ${m.name}: cannot apply (${count} occurrences in ${m.file})`);
      continue;
    }
    writeFileSync(file, original.replace(m.find, m.replace));
    const t1 = Date.now();
    const failed = runSuite(pkg);
    writeFileSync(file, original);
    const caught = failed.length > 0;
    if (!caught) ok = false;
    report.push({ mutation: m.name, file: m.file, caught, failed, seconds: Math.round((Date.now() - t1) / 1000) });
    if (!json) {
      console.log(`${caught ? '✓ caught' : '✗ NOT CAUGHT'}: ${m.name} (${m.file})`);
      for (const f of failed) console.log(`    ${f.file}: ${f.tests.slice(0, 4).join(' | ')}${f.tests.length > 4 ? ` (+${f.tests.length - 4})` : ''}`);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (json) console.log(JSON.stringify(report, null, 2));
else console.log(ok ? `every mutation was caught (${report.length})` : 'some mutations were NOT caught');
process.exit(ok ? 0 : 1);
