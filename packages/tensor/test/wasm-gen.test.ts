// The committed kernels (src/cpu/wasm/kernels.wat + kernels.gen.ts) are exactly what the generator
// produces: regenerate with wabt and compare byte for byte.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_DIR, generate } from '../scripts/gen-wasm-kernels.js';

test('generated wasm kernels are up to date (npx tsx packages/tensor/scripts/gen-wasm-kernels.ts)', async () => {
  const { wat, ts } = await generate();
  assert.equal(readFileSync(join(GENERATED_DIR, 'kernels.wat'), 'utf8'), wat, 'kernels.wat is stale');
  assert.equal(readFileSync(join(GENERATED_DIR, 'kernels.gen.ts'), 'utf8'), ts, 'kernels.gen.ts is stale');
});

test('the generated module validates and exports every kernel the loader uses', async () => {
  const { ts } = await generate();
  // the first module (KERNELS_WASM_BASE64) alone: its string pieces up to the statement's end
  const first = ts.slice(ts.indexOf('export const KERNELS_WASM_BASE64 ='), ts.indexOf(';', ts.indexOf('export const KERNELS_WASM_BASE64 =')));
  const b64 = [...first.matchAll(/'([A-Za-z0-9+/=]+)'/g)].map((m) => m[1]).join('');
  const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
  assert.ok(WebAssembly.validate(bytes));
  const names = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name).sort();
  assert.deepEqual(names, [
    'adamw_f32', 'add_f32', 'bias_act', 'col_sum', 'copy_rows', 'div_f32', 'erf_f32', 'exp_f32', 'gelu_f32', 'gelu_with_grad_f32', 'group_max', 'group_max_cols', 'macro', 'max_rows', 'memory', 'mr', 'mul_f32', 'pack_a', 'pack_b',
    'rms_grad', 'rms_scale', 'rms_ss4', 'rms_sums2', 'rows_add', 'rows_div', 'rows_mul', 'rows_rdiv', 'rows_rsub', 'rows_sub', 'sigmoid_f32', 'softmax_rows', 'sub_f32', 'sum_rows',
  ]);
});
