import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '@avey/tensor';
import type { Tensor } from '@avey/tensor';
import { Variable, variable, parameter, noGrad, grad, gradcheck, Function, FunctionCtx, ops } from '../src/index.js';

const f64 = (d: number[], shape?: number[]) => T.tensor(d, { dtype: 'float64', ...(shape ? { shape } : {}) });
const arr = (v: Variable | Tensor) => Array.from((v instanceof Variable ? v.value : v).dataSync());
const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);

test('backward: scalar seed, gradient accumulation, zeroGrad', () => {
  const x = variable(f64([1, 2, 3]), { requiresGrad: true });
  x.mul(x).sum().backward();
  assert.deepEqual(arr(x.grad!), [2, 4, 6]);
  x.mul(3).sum().backward();                 // accumulates
  assert.deepEqual(arr(x.grad!), [5, 7, 9]);
  x.zeroGrad();
  assert.equal(x.grad, null);
});

test('backward: non-scalar needs an explicit gradient; explicit gradient is used', () => {
  const x = variable(f64([1, 2]), { requiresGrad: true });
  const y = x.mul(x);
  assert.throws(() => y.backward(), /scalar/);
  const y2 = x.mul(x);
  const g = f64([10, 100]);
  y2.backward(g);
  assert.deepEqual(arr(x.grad!), [20, 400]);
  assert.deepEqual(arr(g), [10, 100], 'the caller’s gradient tensor is untouched');
});

test('a variable used twice gets both contributions; broadcasting sums back', () => {
  const x = variable(f64([1, 2, 3], [3]), { requiresGrad: true });
  const b = variable(f64([5], [1, 1]), { requiresGrad: true });
  x.add(x).mul(b).sum().backward();          // y = 2·x·b broadcast to (1, 3)
  assert.deepEqual(arr(x.grad!), [10, 10, 10]);
  assert.deepEqual(b.grad!.shape, [1, 1]);
  assert.deepEqual(arr(b.grad!), [12]);
});

test('noGrad records nothing; detach cuts the tape; requiresGrad propagates', () => {
  const x = variable(f64([1, 2]), { requiresGrad: true });
  const y = noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.node, null);
  const z = x.detach().mul(2);
  assert.equal(z.requiresGrad, false);
  const c = variable(f64([1, 2]));
  assert.equal(c.mul(2).requiresGrad, false);
  assert.equal(x.mul(c).requiresGrad, true);
  assert.throws(() => z.sum().backward(), /does not require grad/);
});

test('retainGraph: second backward works only when the graph was retained', () => {
  const x = variable(f64([1, 2]), { requiresGrad: true });
  const y = x.exp().sum();
  y.backward({ retainGraph: true });
  y.backward();
  close(arr(x.grad!)[0], 2 * Math.exp(1));
  assert.equal(y.node!.vjp, null, 'released after the second call');
  assert.throws(() => y.backward(), /released/);
});

test('grad(): outputs w.r.t. inputs, leaves untouched; unused inputs', () => {
  const x = variable(f64([2]), { requiresGrad: true });
  const w = variable(f64([3]), { requiresGrad: true });
  const [gx] = grad(x.mul(x).mul(w).sum(), [x]);
  assert.deepEqual(arr(gx), [12]);
  assert.equal(x.grad, null);
  assert.equal(w.grad, null);
  assert.throws(() => grad(x.mul(2).sum(), [w]), /not reachable/);
  assert.deepEqual(arr(grad(x.mul(2).sum(), [w], { allowUnused: true })[0]), [0]);
});

test('d²/dx² of x³·sin x (createGraph) matches the closed form', () => {
  for (const v of [-2.1, -0.3, 0.7, 1.9]) {
    const x = variable(f64([v]), { requiresGrad: true });
    const y = x.pow(3).mul(x.sin()).sum();
    const [d1] = grad(y, [x], { createGraph: true });
    const [d2] = grad(d1.sum(), [x]);
    // y' = 3x² sin x + x³ cos x;  y'' = 6x sin x + 6x² cos x − x³ sin x
    close(arr(d1)[0], 3 * v * v * Math.sin(v) + v ** 3 * Math.cos(v));
    close(arr(d2)[0], 6 * v * Math.sin(v) + 6 * v * v * Math.cos(v) - v ** 3 * Math.sin(v), 1e-8);
  }
});

