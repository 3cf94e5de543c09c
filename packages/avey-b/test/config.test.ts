import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aveyConfig, aveyPreset, countAveyParameters, aveyConfigToJSON, aveyParameterShapes } from '@avey/avey-b';

// Closed form from the official code (digest §3), written independently of aveyParameterShapes.
function closedForm(V: number, d: number, L: number, S: number, k: number): number {
  const perLayer = d + (4 * d * d + 4 * d) + (3 * d * d + d) + 1;
  const nStatic = Math.ceil(L / 2);
  return V * d + L * perLayer + nStatic * S * S + S * (k + 1) * S;
}

test('base preset has exactly 163,929,118 parameters (official train_mlm.py config)', () => {
  const cfg = aveyPreset('base');
  assert.equal(countAveyParameters(cfg), 163_929_118);
  assert.equal(closedForm(50368, 768, 30, 256, 3), 163_929_118);
});

test('parameter count matches the closed form for the other presets and random configs', () => {
  for (const name of ['tiny', 'small'] as const) {
    const c = aveyPreset(name);
    assert.equal(countAveyParameters(c), closedForm(c.vocab_size, c.d_embed, c.n_layers, c.chunk_size, c.k));
  }
  const c = aveyConfig({ vocab_size: 97, d_embed: 32, n_layers: 4, chunk_size: 8, k: 2 });
  assert.equal(countAveyParameters(c), closedForm(97, 32, 4, 8, 2));
  // The large config inferred in the digest (d=1024, 46 layers) gives 391,270,446.
  assert.equal(countAveyParameters(aveyConfig({ d_embed: 1024, n_layers: 46 })), 391_270_446);
});

test('presets: tiny/small/base sizes and vocab override', () => {
  const t = aveyPreset('tiny', { vocab_size: 5000 });
  assert.equal(t.vocab_size, 5000);
  assert.ok(t.d_embed >= 64 && t.d_embed <= 128 && t.n_layers === 4);
  const s = aveyPreset('small');
  assert.deepEqual([s.vocab_size, s.d_embed, s.n_layers, s.chunk_size, s.k], [8192, 256, 8, 64, 3]);
});

test('HF config round trip: context_len, id2label, num_labels, hidden_size', () => {
  const c = aveyConfig({ context_len: 1024, id2label: { 0: 'neg', 1: 'pos', 2: 'neu' } as Record<string, string> });
  assert.equal(c.max_position_embeddings, 1024);
  assert.equal(c.num_labels, 3);
  assert.equal(c.label2id.neu, 2);
  const j = aveyConfigToJSON(c);
  assert.equal(j.model_type, 'avey-b');
  assert.equal(j.hidden_size, c.d_embed);
  const back = aveyConfig(JSON.parse(JSON.stringify(j)));
  assert.deepEqual(back, { ...c, architectures: ['AveyForMaskedLM'] });
  assert.throws(() => aveyConfig({ num_labels: 2, id2label: { 0: 'a', 1: 'b', 2: 'c' } }), /num_labels/);
  assert.throws(() => aveyConfig({ d_embed: 0 }), /d_embed/);
  assert.throws(() => aveyConfig({ ranker: 'sideways' as never }), /ranker/);
});

test('official parameter names: spatial_proj only on even layers; heads add their modules', () => {
  const c = aveyConfig({ vocab_size: 97, d_embed: 32, n_layers: 4, chunk_size: 8, k: 2, num_labels: 3 });
  const names = [...aveyParameterShapes(c, 'seqcls').keys()];
  assert.ok(names.includes('layers.0.spatial_proj') && names.includes('layers.2.spatial_proj'));
  assert.ok(!names.includes('layers.1.spatial_proj') && !names.includes('layers.3.spatial_proj'));
  assert.deepEqual(aveyParameterShapes(c).get('ranker.down_proj'), [8, 24]);
  assert.deepEqual(aveyParameterShapes(c).get('layers.0.fuser.weight'), [32, 96]);
  assert.ok(names.includes('dense.4.weight') && names.includes('classifier.bias'));
  const coupled = aveyConfig({ ...c, parameterization: 'coupled' });
  assert.ok(aveyParameterShapes(coupled).has('layers.1.spatial_proj'));
});

