// Official Hugging Face config.json files both ways: a folder as the official code writes it
// (`model_type: "avey-b"`, HF's extra keys) loads and computes the official logits; ours carries
// "avey-b", every official field, and exactly the official state_dict keys and shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { tensor } from '@avey/tensor';
import { safetensors } from '@avey/autograd';
import {
  AVEY_OFFICIAL_DEFAULTS, CheckpointError, aveyConfig, aveyConfigFromHF, createAvey, loadCheckpoint,
  readCheckpointConfig, saveCheckpoint,
} from '@avey/avey-b';
import { fixtureAvailable, loadFixture } from './fixture.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'avey-hfcfg-'));

/** What `AveyConfig(vocab_size=97, d_embed=32, n_layers=4, chunk_size=8, k=2).save_pretrained()`
 *  writes (transformers' to_diff_dict: every AveyConfig attribute plus the changed HF keys). */
function officialConfigJson(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _name_or_path: 'avey-b-small-test',
    architectures: ['AveyForMaskedLM'],
    auto_map: { AutoConfig: 'configuration_avey.AveyConfig', AutoModelForMaskedLM: 'modeling_avey.AveyForMaskedLM' },
    chunk_size: 8,
    d_embed: 32,
    eps: 1e-12,
    hidden_size: 32,
    k: 2,
    max_position_embeddings: 512,
    model_type: 'avey-b',
    n_layers: 4,
    torch_dtype: 'float32',
    transformers_version: '4.48.0',
    vocab_size: 97,
    ...extra,
  };
}

test('an official config.json (model_type "avey-b", HF keys) + official weights load and give the official logits', { skip: !fixtureAvailable() && 'fixtures absent' }, () => {
  const fx = loadFixture();
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(officialConfigJson({ some_future_field: 3 }), null, 2));
  const weights = new Map<string, import('@avey/tensor').Tensor>();
  for (const [name, r] of fx.params('mlm')) weights.set(name, tensor(r.data as Float32Array, { dtype: 'float32', shape: [...r.shape] }));
  return safetensors.write(path.join(dir, 'model.safetensors'), weights, { format: 'pt' }).then(() => {
    const warnings: string[] = [];
    const { model, config, head } = loadCheckpoint(dir, { onWarning: (m) => warnings.push(m) });
    assert.equal(head, 'mlm');
    assert.equal(config.model_type, 'avey');
    assert.equal(warnings.length, 1, 'one warning for the unknown key, none for HF keys');
    assert.match(warnings[0], /some_future_field/);
    assert.match(warnings[0], /config\.json/);
    const logits = model.forward(fx.t('input.input_ids')).logits.value.dataSync();
    const want = fx.raw.get('mlm.expected.logits')!.data;
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(logits[i] - want[i]) / (1e-5 + Math.abs(want[i])));
    assert.ok(worst < 1e-3, `logits match the official ones (worst rel ${worst})`);
  });
});

test('ours → official: config.json says "avey-b" with every AveyConfig field; weights are the official state_dict', { skip: !fixtureAvailable() && 'fixtures absent' }, async () => {
  const fx = loadFixture();
  const dir = tmp();
  await saveCheckpoint(dir, createAvey(aveyConfig({ vocab_size: 97, d_embed: 32, n_layers: 4, chunk_size: 8, k: 2 }), 'mlm', { seed: 1 }));
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(json.model_type, 'avey-b');
  // AveyConfig(**json): every constructor field present, hidden_size = d_embed
  for (const k of ['vocab_size', 'd_embed', 'n_layers', 'chunk_size', 'k', 'eps', 'max_position_embeddings', 'hidden_size']) assert.ok(k in json, `config.json has ${k}`);
  assert.equal(json.hidden_size, json.d_embed);
  // load_state_dict(strict=True): exactly the official keys, same shapes, float32
  const ours = safetensors.readRaw(path.join(dir, 'model.safetensors')).tensors;
  const official = fx.params('mlm');
  assert.deepEqual([...ours.keys()].sort(), [...official.keys()].sort());
  for (const [k, r] of official) {
    assert.deepEqual([...ours.get(k)!.shape], [...r.shape], k);
    assert.equal(ours.get(k)!.dtype, 'float32', k);
  }
});

