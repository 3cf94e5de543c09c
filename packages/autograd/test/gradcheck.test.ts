// Generated gradient checks: every entry of the gradcheck table, random shapes/axes/indices,
// first order (finite differences, float64, CPU) and second order (gradgradcheck).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Variable, gradcheck, gradgradcheck, ops, NON_DIFFERENTIABLE_METHODS } from '../src/index.js';
import { TABLE, NON_DIFFERENTIABLE_FUNCTIONS } from './gradcheck-table.js';

test('every differentiable Variable method and exported op has a gradcheck table entry', () => {
  const proto = Variable.prototype as unknown as Record<string, unknown>;
  const methods = Object.getOwnPropertyNames(Variable.prototype).filter((n) => {
    const d = Object.getOwnPropertyDescriptor(Variable.prototype, n);
    return d !== undefined && typeof d.value === 'function' && typeof proto[n] === 'function';
  });
  const missing = methods.filter((m) => !NON_DIFFERENTIABLE_METHODS.includes(m) && !(m in TABLE));
  assert.deepEqual(missing, [], `Variable methods without a gradcheck table entry: ${missing.join(', ')}`);
  const fns = Object.keys(ops).filter((k) => typeof (ops as Record<string, unknown>)[k] === 'function');
  const missingFns = fns.filter((f) => !NON_DIFFERENTIABLE_FUNCTIONS.includes(f) && !(f in TABLE));
  assert.deepEqual(missingFns, [], `exported ops without a gradcheck table entry: ${missingFns.join(', ')}`);
  assert.ok(methods.length > 60, `found only ${methods.length} methods: the enumeration is broken`);
});

const RUNS = Number(process.env.GRADCHECK_RUNS ?? 6);

for (const [name, gen] of Object.entries(TABLE)) {
  test(`gradcheck: ${name}`, () => {
    fc.assert(fc.property(gen, (c) => {
      const r = gradcheck(c.fn, c.inputs, c.tol);
      assert.ok(r.ok, `${c.label}\n${r.message}`);
      assert.ok(r.checked > 0 || c.inputs.every((t) => t.size === 0), `${c.label}: nothing checked`);
      if (!c.noGradGrad) {
        const r2 = gradgradcheck(c.fn, c.inputs, c.tol);
        assert.ok(r2.ok, `second order, ${c.label}\n${r2.message}`);
      }
      for (const t of c.inputs) t.dispose();
    }), { numRuns: RUNS });
  });
}
