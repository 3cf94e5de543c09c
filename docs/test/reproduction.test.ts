// docs/reproduction.md: the aggregation of scripts/reproduce.mjs (scripts/reproduce-lib.mjs) is
// right on synthetic inputs, and the tables in the page are exactly the ones rendered from
// docs/reproduction/results.json (so the page cannot drift from the measured numbers).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain ESM helper without type declarations
import * as lib from '../../scripts/reproduce-lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('mean and sample std', () => {
  close(lib.mean([1, 2, 3, 4]), 2.5);
  close(lib.std([1, 2, 3, 4]), Math.sqrt(5 / 3)); // Σ(x−2.5)² = 5, n−1 = 3
  close(lib.std([7]), 0);
  assert.ok(Number.isNaN(lib.mean([])));
  assert.ok(Number.isNaN(lib.std([])));
  close(lib.std([0.5, 0.5, 0.5]), 0);
});

test('aggregate drops missing values and counts them', () => {
  const a = lib.aggregate([1, NaN, 3, undefined]);
  assert.equal(a.n, 2);
  assert.equal(a.missing, 2);
  close(a.mean, 2);
  close(a.std, Math.SQRT2);
  assert.equal(lib.formatMeanStd(a, 2), '2.00 ± 1.41');
  assert.equal(lib.formatMeanStd(lib.aggregate([5]), 1), '5.0');
  assert.equal(lib.formatMeanStd(lib.aggregate([]), 1), '—');
});

test('aggregateRuns groups by task and model over seeds', () => {
  const runs = [
    { model: 'a', task: 't', seed: 1, metrics: { acc: 60, f1: 10 } },
    { model: 'a', task: 't', seed: 0, metrics: { acc: 50, f1: 20 } },
    { model: 'b', task: 't', seed: 0, metrics: { acc: 90 } },
    { model: 'a', task: 'u', seed: 0, metrics: { acc: 1 } },
  ];
  const g = lib.aggregateRuns(runs);
  close(g.t.a.acc.mean, 55);
  close(g.t.a.acc.std, Math.sqrt(50));
  close(g.t.a.f1.mean, 15);
  assert.deepEqual(g.t.a.seeds, [0, 1]);
  assert.equal(g.t.b.acc.n, 1);
  assert.equal(g.u.a.acc.mean, 1);
  assert.equal(g.u.b, undefined);
});

test('renderResultsTable renders mean ± std per model, n and the claim', () => {
  const agg = lib.aggregateRuns([
    { model: 'x', task: 'sst2', seed: 0, metrics: { accuracy: 50 } },
    { model: 'x', task: 'sst2', seed: 1, metrics: { accuracy: 52 } },
    { model: 'y', task: 'sst2', seed: 0, metrics: { accuracy: 49 } },
    { model: 'y', task: 'sst2', seed: 1, metrics: { accuracy: 49 } },
  ]);
  const table = lib.renderResultsTable(
    [{ id: 'sst2', label: 'SST-2', metric: 'accuracy', metricLabel: 'acc %', claim: 'a | b' }, { id: 'pos', label: 'POS', metric: 'accuracy' }],
    [{ id: 'x', label: 'X' }, { id: 'y', label: 'Y' }],
    agg,
  );
  assert.equal(
    table,
    [
      "| task | metric | X | Y | n (seeds) | paper's claim |",
      '| --- | --- | --- | --- | --- | --- |',
      '| SST-2 | acc % | 51.0 ± 1.4 | 49.0 ± 0.0 | 2 | a \\| b |',
      '| POS | accuracy | — | — | 0 |  |',
    ].join('\n'),
  );
});

test('renderLossTable, spliceBlock, extractBlock, lossCurvesSvg, formatSeconds', () => {
  const t = lib.renderLossTable([{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }], { a: [{ step: 0, loss: 9 }, { step: 10, loss: 7.12345 }], b: [{ step: 0, loss: 9.5 }] }, [0, 10]);
  assert.equal(t, '| step | A | B |\n| --- | --- | --- |\n| 0 | 9.000 | 9.500 |\n| 10 | 7.123 | — |');
  const doc = 'intro\n<!-- BEGIN t -->\nold\n<!-- END t -->\noutro\n';
  const out = lib.spliceBlock(doc, 't', '| new |');
  assert.equal(out, 'intro\n<!-- BEGIN t -->\n| new |\n<!-- END t -->\noutro\n');
  assert.equal(lib.extractBlock(out, 't'), '| new |');
  assert.equal(lib.spliceBlock(out, 't', '| new |'), out); // idempotent
  assert.throws(() => lib.spliceBlock(doc, 'missing', 'x'), /markers/);
  const svg = lib.lossCurvesSvg({ A: [{ step: 0, loss: 9 }, { step: 10, loss: 7 }], B: [{ step: 0, loss: 9 }, { step: 10, loss: 8 }] });
  assert.ok(svg.startsWith('<svg'));
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.equal(lib.formatSeconds(42.4), '42 s');
  assert.equal(lib.formatSeconds(185), '3 min 05 s');
  assert.equal(lib.formatSeconds(3720), '1 h 02 min');
});

for (const name of ['results.json', 'results-shuffled.json']) {
  test(`docs/reproduction.md shows exactly the tables rendered from docs/reproduction/${name}`, () => {
    const resultsFile = join(repo, 'docs', 'reproduction', name);
    const docFile = join(repo, 'docs', 'reproduction.md');
    if (name !== 'results.json' && !existsSync(resultsFile)) return; // the optional shuffled-corpus pass
    assert.ok(existsSync(resultsFile), `docs/reproduction/${name} is missing: run node scripts/reproduce.mjs`);
    const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    const doc = readFileSync(docFile, 'utf8');
    const { blocks } = lib.renderBlocks(results);
    assert.ok(Object.keys(blocks).length >= 5);
    for (const [block, content] of Object.entries(blocks) as Array<[string, string]>) {
      assert.equal(lib.extractBlock(doc, block), content.trim(), `block ${block} of docs/reproduction.md is out of date: run node scripts/reproduce.mjs --scale ${results.scale} --only report`);
    }
    // and the aggregates in results.json are the mean/std of its own per-seed runs
    const again = lib.aggregateRuns(results.runs);
    for (const [task, byModel] of Object.entries(results.finetune) as Array<[string, Record<string, Record<string, { mean: number; std: number; n: number }>>]>) {
      for (const [model, metrics] of Object.entries(byModel)) {
        for (const [m, a] of Object.entries(metrics)) {
          if (m === 'seeds') continue;
          const b = again[task][model][m];
          assert.equal(a.n, b.n);
          if (a.n > 0) { close(a.mean, b.mean, 1e-9); close(a.std, b.std, 1e-9); }
        }
      }
    }
  });
}

test('docs/reproduction.md shows exactly the NIAH length table rendered from docs/reproduction/results-niah.json', async () => {
  const resultsFile = join(repo, 'docs', 'reproduction', 'results-niah.json');
  if (!existsSync(resultsFile)) return; // the optional long-context pass (node scripts/reproduce.mjs --scale niah)
  // @ts-expect-error plain ESM helper without type declarations
  const { renderNiahTable } = await import('../../scripts/reproduce-niah.mjs');
  const doc = readFileSync(join(repo, 'docs', 'reproduction.md'), 'utf8');
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  assert.equal(lib.extractBlock(doc, 'repro-niah-lengths'), (renderNiahTable(results) as string).trim(), 'run node scripts/reproduce.mjs --scale niah --seeds 1 --only report');
});