test('Hessian-vector product equals finite differences of the gradient', () => {
  // f(x) = Σ softmax(A x)·log(1 + (x ⊙ x)) + ‖x‖² · tanh(x₀)
  const A = f64([0.3, -1.2, 0.5, 0.9, 0.1, -0.4, 1.1, 0.7, -0.8], [3, 3]);
  const f = (x: Variable) => ops.matmul(A, x).softmax().mul(x.mul(x).add(1).log()).sum()
    .add(x.norm(2).square().mul(x.narrow(0, 0, 1).tanh().sum()));
  const gradAt = (d: number[]) => {
    const x = variable(f64(d), { requiresGrad: true });
    return arr(grad(f(x), [x])[0]);
  };
  const x0 = [0.4, -0.7, 1.3], v = [0.2, 0.5, -1.0];
  const x = variable(f64(x0), { requiresGrad: true });
  const [g] = grad(f(x), [x], { createGraph: true });
  const [hv] = grad(g.mul(variable(f64(v))).sum(), [x]);
  const eps = 1e-5;
  const gp = gradAt(x0.map((a, i) => a + eps * v[i]));
  const gm = gradAt(x0.map((a, i) => a - eps * v[i]));
  arr(hv).forEach((h, i) => close(h, (gp[i] - gm[i]) / (2 * eps), 1e-6));
});

test('max/min send the gradient to the first extremum on ties (deterministic)', () => {
  const x = variable(f64([1, 5, 5, 2, 5, 0], [2, 3]), { requiresGrad: true });
  x.max(1).sum().backward();
  assert.deepEqual(arr(x.grad!), [0, 1, 0, 0, 1, 0]);
  x.zeroGrad();
  x.max().backward();
  assert.deepEqual(arr(x.grad!), [0, 1, 0, 0, 0, 0]);
  const y = variable(f64([3, 1, 1, 1]), { requiresGrad: true });
  y.min().backward();
  assert.deepEqual(arr(y.grad!), [0, 1, 0, 0]);
});

test('topk: gradient flows through the values to the selected positions; indices carry none', () => {
  const x = variable(f64([0.1, 0.9, 0.5, 0.7]), { requiresGrad: true });
  const { values, indices } = x.topk(2);
  assert.deepEqual(arr(indices), [1, 3]);
  assert.equal(indices.requiresGrad, false);
  values.mul(f64([2, 3])).sum().backward();
  assert.deepEqual(arr(x.grad!), [0, 2, 0, 3]);
});

test('integer results carry no gradient', () => {
  const x = variable(f64([1, -2]), { requiresGrad: true });
  for (const y of [x.argmax(0), x.gt(0), x.sign(), x.floor(), x.cast('int32')]) assert.equal(y.requiresGrad, false);
});

// A fused op through the Function API: y = x·sigmoid(x) (SiLU), backward in Variable ops.
class SiLU extends Function {
  static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
    const s = T.sigmoid(x);
    ctx.saveForBackward(x, s);
    return T.mul(x, s);
  }
  static override backward(ctx: FunctionCtx, g: Variable): Variable[] {
    const [x, s] = ctx.savedVariables;                  // x keeps its graph; s is a constant
    // d/dx x·σ(x) = σ + x·σ(1 − σ)
    const sig = x.sigmoid();
    void s;
    return [g.mul(sig.add(x.mul(sig).mul(sig.neg().add(1))))];
  }
}
class WrongGrad extends Function {
  static override forward(_ctx: FunctionCtx, x: Tensor): Tensor { return T.square(x); }
  static override backward(_ctx: FunctionCtx, g: Variable): Variable[] { return [g.mul(3)]; }
}

