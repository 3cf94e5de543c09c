#!/usr/bin/env node
// One command for the first GPU machine: what WebGPU adapter this machine gives (vendor,
// architecture, limits, features; the Vulkan ICD manifests Dawn can see), whether the WebGPU
// backend is correct on it (the WebGPU op suite, the Avey-B parity fixture, the 25-step training
// trajectory), and how fast it is beside the CPU backend (bench ops / train / infer on both).
// Writes one JSON report and prints a short table; every step that cannot run says why, and the
// rest still runs. A GPU machine (full mode) should finish in well under 10 minutes; `--short`
// (CI, on the software adapter) runs the parity fixture and tiny benches only, so the script
// cannot rot.
//
//   node scripts/gpu-check.mjs --out gpu-check.json            (full: op suite, fixtures, benches)
//   node scripts/gpu-check.mjs --short --out /tmp/gpu.json     (CI: seconds to minutes)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(REPO, 'packages/cli/bin/avey.mjs');

function parseArgs(argv) {
  const o = { out: 'gpu-check.json', short: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--short') o.short = true;
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node scripts/gpu-check.mjs [--short] [--out report.json]\n');
      process.exit(0);
    } else {
      process.stderr.write(`gpu-check: unknown argument '${a}' (usage: [--short] [--out report.json])\n`);
      process.exit(2);
    }
  }
  if (!o.out) {
    process.stderr.write('gpu-check: --out needs a file name\n');
    process.exit(2);
  }
  return o;
}

/** Runs a command with a time limit; never throws. */
function run(cmd, args, timeoutS, env = {}) {
  const t0 = Date.now();
  // NODE_TEST_CONTEXT (set when this script runs under node:test) would send a child test run's
  // results to the parent's channel instead of its stdout
  const childEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  const r = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 1 << 26, env: childEnv });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', seconds: (Date.now() - t0) / 1000, error: r.error?.message };
}

const tail = (s, n = 6) => s.trim().split('\n').slice(-n).join('\n');

/** The Vulkan ICD manifests Dawn's loader would read, and which are software rasterisers. */
function vulkanIcds() {
  const env = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  const files = [];
  if (env) files.push(...env.split(':').filter(Boolean));
  else {
    for (const d of ['/etc/vulkan/icd.d', '/usr/local/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d']) {
      try { for (const f of readdirSync(d)) if (f.endsWith('.json')) files.push(join(d, f)); } catch { /* absent */ }
    }
  }
  const icds = files.map((f) => {
    let library = null;
    try { library = JSON.parse(readFileSync(f, 'utf8')).ICD?.library_path ?? null; } catch { /* unreadable */ }
    return { file: f, library, software: /lvp|lavapipe|llvmpipe|swiftshader/i.test(`${f} ${library}`) };
  });
  const devices = ['/dev/dri', '/dev/nvidia0', '/dev/dxg'].filter((p) => existsSync(p));
  const why = icds.length === 0 ? 'no Vulkan ICD manifest found (no Vulkan driver: Dawn will have no Vulkan adapter)'
    : icds.every((i) => i.software) ? 'only software Vulkan drivers (lavapipe/SwiftShader): WebGPU will run on the CPU'
      : devices.length === 0 ? 'hardware Vulkan drivers are installed but there is no GPU device node (/dev/dri, /dev/nvidia0, /dev/dxg): only a software adapter can work'
        : `hardware Vulkan driver manifests and GPU device nodes (${devices.join(', ')}) are present`;
  return { from: env ? 'VK_DRIVER_FILES/VK_ICD_FILENAMES' : 'standard folders', icds, device_nodes: devices, verdict: why };
}

// The adapter as Dawn reports it, in a child process (a crash there cannot take the check down).
const PROBE = `
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const kinds = process.env.WEBGPU_BACKEND ? [process.env.WEBGPU_BACKEND] : ['vulkan', 'opengles'];
const tried = [];
for (const kind of kinds) {
  if (kind === 'opengles' && !process.env.EGL_PLATFORM && !process.env.DISPLAY) process.env.EGL_PLATFORM = 'surfaceless';
  const gpu = create(['backend=' + kind]);
  globalThis.__keep = gpu; // Dawn's instance must outlive its adapter (the crash guard of device.ts)
  const adapter = await gpu.requestAdapter(kind === 'opengles' ? { featureLevel: 'compatibility', powerPreference: 'high-performance' } : { powerPreference: 'high-performance' });
  if (!adapter) { tried.push(kind + ': no adapter'); continue; }
  const info = adapter.info ?? {};
  const limits = {};
  for (const k in adapter.limits) limits[k] = adapter.limits[k];
  console.log(JSON.stringify({ backend: kind, tried, adapter: { vendor: info.vendor, architecture: info.architecture, device: info.device,
    description: info.description, features: [...adapter.features].sort(), limits } }));
  process.exit(0);
}
console.log(JSON.stringify({ adapter: null, tried }));
process.exit(0);
`;

function probeAdapter() {
  const r = run(process.execPath, ['--input-type=module', '-e', PROBE], 120);
  if (r.status !== 0) return { adapter: null, error: `the probe failed (${r.error ?? r.signal ?? `exit ${r.status}`}): ${tail(r.stderr, 3)}` };
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return { adapter: null, error: `unreadable probe output: ${tail(r.stdout, 2)}` };
  }
}

