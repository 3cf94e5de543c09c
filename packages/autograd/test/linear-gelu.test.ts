// nn.linearGelu(x, w, b) = gelu(linear(x, w, b)): the same value and, bit for bit, the same first-order
// gradients (both take dy/dz from the same wasm GELU code); second-order gradients (createGraph)
// through the composed derivative agree with the unfused ops.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '@avey/tensor';
import { grad, nn, parameter, variable } from '../src/index.js';

const rand = (shape: number[], seed: number, scale = 1) => T.mul(T.randn(shape, { seed }), scale);

for (const [R, inF, outF] of [[64, 32, 48], [3, 5, 7]] as const) {
  test(`nn.linearGelu = gelu(nn.linear): values and gradients (R=${R}, in=${inF}, out=${outF})`, () => {
    T.scope(() => {
      const xs = rand([R, inF], 1), ws = rand([outF, inF], 2, 0.3), bs = rand([outF], 3, 0.5), gs = rand([R, outF], 4);
      const run = (fused: boolean) => {
        const x = variable(xs, { requiresGrad: true }), w = parameter(ws), b = parameter(bs);
        const y = fused ? nn.linearGelu(x, w, b) : nn.linear(x, w, b).gelu();
        y.backward(gs);
        return { y: y.value.dataSync(), dx: x.grad!.dataSync(), dw: w.grad!.dataSync(), db: b.grad!.dataSync() };
      };
      const f = run(true), u = run(false);
      const big = R * outF >= 1024; // past the elementwise threshold both paths run the same wasm GELU
      for (const key of ['y', 'dx', 'dw', 'db'] as const) {
        if (big) assert.deepEqual(f[key], u[key], key);
        else for (let i = 0; i < f[key].length; i++) assert.ok(Math.abs(f[key][i] - u[key][i]) <= 1e-5 * (1 + Math.abs(u[key][i])), `${key}[${i}]`);
      }
    });
  });
}

test('nn.linearGelu: second-order gradients (createGraph) match the unfused ops', () => {
  T.scope(() => {
    const xs = rand([6, 4], 5), ws = rand([5, 4], 6, 0.5), bs = rand([5], 7, 0.5);
    const second = (fused: boolean) => {
      const x = variable(xs, { requiresGrad: true }), w = parameter(ws), b = parameter(bs);
      const y = fused ? nn.linearGelu(x, w, b) : nn.linear(x, w, b).gelu();
      const [gx] = grad(y.sum(), [x], { createGraph: true });
      const [gw] = grad(gx.square().sum(), [w]);
      return gw.value.dataSync();
    };
    const f = second(true), u = second(false);
    for (let i = 0; i < f.length; i++) assert.ok(Math.abs(f[i] - u[i]) <= 1e-5 * (1 + Math.abs(u[i])), `d²[${i}]: ${f[i]} vs ${u[i]}`);
  });
});
