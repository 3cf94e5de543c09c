// HF-format checkpoint folders and `runForward` end to end (against the official fixtures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng, tensor } from '@avey/tensor';
import { safetensors } from '@avey/autograd';
import {
  CheckpointError, aveyConfig, aveyConfigToJSON, createAvey, loadCheckpoint, namedParams, runForward, saveCheckpoint,
  diffArrays, summarize, formatDiff, transformerConfig, createTransformer, type HeadName,
} from '@avey/avey-b';
import { fixtureAvailable, fixtureDir, loadFixture } from './fixture.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'avey-ckpt-'));
const cfg = aveyConfig({ vocab_size: 30, d_embed: 8, n_layers: 2, chunk_size: 4, k: 2, num_labels: 3 });
const ids = new Rng(1).int([2, 9], 0, 30);

test('save → load round trip keeps names, values and outputs (Avey heads and the Transformer)', async () => {
  for (const head of ['mlm', 'seqcls', 'tokcls', 'qa'] as HeadName[]) {
    const dir = tmp();
    const m = createAvey(cfg, head, { seed: 5 });
    await saveCheckpoint(dir, m);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    assert.equal(json.model_type, 'avey-b');
    const { model, head: h, initialized } = loadCheckpoint(dir);
    assert.equal(h, head);
    assert.deepEqual(initialized, []);
    assert.deepEqual([...namedParams(model).keys()], [...namedParams(m).keys()]);
    const a = m.forward(ids).logits.value.dataSync();
    const b = model.forward(ids).logits.value.dataSync();
    assert.deepEqual(Array.from(b), Array.from(a));
  }
  const tcfg = transformerConfig({ vocab_size: 30, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 16 });
  const dir = tmp();
  const t = createTransformer(tcfg, 'seqcls', { seed: 2 });
  await saveCheckpoint(dir, t);
  const { model } = loadCheckpoint(dir);
  assert.deepEqual(Array.from(model.forward(ids).logits.value.dataSync()), Array.from(t.forward(ids).logits.value.dataSync()));
});

test('loading a head the checkpoint lacks initialises it and says so; MLM from a seqcls checkpoint ignores the head', async () => {
  const dir = tmp();
  await saveCheckpoint(dir, createAvey(cfg, 'mlm', { seed: 1 }));
  const { initialized } = loadCheckpoint(dir, { head: 'seqcls' });
  assert.ok(initialized.includes('dense.0.weight') && initialized.includes('classifier.bias'));
  const dir2 = tmp();
  await saveCheckpoint(dir2, createAvey(cfg, 'seqcls', { seed: 1 }));
  assert.equal(loadCheckpoint(dir2, { head: 'mlm' }).head, 'mlm');
});

test('config/weights mismatch → CheckpointError naming the key, the shapes and the file', async () => {
  const dir = tmp();
  await saveCheckpoint(dir, createAvey(cfg, 'mlm', { seed: 1 }));
  // wrong d_embed in config.json
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(aveyConfigToJSON(aveyConfig({ ...cfg, d_embed: 12 }))));
  assert.throws(() => loadCheckpoint(dir), (e: unknown) => {
    assert.ok(e instanceof CheckpointError);
    assert.match(e.message, /embed\.weight/);
    assert.match(e.message, /\[30,8\]/);
    assert.match(e.message, /\[30,12\]/);
    assert.match(e.message, /model\.safetensors/);
    return true;
  });
  // more layers than the weights have → missing key
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(aveyConfigToJSON(aveyConfig({ ...cfg, n_layers: 3 }))));
  assert.throws(() => loadCheckpoint(dir), /missing key 'layers\.2\./);
  // fewer layers → unexpected key
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(aveyConfigToJSON(aveyConfig({ ...cfg, n_layers: 1 }))));
  assert.throws(() => loadCheckpoint(dir), /unexpected key 'layers\.1\./);
  // no config at all
  fs.rmSync(path.join(dir, 'config.json'));
  assert.throws(() => loadCheckpoint(dir), /config\.json/);
});

/** A safetensors file with I64 input_ids (like PyTorch writes), built by hand. */
function writeI64(file: string, tensors: Record<string, { shape: number[]; data: ArrayLike<number> }>): void {
  const header: Record<string, unknown> = {};
  let off = 0;
  const names = Object.keys(tensors).sort();
  for (const n of names) {
    const bytes = tensors[n].data.length * 8;
    header[n] = { dtype: 'I64', shape: tensors[n].shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let h = Buffer.from(JSON.stringify(header));
  const padded = Buffer.concat([h, Buffer.alloc((8 - (h.length % 8)) % 8, 0x20)]);
  h = padded;
  const out = Buffer.alloc(8 + h.length + off);
  out.writeBigUInt64LE(BigInt(h.length), 0);
  h.copy(out, 8);
  let p = 8 + h.length;
  for (const n of names) for (const v of Array.from(tensors[n].data)) { out.writeBigInt64LE(BigInt(v), p); p += 8; }
  fs.writeFileSync(file, out);
}

test('runForward end to end: fixture params → checkpoint folder → forward + grads == official outputs', async (t) => {
  if (!fixtureAvailable()) {
    if (process.env.CI === 'true') assert.fail(`fixtures missing at ${fixtureDir()}`);
    t.skip(`fixtures missing at ${fixtureDir()}`);
    return;
  }
  const fx = loadFixture();
  for (const head of ['mlm', 'seqcls', 'tokcls'] as const) {
    const dir = tmp();
    // a checkpoint folder holding the official parameters
    const model = createAvey(fx.config, head);
    for (const [name, p] of namedParams(model)) {
      const r = fx.params(head).get(name)!;
      p.value = tensor(r.data as Float32Array, { shape: [...r.shape] });
    }
    await saveCheckpoint(dir, model);
    const input = path.join(dir, 'input.safetensors');
    const idsRaw = fx.raw.get('input.input_ids')!;
    const labRaw = fx.raw.get(`input.${head}_labels`)!;
    writeI64(input, { input_ids: { shape: [...idsRaw.shape], data: idsRaw.data }, labels: { shape: [...labRaw.shape], data: labRaw.data } });
    const output = path.join(dir, 'out.safetensors');
    const res = await runForward({ checkpoint: dir, input, output, head, grads: true });
    assert.equal(res.head, head);
    const got = safetensors.readRaw(output).tensors;
    const diffs = [diffArrays('logits', got.get('logits')!.data, fx.raw.get(`${head}.expected.logits`)!.data)];
    if (head === 'mlm') diffs.push(diffArrays('last_hidden_state', got.get('last_hidden_state')!.data, fx.raw.get('mlm.expected.last_hidden_state')!.data));
    diffs.push(diffArrays('loss', got.get('loss')!.data, [fx.scalars[`${head}.loss`]]));
    let nGrads = 0;
    for (const [k, v] of fx.raw) {
      if (!k.startsWith(`${head}.grad.`)) continue;
      const name = `grad.${k.slice(head.length + 6)}`;
      assert.ok(got.has(name), `output has ${name}`);
      diffs.push(diffArrays(name, got.get(name)!.data, v.data));
      nGrads++;
    }
    assert.ok(nGrads > 20);
    const rep = summarize(diffs);
    assert.ok(rep.pass, `runForward ${head}: ${rep.diffs.filter((d) => !d.pass).map(formatDiff).join('\n')}`);
  }
});