/** node:test TAP summary of some test files (filters as scripts/run-tests.mjs takes them). */
function runTests(filters, timeoutS) {
  const r = run(process.execPath, [join(REPO, 'scripts/run-tests.mjs'), ...filters], timeoutS, { TEST_CONCURRENCY: '1' });
  const count = (k) => Number(new RegExp(`^# ${k} (\\d+)`, 'm').exec(r.stdout)?.[1] ?? NaN);
  const failed = [...r.stdout.matchAll(/^not ok \d+ - (.*)$/gm)].map((m) => m[1]);
  const res = { files: filters, pass: count('pass'), fail: count('fail'), skipped: count('skipped'), failed, seconds: r.seconds };
  if (r.status === null) return { ...res, error: `stopped after ${timeoutS} s (${r.signal ?? r.error})` };
  if (Number.isNaN(res.pass)) return { ...res, error: `no test summary in the output (exit ${r.status}): ${tail(r.stderr || r.stdout, 3)}` };
  return res;
}

/** An `avey …` command with --json; the parsed result or the reason it did not run. */
function aveyJson(args, timeoutS) {
  const r = run(process.execPath, [BIN, ...args, '--json'], timeoutS);
  if (r.status !== 0) return { error: `avey ${args.join(' ')}: ${r.error ?? r.signal ?? `exit ${r.status}`}: ${tail(r.stderr, 3)}`, seconds: r.seconds };
  try {
    return { ...JSON.parse(r.stdout), seconds: r.seconds };
  } catch {
    return { error: `avey ${args.join(' ')}: unreadable JSON`, seconds: r.seconds };
  }
}

const o = parseArgs(process.argv.slice(2));
const started = Date.now();
const report = {
  mode: o.short ? 'short' : 'full', started: new Date().toISOString(), node: process.version,
  cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`, memory_gb: Math.round(totalmem() / 2 ** 30),
  vulkan: vulkanIcds(), webgpu: null, tests: {}, bench: {}, could_not: [],
};
const note = (s) => { report.could_not.push(s); process.stderr.write(`gpu-check: ${s}\n`); };
const step = (s) => process.stderr.write(`gpu-check: ${s} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);

step('probing the WebGPU adapter');
report.webgpu = probeAdapter();
const haveAdapter = !!report.webgpu.adapter;
if (!haveAdapter) note(`no WebGPU adapter: ${report.webgpu.error ?? 'requestAdapter() returned null'}; ${report.vulkan.verdict}`);

if (haveAdapter) {
  step('correctness on WebGPU');
  const files = o.short ? ['avey-b/test/parity-webgpu'] : ['tensor/test/webgpu', 'autograd/test/webgpu-grads', 'avey-b/test/parity-webgpu', 'cli/test/trajectory'];
  report.tests = runTests(files, o.short ? 300 : 420);
  if (report.tests.error) note(`tests: ${report.tests.error}`);

  step('benchmarks, webgpu beside cpu');
  const ops = o.short ? ['--ops', 'matmul', 'add', '--quick', '--no-peers'] : ['--ops', 'matmul', 'add', 'exp', 'sum'];
  report.bench.ops = aveyJson(['bench', 'ops', '--backends', 'cpu', 'webgpu', ...ops], o.short ? 180 : 240);
  const train = o.short ? ['--preset', 'tiny', '--batch', '1', '--max-len', '64', '--steps', '1'] : ['--preset', 'small', '--batch', '4', '--max-len', '512', '--steps', '3'];
  const infer = o.short ? ['--preset', 'tiny', '--max-lens', '128', '--repeats', '1', '--warmup-seconds', '2'] : ['--preset', 'small', '--max-lens', '512,2048,8192', '--repeats', '3'];
  for (const backend of ['webgpu', 'cpu']) {
    report.bench[`train_${backend}`] = aveyJson(['bench', 'train', '--model', 'avey-b', ...train, '--backend', backend], o.short ? 180 : 300);
    report.bench[`infer_${backend}`] = aveyJson(['bench', 'infer', '--model', 'avey-b', ...infer, '--backend', backend], o.short ? 180 : 300);
  }
  for (const [k, v] of Object.entries(report.bench)) if (v.error) note(`bench ${k}: ${v.error}`);
}
report.seconds = Math.round((Date.now() - started) / 1000);


const a = report.webgpu.adapter;
const software = !!a && /software|llvmpipe|lavapipe|swiftshader/i.test(`${a.architecture} ${a.description} ${a.device}`);
report.software_adapter = software;
if (software) note('the adapter is a software rasteriser on the CPU: its numbers say nothing about GPU speed');
const lines = [
  `adapter: ${a ? `${a.vendor || '?'} / ${a.architecture || '?'} / ${a.description || a.device || '?'}` : 'none'}; Vulkan: ${report.vulkan.verdict}`,
  `tests on webgpu: ${haveAdapter ? `${report.tests.pass} passed, ${report.tests.fail} failed, ${report.tests.skipped} skipped` : 'not run (no adapter)'}`,
];
const ms = (b, fn) => (b && !b.error ? fn(b) : '—');
if (haveAdapter) {
  lines.push(`train tokens/s: webgpu ${ms(report.bench.train_webgpu, (b) => b.tokens_per_s)}, cpu ${ms(report.bench.train_cpu, (b) => b.tokens_per_s)}`);
  lines.push(`infer latency s: webgpu ${ms(report.bench.infer_webgpu, (b) => b.results.map((r) => r.latency_s.toFixed(3)).join(' / '))}, cpu ${ms(report.bench.infer_cpu, (b) => b.results.map((r) => r.latency_s.toFixed(3)).join(' / '))}`);
}
const tmp = `${o.out}.tmp-${process.pid}`;
writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
renameSync(tmp, o.out);
lines.push(`could not: ${report.could_not.length ? report.could_not.join('; ') : 'nothing'}`, `report: ${o.out} (${report.seconds} s)`);
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(haveAdapter && report.tests.fail === 0 && !report.tests.error ? 0 : 1);