test('earlier checkpoints (model_type "avey") still load; a wrong model_type is a CheckpointError', async () => {
  const dir = tmp();
  const m = createAvey(aveyConfig({ vocab_size: 30, d_embed: 8, n_layers: 2, chunk_size: 4, k: 1 }), 'mlm', { seed: 2 });
  await saveCheckpoint(dir, m);
  const file = path.join(dir, 'config.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...json, model_type: 'avey' }));
  const { model } = loadCheckpoint(dir, { onWarning: () => assert.fail('no warning expected') });
  const ids = tensor(new Int32Array([1, 2, 3, 4, 5, 6]), { dtype: 'int32', shape: [1, 6] });
  assert.deepEqual(Array.from(model.forward(ids).logits.value.dataSync()), Array.from(m.forward(ids).logits.value.dataSync()));
  fs.writeFileSync(file, JSON.stringify({ ...json, model_type: 'bert' }));
  assert.throws(() => readCheckpointConfig(dir), (e: unknown) => e instanceof CheckpointError && /"avey-b"/.test((e as Error).message) && /config\.json/.test((e as Error).message));
  fs.writeFileSync(file, JSON.stringify({ ...json, d_embed: -1 }));
  assert.throws(() => readCheckpointConfig(dir), (e: unknown) => e instanceof CheckpointError && /d_embed/.test((e as Error).message));
});

test('property: an "avey-b" config missing any subset of fields gets the official constructor defaults', () => {
  const fields = ['vocab_size', 'd_embed', 'n_layers', 'chunk_size', 'k', 'eps', 'max_position_embeddings'] as const;
  const given: Record<string, number> = { vocab_size: 97, d_embed: 32, n_layers: 4, chunk_size: 8, k: 2, eps: 1e-6, max_position_embeddings: 64 };
  const official: Record<string, number> = { ...AVEY_OFFICIAL_DEFAULTS, max_position_embeddings: AVEY_OFFICIAL_DEFAULTS.context_len };
  fc.assert(fc.property(fc.subarray([...fields]), (omit) => {
    const raw: Record<string, unknown> = { model_type: 'avey-b' };
    for (const f of fields) if (!omit.includes(f)) raw[f] = given[f];
    const c = aveyConfigFromHF(raw, () => assert.fail('no warning expected'));
    for (const f of fields) assert.equal(c[f], omit.includes(f) ? official[f] : given[f], f);
  }));
  // context_len (the constructor argument) stands in for max_position_embeddings
  assert.equal(aveyConfigFromHF({ model_type: 'avey-b', context_len: 1024 }).max_position_embeddings, 1024);
});

test('property: round trip ours → config.json → ours is the identity (switches included)', async () => {
  await fc.assert(fc.asyncProperty(
    fc.record({ d: fc.constantFrom(8, 12), L: fc.integer({ min: 1, max: 3 }), S: fc.constantFrom(2, 4), k: fc.integer({ min: 0, max: 2 }), ranker: fc.constantFrom('causal', 'bidirectional') as fc.Arbitrary<'causal' | 'bidirectional'> }),
    async ({ d, L, S, k, ranker }) => {
      const cfg = aveyConfig({ vocab_size: 20, d_embed: d, n_layers: L, chunk_size: S, k, ranker, max_position_embeddings: 256 });
      const dir = tmp();
      await saveCheckpoint(dir, createAvey(cfg, 'mlm', { seed: 3 }));
      const back = readCheckpointConfig(dir, { onWarning: (m) => assert.fail(m) });
      assert.deepEqual(back, { ...cfg, architectures: ['AveyForMaskedLM'] });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  ), { numRuns: 8 });
});