test('research switches: defaults are official and not written to config.json; others round-trip; older spellings agree', () => {
  const off = aveyConfig({ vocab_size: 16, d_embed: 8, n_layers: 3, chunk_size: 4, k: 1 });
  const json = aveyConfigToJSON(off);
  for (const k of ['contextualiser', 'layer_pattern', 'compressor_residual', 'enricher_activation', 'final_norm', 'residual', 'row_norm', 'parameterization']) {
    assert.equal(k in json, false, `${k} is not written for the official model`);
  }
  const alt = aveyConfig({ ...off, contextualiser: 'softmax', layer_pattern: 'DDS', compressor_residual: false, enricher_activation: 'relu2', final_norm: true, residual: 'plain' });
  const back = aveyConfig(JSON.parse(JSON.stringify(aveyConfigToJSON(alt))));
  assert.deepEqual({ ...back, architectures: undefined }, { ...alt, architectures: undefined });
  const shapes = aveyParameterShapes(alt);
  assert.deepEqual([...shapes.keys()].filter((k) => k.includes('spatial_proj')), ['layers.2.spatial_proj'], 'DDS: only layer 2 is static');
  assert.equal([...shapes.keys()].some((k) => k.endsWith('alpha')), false, 'plain residual: no α');
  assert.deepEqual(shapes.get('ln_f.weight'), [8]);
  assert.equal(aveyConfig({ row_norm: 'none' }).contextualiser, 'cosine');
  assert.equal(aveyConfig({ parameterization: 'coupled' }).contextualiser, 'coupled');
  assert.equal(aveyConfig({ contextualiser: 'cosine' }).row_norm, 'none');
  assert.throws(() => aveyConfig({ layer_pattern: 'SXD' }), /layer_pattern/);
  assert.throws(() => aveyConfig({ contextualiser: 'max' as never }), /contextualiser must be one of/);
  assert.throws(() => aveyConfig({ final_norm: 'yes' as never }), /final_norm must be true or false/);
});

test('research switches survive a checkpoint round trip (config.json → loadCheckpoint)', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createAvey, saveCheckpoint, readCheckpointConfig } = await import('@avey/avey-b');
  const dir = mkdtempSync(join(tmpdir(), 'avey-switch-'));
  try {
    const cfg = aveyConfig({ vocab_size: 16, d_embed: 8, n_layers: 3, chunk_size: 4, k: 1, contextualiser: 'rms', layer_pattern: 'DDS', compressor_residual: false, enricher_activation: 'relu2', final_norm: true, residual: 'plain' });
    await saveCheckpoint(dir, createAvey(cfg, 'mlm'));
    const back = readCheckpointConfig(dir);
    for (const k of ['contextualiser', 'layer_pattern', 'compressor_residual', 'enricher_activation', 'final_norm', 'residual'] as const) {
      assert.equal((back as typeof cfg)[k], cfg[k], k);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the PyTorch twin (interop/pytorch) refuses every research switch it does not implement', async () => {
  const { readFileSync } = await import('node:fs');
  const { AVEY_SWITCH_KEYS } = await import('@avey/avey-b');
  const py = readFileSync(new URL('../../../interop/pytorch/avey_model.py', import.meta.url), 'utf8');
  const m = /RESEARCH_SWITCHES = \(([^)]*)\)/.exec(py);
  assert.ok(m, 'RESEARCH_SWITCHES in avey_model.py');
  const listed = [...m[1].matchAll(/"([a-z_]+)"/g)].map((x) => x[1]).sort();
  assert.deepEqual(listed, AVEY_SWITCH_KEYS.filter((k) => k !== 'mask_mode').sort());
});