test('custom Function: values, gradcheck, double backward; gradcheck catches a wrong VJP', () => {
  const x = T.tensor([0.3, -1.2, 2.0], { dtype: 'float64' });
  const y = SiLU.apply(variable(x));
  arr(y).forEach((v, i) => close(v, arr(x)[i] / (1 + Math.exp(-arr(x)[i]))));
  assert.ok(gradcheck((a) => SiLU.apply(a), [x]).ok);
  const xv = variable(x, { requiresGrad: true });
  const [d1] = grad(SiLU.apply(xv).sum(), [xv], { createGraph: true });
  assert.ok(d1.requiresGrad, 'first derivative is differentiable');
  const bad = gradcheck((a) => WrongGrad.apply(a), [x]);
  assert.equal(bad.ok, false);
  assert.match(bad.message, /analytic/);
});

test('tape memory: intermediate gradients are disposed during backward; leaf grads survive scopes', () => {
  const w = parameter(T.keep(T.randn([8, 8], { seed: 3 })));
  const x = T.keep(T.randn([4, 8], { seed: 4 }));
  const live = () => T.memory().tensors;
  const step = () => T.scope(() => {
    const h = ops.matmul(variable(x), w).tanh();
    const loss = h.mul(h).mean().add(h.max());
    loss.backward();
  });
  step();
  w.zeroGrad();
  const before = live();
  for (let i = 0; i < 20; i++) { step(); assert.ok(w.grad && !w.grad.value.isDisposed); w.zeroGrad(); }
  assert.equal(live(), before, 'tensor count is flat across steps');
  step();
  assert.equal(live(), before + 1, 'only the accumulated gradient remains');
  w.zeroGrad();
});

test('Function: tensors saved for backward that are not inputs/outputs are disposed with the tape', () => {
  const x = variable(T.tensor([0.5, -1]), { requiresGrad: true });
  let ctxSeen: FunctionCtx | null = null;
  class Spy extends SiLU {
    static override forward(ctx: FunctionCtx, a: Tensor): Tensor { ctxSeen = ctx; return SiLU.forward(ctx, a); }
  }
  const y = Spy.apply(x).sum();
  const saved = (ctxSeen as unknown as FunctionCtx).savedTensors[1];
  assert.equal(saved.isDisposed, false);
  y.backward();
  assert.equal(saved.isDisposed, true, 'sigmoid(x) saved by forward is released after backward');
  assert.equal(x.value.isDisposed, false, 'inputs are not');
  noGrad(() => Spy.apply(x));
});

test('leaf gradients never alias each other or the caller’s tensors', () => {
  const a = variable(f64([1, 2]), { requiresGrad: true });
  const b = variable(f64([3, 4]), { requiresGrad: true });
  a.add(b).sum().backward();                  // add passes one tensor to both inputs
  assert.notEqual(a.grad!.value, b.grad!.value);
  a.zeroGrad();
  assert.deepEqual(arr(b.grad!), [1, 1], 'b.grad survives a.zeroGrad()');
  a.add(b).sum().backward();                  // accumulation reads both grads
  assert.deepEqual(arr(a.grad!), [1, 1]);
  assert.deepEqual(arr(b.grad!), [2, 2]);
  const seed = f64([5, 6]);
  const leaf = variable(f64([0, 0]), { requiresGrad: true });
  leaf.backward(seed);
  assert.notEqual(leaf.grad!.value, seed);
  leaf.zeroGrad();
  assert.deepEqual(arr(seed), [5, 6], 'the seed is not disposed by zeroGrad');
  const [ga, gb] = grad(a.add(b).sum(), [a, b]);
  assert.notEqual(ga.value, gb.value);
  ga.dispose();
  assert.deepEqual(arr(gb), [1, 1]);
});

test('noGrad works across await for sequential code; a Variable returned from scope keeps its tensor', async () => {
  const { isGradEnabled } = await import('../src/index.js');
  const x = variable(f64([1]), { requiresGrad: true });
  const y = await noGrad(async () => {
    await Promise.resolve();
    assert.equal(isGradEnabled(), false);
    return x.mul(2);
  });
  assert.equal(isGradEnabled(), true);
  assert.equal(y.requiresGrad, false);
  const kept = T.scope(() => x.mul(3).add(1));
  assert.equal(kept.value.isDisposed, false);
  assert.deepEqual(arr(kept), [4]);
});
