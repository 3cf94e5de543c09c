// The playground in a real headless Chromium (Debian's /usr/bin/chromium, or $CHROMIUM_PATH, driven
// by playwright-core; no browser is downloaded): the page loads and answers fill-mask, draws the
// heatmaps and the autodiff graph, shows errors in the page; a screenshot is saved; and the op
// suite, the autograd gradient comparison (accelerators against the CPU) and the Avey-B parity
// fixture run inside the page on the wasm CPU backend, on gpu.js'
// WebGL2 mode, and on WebGPU when the browser offers an adapter (else the test says why not).
// Without Chromium it skips with the reason, except under CI=true, where it fails.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
// @ts-expect-error plain .mjs build script
import { buildPlayground } from '../scripts/build.mjs';
// @ts-expect-error plain .mjs server script
import { serve } from '../scripts/serve.mjs';
import type { SelftestReport } from '../src/selftest/main.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../../..');
const ARTIFACTS = resolve(process.env.AVEY_ARTIFACTS ?? join(ROOT, 'runs/artifacts'));
const FIXTURES = resolve(process.env.AVEY_SHARED_DIR ?? join(ROOT, '../shared'), 'fixtures');
/** SwiftShader for WebGL2 and (unsafe, i.e. not origin-trial gated) WebGPU: shared/notes/browser-probe.md. */
const FLAGS = ['--no-sandbox', '--enable-unsafe-webgpu', '--use-gl=angle', '--use-angle=swiftshader'];

const missing = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
if (missing && process.env.CI === 'true') throw new Error(`browser tests must run under CI=true: ${missing}; .ci/setup-system.sh installs it`);

let browser: Browser | null = null;
let server: { url: string; close(): Promise<void> } | null = null;
let dist = '';

