// Smoke test of the op benchmark: tiny sizes, every backend, and the JSON shape `avey bench ops`
// prints: {"results":[{"op","shape","backend","gflops"|"gbps", …}]}.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmulModel, runOpBench, toMarkdown } from '../src/ops/index.js';

test('runOpBench quick: JSON shape, every op measured on cpu, peers or a skip reason', async () => {
  const res = await runOpBench({ quick: true });
  const json = JSON.parse(JSON.stringify(res)) as { results: Record<string, unknown>[] };
  assert.ok(Array.isArray(json.results) && json.results.length > 0);
  for (const r of json.results) {
    assert.equal(typeof r.op, 'string');
    assert.ok(Array.isArray(r.shape) && (r.shape as unknown[]).every((d) => Number.isInteger(d) && (d as number) > 0));
    assert.equal(typeof r.backend, 'string');
    const metric = r.op === 'matmul' ? r.gflops : r.gbps;
    assert.ok(typeof metric === 'number' && Number.isFinite(metric) && metric > 0, `${r.op}/${r.backend}: ${JSON.stringify(r)}`);
    assert.ok(r.op === 'matmul' ? r.gbps === undefined : r.gflops === undefined);
  }
  const ops = new Set(json.results.filter((r) => r.backend === 'cpu').map((r) => r.op));
  for (const op of ['matmul', 'add', 'mul', 'exp', 'sum', 'gather']) assert.ok(ops.has(op), `cpu ${op} missing; skipped: ${res.skipped.join('; ')}`);
  for (const peer of ['tfjs-wasm', 'tfjs-cpu', 'onnxruntime']) {
    const measured = json.results.some((r) => r.backend === peer);
    assert.ok(measured || res.skipped.some((s) => s.startsWith(peer)), `${peer}: neither measured nor skipped with a reason`);
  }
  // every implementation that produced a number states its thread count, and the table says it
  for (const b of new Set(json.results.map((r) => r.backend as string))) {
    assert.ok(typeof res.env.threads[b] === 'string' && res.env.threads[b].length > 0, `${b}: no thread count in env.threads`);
  }
  assert.match(toMarkdown(res), /^\| op \| cpu \|/);
  assert.match(toMarkdown(res), /Threads: cpu \d+ /);
});

test('the hand-encoded ONNX MatMul model starts like a ModelProto (ir_version 8)', () => {
  const m = matmulModel(2, 3, 4);
  assert.deepEqual([...m.slice(0, 2)], [0x08, 8]);
  assert.ok(new TextDecoder().decode(m).includes('MatMul'));
});
