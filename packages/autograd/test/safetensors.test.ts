import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import * as T from '@avey/tensor';
import { safetensors, SafetensorsError } from '../src/index.js';
import type { RawTensor } from '../src/safetensors/index.js';

const FIXTURE = '/work/shared/fixtures/avey-b/small.safetensors';
const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'avey-st-'));

/** A hand-built file image: header object + data bytes. */
function image(header: unknown, data: Uint8Array = new Uint8Array(0), headerLen?: number): Uint8Array {
  const h = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const rawArb: fc.Arbitrary<RawTensor> = fc.tuple(
  fc.constantFrom('float32', 'float64', 'int32', 'bool'),
  fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  fc.integer(),
).map(([dtype, shape, seed]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = new T.Rng(seed);
  const vals = Array.from({ length: n }, () => r.nextFloat() * 200 - 100);
  const data = dtype === 'float32' ? Float32Array.from(vals) : dtype === 'float64' ? Float64Array.from(vals)
    : dtype === 'int32' ? Int32Array.from(vals, Math.round) : Uint8Array.from(vals, (v) => (v > 0 ? 1 : 0));
  return { dtype, shape, data } as RawTensor;
});
const nameArb = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.constant('__proto__')).filter((k) => k !== '__metadata__');
const dictArb = fc.dictionary(nameArb, rawArb, { maxKeys: 4 });
const metaArb = fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), { nil: undefined });

test('round trip (bytes): serialize → parse gives the same dtypes, shapes and bits', () => {
  fc.assert(fc.property(dictArb, metaArb, (dict, meta) => {
    const bytes = safetensors.serialize(dict, meta);
    const back = safetensors.parseBytes(bytes);
    assert.deepEqual([...back.tensors.keys()].sort(), Object.keys(dict).sort());
    for (const [k, t] of Object.entries(dict)) {
      const r = back.tensors.get(k)!;
      assert.equal(r.dtype, t.dtype);
      assert.deepEqual([...r.shape], [...t.shape]);
      assert.deepEqual(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    assert.deepEqual({ ...back.metadata }, meta && Object.keys(meta).length > 0 ? { ...meta } : {});
  }), { numRuns: 100 });
});

test('round trip (file): write is atomic and read gives back equal tensors', async () => {
  const file = path.join(tmpdir, 'rt.safetensors');
  const a = T.tensor([[1.5, -2], [3, 4.25]]);
  const b = T.tensor(new Int32Array([7, -8, 9]), { dtype: 'int32' });
  await safetensors.write(file, { a, b }, { step: '12' });
  assert.deepEqual(fs.readdirSync(tmpdir).filter((f) => f.includes('.tmp-')), [], 'no temp file left');
  const { tensors, metadata } = safetensors.read(file);
  assert.equal(metadata.step, '12');
  assert.deepEqual(await tensors.get('a')!.array(), [[1.5, -2], [3, 4.25]]);
  assert.deepEqual(Array.from(tensors.get('b')!.dataSync()), [7, -8, 9]);
  // overwriting replaces the file in one step
  await safetensors.write(file, { a: b });
  assert.deepEqual([...safetensors.read(file).tensors.keys()], ['a']);
});

test('reads the Avey-B fixture (I64 → int32, F32), lazily by offset too', () => {
  const { tensors } = safetensors.read(FIXTURE);
  const ids = tensors.get('input.input_ids')!;
  assert.equal(ids.dtype, 'int32');
  assert.deepEqual([...ids.shape], [2, 29]);
  const labels = Array.from(tensors.get('input.mlm_labels')!.dataSync());
  assert.ok(labels.includes(-100), 'negative I64 values survive');
  assert.ok(Array.from(ids.dataSync()).every((v) => v >= 0 && v < 97));
  const emb = tensors.get('mlm.param.embed.weight')!;
  assert.equal(emb.dtype, 'float32');
  assert.deepEqual([...emb.shape], [97, 32]);
  assert.deepEqual([...tensors.get('mlm.param.layers.0.alpha')!.shape], []);
  const f = new safetensors.SafetensorsFile(FIXTURE);
  try {
    assert.equal(f.keys().length, tensors.size);
    const lazy = f.readRaw('mlm.param.embed.weight');
    assert.deepEqual(Array.from(lazy.data), Array.from(emb.dataSync()));
  } finally {
    f.close();
  }
});

test('F16, BF16 read into float32; I64 out of int32 range is a SafetensorsError', () => {
  const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x7c00]).buffer); // 1, -2, ~0.333, inf
  const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc040]).buffer);                 // 1, -3
  const img = image({
    h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
    b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
  }, new Uint8Array([...f16, ...bf16]));
  const r = safetensors.parseBytes(img);
  const h = Array.from(r.tensors.get('h')!.data);
  assert.deepEqual([h[0], h[1], h[3]], [1, -2, Infinity]);
  assert.ok(Math.abs(h[2] - 0.33325) < 1e-4);
  assert.deepEqual(Array.from(r.tensors.get('b')!.data), [1, -3]);
  const big = new Uint8Array(new BigInt64Array([5n, 2n ** 31n]).buffer);
  assert.throws(() => safetensors.parseBytes(image({ x: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, big)),
    (e: unknown) => e instanceof SafetensorsError && /does not fit in int32/.test(e.message));
});