before(async () => {
  if (missing) return;
  dist = mkdtempSync(join(tmpdir(), 'avey-playground-'));
  await buildPlayground(dist);
  server = await serve({ dir: dist, port: 0, fixtures: FIXTURES });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

async function open(t: TestContext, path: string, until: string, timeout = 600_000): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') t.diagnostic(`console error: ${m.text()}`); });
  await page.goto(server!.url + path, { waitUntil: 'commit', timeout: 120_000 });
  await page.waitForFunction(
    // waitUntil 'commit': the body may not exist yet on the first polls (was a flaky TypeError)
    (key) => {
      const d = document.body?.dataset as Record<string, string | undefined> | undefined;
      return d !== undefined && (d[key] === 'true' || d.error !== undefined);
    },
    until, { timeout },
  );
  const err = await page.evaluate(() => document.body.dataset.error);
  assert.equal(err, undefined, `${path}: the page reported an error: ${err} ${errors.join('; ')}`);
  return page;
}

function skipWithoutBrowser(t: TestContext): boolean {
  if (missing) t.skip(missing);
  return missing !== null;
}

test('playground: loads, answers fill-mask, draws heatmaps and the autodiff graph (screenshot saved)', { timeout: 900_000 }, async (t) => {
  if (skipWithoutBrowser(t)) return;
  const page = await open(t, 'index.html', 'ready');
  const backend = await page.locator('#backend').textContent();
  t.diagnostic(backend ?? '');
  assert.match(backend ?? '', /^backend: (webgpu|gpujs|cpu) /);
  // fill-mask: five candidates with probabilities in (0, 1], descending
  const probs = (await page.locator('#answers tbody tr td:nth-child(3)').allTextContents()).map(Number);
  assert.equal(probs.length, 5);
  assert.ok(probs.every((p) => p > 0 && p <= 1) && probs.every((p, i) => i === 0 || p <= probs[i - 1]), `probabilities ${probs}`);
  // heatmaps: the ranker's (N × N, N > 1 for the default text) and one mixing matrix per layer, all drawn
  const maps = await page.locator('canvas.heatmap').evaluateAll((cs) => cs.map((c) => ({
    rows: Number((c as HTMLCanvasElement).dataset.rows), cols: Number((c as HTMLCanvasElement).dataset.cols), cells: Number((c as HTMLCanvasElement).dataset.cells),
    inked: (() => { const ctx = (c as HTMLCanvasElement).getContext('2d')!; const d = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })(),
  })));
  assert.equal(maps.length, 1 + 4, `ranker + 4 layers: ${JSON.stringify(maps)}`);
  assert.ok(maps[0].rows > 1 && maps[0].rows === maps[0].cols, 'the ranker map is N × N with N > 1');
  for (const m of maps) assert.ok(m.cells > 0 && m.inked > 0, `heatmap drawn: ${JSON.stringify(m)}`);
  for (const m of maps.slice(1)) assert.equal(m.rows, 32, 'a mixing matrix is split-size square');
  // autodiff: micrograd's neuron: d out / d x1 = w1 · (1 − tanh²) = −3 · 0.5 = −1.5, d/dw1 = x1 · 0.5 = 1
  const nodes = await page.locator('svg.ad-graph g.ad-node').evaluateAll((gs) => gs.map((g) => ({ label: g.getAttribute('data-label'), value: Number(g.getAttribute('data-value')), grad: Number(g.getAttribute('data-grad')) })));
  const by = (l: string) => nodes.find((n) => n.label === l)!;
  assert.ok(Math.abs(by('out').value - Math.SQRT1_2) < 1e-4, `out ${by('out').value}`);
  assert.ok(Math.abs(by('x1').grad + 1.5) < 1e-4 && Math.abs(by('w1').grad - 1) < 1e-4 && Math.abs(by('w2').grad) < 1e-6, JSON.stringify(nodes));
  // another example through the picker, and a readable error for a bad expression
  await page.locator('#ad-examples').selectOption({ index: 2 });
  await page.waitForFunction(() => document.querySelector('svg.ad-graph g.ad-node[data-label="a"]')?.getAttribute('data-grad') === '7');
  await page.locator('#ad-expr').fill('a = 1\na * (b + 1)');
  await page.locator('#ad-run').click();
  await page.waitForFunction(() => !document.getElementById('error')!.hidden);
  assert.match(await page.locator('#error').textContent() ?? '', /autodiff: .*'b' is used but not defined/);
  await page.locator('#ad-examples').selectOption({ index: 0 });
  await page.waitForFunction(() => document.getElementById('error')!.hidden);
  mkdirSync(ARTIFACTS, { recursive: true });
  const shot = join(ARTIFACTS, 'playground.png');
  await page.screenshot({ path: shot, fullPage: true });
  t.diagnostic(`screenshot: ${shot}`);
  console.log(`playground screenshot: ${shot} (${backend})`);
  await page.close();
});

test('playground: a checkpoint picked as files replaces the model; an incomplete one is a readable error', { timeout: 900_000 }, async (t) => {
  if (skipWithoutBrowser(t)) return;
  const page = await open(t, 'index.html?backend=cpu', 'ready');
  const model = join(ROOT, 'packages/playground/public/model');
  await page.locator('#ckpt-files').setInputFiles([join(model, 'config.json')]);
  await page.waitForFunction(() => !document.getElementById('error')!.hidden);
  assert.match(await page.locator('#error').textContent() ?? '', /loading the checkpoint: .*model\.safetensors is missing/);
  await page.locator('#ckpt-files').setInputFiles(['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => join(model, f)));
  await page.waitForFunction(() => document.getElementById('model-info')!.textContent!.startsWith('model: dropped checkpoint') && document.getElementById('error')!.hidden);
  assert.equal(await page.locator('#answers tbody tr').count(), 5);
  await page.close();
});

test('playground: a bad ?backend= is a readable error in the page', { timeout: 120_000 }, async (t) => {
  if (skipWithoutBrowser(t)) return;
  const page = await browser!.newPage();
  await page.goto(`${server!.url}index.html?backend=tpu`, { waitUntil: 'commit', timeout: 120_000 });
  await page.waitForFunction(() => document.body.dataset.error !== undefined);
  assert.match(await page.locator('#error').textContent() ?? '', /start-up: \?backend=tpu is not a backend of this page/);
  assert.equal(await page.locator('#error').isVisible(), true);
  await page.close();
});

/** In-page tests that fail on a backend in this headless Chromium for a documented reason: both
 *  gpu.js WebGL2 and WebGPU run on SwiftShader here, whose sin/cos are accurate to about 1e-4 (the
 *  suites ask for 2e-5 / 1e-4 relative) and whose exp(-Infinity) is not 0 (docs/gpujs.md, "WebGL2 in
 *  the browser"). Any other failure fails the test; a known one is reported with its message and
 *  must still stay within KNOWN_MAX_ABS; it may pass when the sampled cases avoid it. */
const SWIFTSHADER: Record<string, string> = {
  'unary sin: float dtypes × layouts, ints where defined': 'sin() on SwiftShader is off by up to ~1e-4',
  'unary cos: float dtypes × layouts, ints where defined': 'cos() on SwiftShader is off by up to ~1e-4',
  'softmax, logSoftmax, normalize along random axes': 'logsumexp of a row of -Infinity gives -88.03 (exp(-inf) is not 0 on SwiftShader)',
  'vs cpu gradients: sin': 'sin() on SwiftShader',
  'vs cpu gradients: cos': 'cos() on SwiftShader',
  'vs cpu gradients: unsqueeze': 'the table entry applies sin()',
  'vs cpu gradients: embedding': 'the table entry applies sin()',
  'vs cpu gradients at scale: embedding': 'the at-scale case applies sin()',
};
const KNOWN_MAX_ABS = 1e-3;
const isKnown = (name: string): string | undefined => Object.entries(SWIFTSHADER).find(([k]) => name.endsWith(k))?.[1];

/** Software-rendered backends run fewer property cases and gradient cases (CI time). */
const SCALE: Record<string, string> = { cpu: '', gpujs: '&runs=0.25&gradRuns=2&gradGradRuns=1', webgpu: '&runs=0.25&gradRuns=2&gradGradRuns=1' };

async function selftest(t: TestContext, backend: string): Promise<SelftestReport> {
  const page = await open(t, `selftest.html?backend=${backend}&fixture=/fixtures/avey-b/${SCALE[backend]}`, 'done', 1_500_000);
  const r = (await page.evaluate(() => window.__selftest)) as SelftestReport;
  await page.close();
  t.diagnostic(`${r.detail}: ${r.ops.length} op-suite tests in ${(r.ms / 1000).toFixed(1)} s`);
  console.log(`in-page suites on ${r.detail}: ${r.ops.filter((o) => o.status === 'pass').length}/${r.ops.length} op tests pass; ` +
    `${r.grads.filter((o) => o.status === 'pass').length}/${r.grads.length} gradient comparisons pass; ` +
    `parity ${r.parity?.map((p) => `${p.head} max abs ${p.maxAbs.toExponential(2)}`).join(', ') ?? r.parityError}; ${(r.ms / 1000).toFixed(1)} s`);
  const all = [...r.ops, ...r.grads];
  const known = backend === 'cpu' ? [] : all.filter((o) => o.status === 'fail' && isKnown(o.name));
  // the gradient file's coverage check fails when an entry failed: accept it only for known entries
  const gaps = all.find((o) => o.status === 'fail' && o.name.includes('(no silent gaps)'));
  const listed = /table entries not compared on \w+: (.*)$/m.exec(gaps?.message ?? '')?.[1].split(', ') ?? [];
  if (gaps && listed.length && listed.every((e) => known.some((k) => k.name.endsWith(`vs cpu gradients: ${e}`)))) known.push(gaps);
  const failed = all.filter((o) => o.status !== 'pass' && !known.includes(o));
  assert.deepEqual(failed.map((f) => `${f.name}: ${f.message}`), [], `in-page suites on ${backend}`);
  for (const o of known) {
    const msg = o.message ?? '';
    const line = `known deviation on ${backend} (${isKnown(o.name) ?? 'lists only the known gradient entries above'}): ${o.name}: ${msg.split('\n').filter((l) => /got|max abs/i.test(l)).join(' ').slice(0, 400)}`;
    t.diagnostic(line);
    console.log(line);
    const abs = /max abs ([0-9.e+-]+)/.exec(msg) ?? /got (-?[0-9.e+-]+), want (-?[0-9.e+-]+)/.exec(msg);
    if (abs && abs.length === 2) assert.ok(Number(abs[1]) <= KNOWN_MAX_ABS, `${o.name}: error ${abs[1]} beyond the known deviation (${KNOWN_MAX_ABS})`);
    if (abs && abs.length === 3 && Number.isFinite(Number(abs[2]))) {
      assert.ok(Math.abs(Number(abs[1]) - Number(abs[2])) <= KNOWN_MAX_ABS, `${o.name}: ${abs[0]} beyond the known deviation`);
    }
  }
  assert.ok(r.ops.length >= 30, `the whole op suite ran (${r.ops.length} tests)`);
  if (backend !== 'cpu') {
    // gradients through @avey/autograd against the CPU (packages/autograd/test/webgpu-grads.test.ts)
    assert.ok(r.grads.length >= 40, `the gradient table ran (${r.grads.length} tests)`);
  }
  assert.equal(r.parityError, undefined, r.parityError);
  assert.equal(r.parity?.length, 3);
  for (const p of r.parity!) assert.deepEqual(p.failing, [], `parity ${p.head} on ${backend}`);
  return r;
}

test('in the page, wasm CPU backend: the op suite and the Avey-B parity fixture', { timeout: 1_500_000 }, async (t) => {
  if (skipWithoutBrowser(t)) return;
  const r = await selftest(t, 'cpu');
  assert.match(r.detail, /WebAssembly SIMD kernels, private memory/);
});

test('in the page, gpu.js WebGL2: the op suite and the Avey-B parity fixture', { timeout: 1_800_000 }, async (t) => {
  if (skipWithoutBrowser(t)) return;
  const r = await selftest(t, 'gpujs');
  assert.match(r.detail, /mode webgl2/);
});

test('in the page, WebGPU: the op suite and the Avey-B parity fixture (when the browser has an adapter)', { timeout: 1_800_000 }, async (t) => {
  if (skipWithoutBrowser(t)) return;
  const page = await browser!.newPage();
  await page.goto(`${server!.url}selftest.html?suites=none`, { waitUntil: 'load', timeout: 120_000 });
  const why = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    if (!gpu) return 'navigator.gpu is undefined in this browser';
    const a = await gpu.requestAdapter();
    return a ? null : 'navigator.gpu.requestAdapter() returned null';
  });
  await page.close();
  if (why) { t.skip(`no WebGPU adapter in headless Chromium with ${FLAGS.join(' ')}: ${why}`); return; }
  await selftest(t, 'webgpu');
});

test('in the page, gpu.js WebGL2: a lost WebGL context is an error naming the op, not zeros', { timeout: 300_000 }, async (t) => {
  if (skipWithoutBrowser(t)) return;
  const page = await open(t, 'selftest.html?backend=gpujs&suites=failures', 'done');
  const r = (await page.evaluate(() => window.__selftest)) as SelftestReport;
  await page.close();
  for (const f of r.failures ?? []) t.diagnostic(`${f.ok ? 'ok' : 'FAILED'}: ${f.what}: ${f.detail}`);
  assert.equal(r.failures?.length, 3, JSON.stringify(r.failures));
  for (const f of r.failures!) assert.ok(f.ok, `${f.what}: ${f.detail}`);
});