test('hostile headers give a SafetensorsError naming the problem', () => {
  const ok = { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const d8 = new Uint8Array(8);
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(5), /shorter than/],
    [image(ok, d8, 1e9), /exceeds|past the end/],
    [image(ok, d8, 500), /past the end/],
    [image('{"x": ', d8), /not valid UTF-8 JSON/],
    [image('[1, 2]'), /not a JSON object/],
    [image({ x: { dtype: 'Q7', shape: [2], data_offsets: [0, 8] } }, d8), /unknown or unsupported dtype/],
    [image({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, d8), /needs 12 bytes/],
    [image({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 16] } }, d8), /out of bounds/],
    [image({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, d8), /overlap/],
    [image({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, d8), /hole/],
    [image({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, d8), /cover 4 bytes/],
    [image({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 8] } }, d8), /shape/],
    [image({ x: 3 }), /not an object/],
    [image({ __metadata__: { a: 1 } }), /__metadata__/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => safetensors.parseBytes(bytes, 'evil.safetensors'), (e: unknown) => {
      assert.ok(e instanceof SafetensorsError, `expected SafetensorsError, got ${String(e)}`);
      assert.match(e.message, re);
      assert.match(e.message, /evil\.safetensors/);
      return true;
    });
  }
  assert.throws(() => safetensors.read(path.join(tmpdir, 'missing.safetensors')), SafetensorsError);
});

test('fuzz: byte flips and truncations either parse to a valid result or throw SafetensorsError', () => {
  const base = safetensors.serialize({
    w: { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    i: { dtype: 'int32', shape: [2], data: Int32Array.from([7, 8]) },
  }, { note: 'x' });
  const file = path.join(tmpdir, 'fuzz.safetensors');
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.option(fc.nat(), { nil: undefined }),
    (flips, cut) => {
      const bytes = base.slice(0, cut === undefined ? base.length : cut % (base.length + 1));
      for (const [at, v] of flips) if (bytes.length > 0) bytes[at % bytes.length] = v;
      for (const src of ['bytes', 'file'] as const) {
        try {
          let r: { tensors: Map<string, RawTensor> };
          if (src === 'bytes') r = safetensors.parseBytes(bytes);
          else { fs.writeFileSync(file, bytes); r = safetensors.readRaw(file); }
          for (const t of r.tensors.values()) assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1));
        } catch (e) {
          assert.ok(e instanceof SafetensorsError, `${src}: unexpected ${String(e)}`);
        }
      }
    },
  ), { numRuns: 300 });
});
