import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as T from '@avey/tensor';
import { Variable, variable, parameter, nn, optim, schedules, losses, safetensors } from '../src/index.js';

const arr = (v: Variable | T.Tensor) => Array.from((v instanceof Variable ? v.value : v).dataSync());
const f64 = (d: number[]) => T.keep(T.tensor(d, { dtype: 'float64' }));
const setGrad = (p: Variable, g: number[]) => { p.zeroGrad(); p.grad = new Variable(f64(g)); };

test('AdamW matches the torch update (decoupled decay, bias correction) step by step', () => {
  const p0 = [0.5, -1.5, 2.0];
  const grads = [[0.1, -0.2, 0.3], [-0.5, 0.4, 0.0], [1.0, 1.0, -1.0]];
  const h = { lr: 0.01, b1: 0.9, b2: 0.95, eps: 1e-8, wd: 0.1 };
  const p = parameter(f64(p0));
  const opt = new optim.AdamW([p], { lr: h.lr, betas: [h.b1, h.b2], eps: h.eps, weightDecay: h.wd });
  const ref = [...p0], m = [0, 0, 0], v = [0, 0, 0];
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < 3; i++) {
      ref[i] *= 1 - h.lr * h.wd;
      m[i] += (g[i] - m[i]) * (1 - h.b1);
      v[i] = v[i] * h.b2 + g[i] * g[i] * (1 - h.b2);
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - h.b2 ** t) + h.eps;
      ref[i] -= (h.lr / (1 - h.b1 ** t)) * (m[i] / denom);
    }
    setGrad(p, g);
    opt.step();
    arr(p).forEach((x, i) => assert.ok(Math.abs(x - ref[i]) < 1e-14, `step ${t}: ${x} vs ${ref[i]}`));
  });
});

test('AdamW: the fused CPU loop equals the op-by-op path bit for bit in float64, closely in float32', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const run = (fused: boolean) => {
      const w = parameter(T.keep(new T.Rng(1).normal([5, 7], 0, 1, { dtype })));
      const b = parameter(T.keep(new T.Rng(2).normal([7], 0, 1, { dtype })));
      const opt = new optim.AdamW(optim.decayGroups([w, b], 0.1), { lr: 0.01, betas: [0.9, 0.95], fused });
      for (let s = 0; s < 4; s++) {
        w.zeroGrad(); b.zeroGrad();
        w.grad = new Variable(T.keep(new T.Rng(10 + s).normal([5, 7], 0, 1, { dtype })));
        b.grad = new Variable(T.keep(new T.Rng(20 + s).normal([7], 0, 1, { dtype })));
        opt.step();
      }
      return [...arr(w), ...arr(b)];
    };
    const a = run(true), c = run(false);
    if (dtype === 'float64') assert.deepEqual(a, c);
    else a.forEach((x, i) => assert.ok(Math.abs(x - c[i]) < 1e-6, `${x} vs ${c[i]}`));
  }
});

test('SGD with momentum and nesterov matches torch', () => {
  for (const nesterov of [false, true]) {
    const p = parameter(f64([1, -2]));
    const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov });
    const ref = [1, -2], buf = [0, 0];
    [[0.5, 0.5], [-1, 2], [0.25, 0]].forEach((g, k) => {
      for (let i = 0; i < 2; i++) {
        let d = g[i] + 0.01 * ref[i];
        buf[i] = k === 0 ? d : 0.9 * buf[i] + d;
        d = nesterov ? d + 0.9 * buf[i] : buf[i];
        ref[i] -= 0.1 * d;
      }
      setGrad(p, g);
      opt.step();
      arr(p).forEach((x, i) => assert.ok(Math.abs(x - ref[i]) < 1e-14));
    });
  }
});

test('decayGroups: only parameters with ≥ 2 axes decay', () => {
  const w = parameter(T.keep(T.ones([2, 2], { dtype: 'float64' }))), b = parameter(f64([1, 1]));
  const opt = new optim.AdamW(optim.decayGroups([w, b], 0.5), { lr: 0.1 });
  setGrad(w, [0, 0, 0, 0]);
  w.grad = new Variable(T.keep(T.zeros([2, 2], { dtype: 'float64' })));
  setGrad(b, [0, 0]);
  opt.step();
  assert.ok(arr(w).every((x) => Math.abs(x - 0.95) < 1e-12), 'w decays by lr·wd');
  assert.deepEqual(arr(b), [1, 1]);
});

test('clipGradNorm returns the total norm and scales only when above the maximum', () => {
  const a = parameter(f64([0, 0])), b = parameter(f64([0]));
  a.grad = new Variable(f64([3, 0]));
  b.grad = new Variable(f64([4]));
  const total = optim.clipGradNorm([a, b], 1);
  assert.ok(Math.abs(total.item() - 5) < 1e-12);
  const s = 1 / (5 + 1e-6);
  assert.ok(Math.abs(arr(a.grad)[0] - 3 * s) < 1e-12 && Math.abs(arr(b.grad)[0] - 4 * s) < 1e-12);
  const before = arr(a.grad);
  optim.clipGradNorm([a, b], 10);
  assert.deepEqual(arr(a.grad), before, 'unchanged bit for bit below the maximum');
});

test('schedules: warmup then cosine/linear/exponential decay; LRScheduler applies base·factor', () => {
  const cos = schedules.warmupCosine({ totalSteps: 100, warmupFraction: 0.1 });
  assert.equal(cos(0), 0);
  assert.equal(cos(5), 0.5);
  assert.equal(cos(10), 1);
  assert.ok(Math.abs(cos(55) - 0.5) < 1e-12);
  assert.ok(Math.abs(cos(100)) < 1e-12);
  const lin = schedules.warmupLinear({ totalSteps: 20, warmupSteps: 10 });
  assert.equal(lin(15), 0.5);
  const ex = schedules.warmupExponential({ warmupSteps: 2, gamma: 0.5 });
  assert.equal(ex(4), 0.25);
  assert.equal(schedules.constant()(123), 1);
  const p = parameter(f64([1]));
  const opt = new optim.SGD([p], { lr: 0.2 });
  const sch = new optim.LRScheduler(opt, schedules.warmupConstant({ warmupSteps: 4 }));
  assert.equal(opt.lr, 0);
  sch.step(); sch.step();
  assert.equal(opt.lr, 0.1);
});

// ---- exact resume -----------------------------------------------------------------------------
const N = 12, K = 5;
function makeRun(seed: number) {
  const model = new nn.Sequential(new nn.Linear(3, 8, { rng: new T.Rng(seed) }), new nn.GELU(), new nn.Linear(8, 2, { rng: new T.Rng(seed + 1) }));
  const opt = new optim.AdamW(optim.decayGroups(model.parameters(), 0.1), { lr: 0.02, betas: [0.9, 0.98] });
  const sch = new optim.LRScheduler(opt, schedules.warmupCosine({ totalSteps: N, warmupFraction: 0.25 }));
  return { model, opt, sch };
}
function trainSteps(run: ReturnType<typeof makeRun>, from: number, to: number): void {
  for (let step = from; step < to; step++) {
    T.scope(() => {
      const rng = new T.Rng(1000 + step);
      const x = rng.normal([6, 3]);
      const y = rng.int([6], 0, 2);
      const loss = losses.crossEntropy(run.model.forward(variable(x)), y);
      loss.backward();
      optim.clipGradNorm(run.model.parameters(), 0.5);
      run.opt.step();
      run.opt.zeroGrad();
      run.sch.step();
    });
  }
}

test('resume is exact: N steps == K steps, save to safetensors, restore, N−K steps (bitwise)', async () => {
  const straight = makeRun(1);
  trainSteps(straight, 0, N);

  const first = makeRun(1);
  trainSteps(first, 0, K);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avey-resume-'));
  const opt = first.opt.stateDict();
  await safetensors.write(path.join(dir, 'model.safetensors'), first.model.stateDict());
  await safetensors.write(path.join(dir, 'optim.safetensors'), opt.tensors, {
    optimizer: JSON.stringify(opt.meta), scheduler: JSON.stringify(first.sch.stateDict()),
  });

  const resumed = makeRun(99);                 // different init: everything must come from the files
  resumed.model.loadStateDict(safetensors.read(path.join(dir, 'model.safetensors')).tensors);
  const o = safetensors.read(path.join(dir, 'optim.safetensors'));
  resumed.opt.loadStateDict({ meta: JSON.parse(o.metadata.optimizer), tensors: o.tensors });
  resumed.sch.loadStateDict(JSON.parse(o.metadata.scheduler));
  trainSteps(resumed, K, N);

  const a = straight.model.namedParameters(), b = resumed.model.namedParameters();
  a.forEach(([name, p], i) => {
    const x = new Uint32Array((p.value.dataSync() as Float32Array).buffer.slice(0));
    const y = new Uint32Array((b[i][1].value.dataSync() as Float32Array).buffer.slice(0));
    assert.deepEqual(y, x, `${name} differs`);
  });
  assert.equal(resumed.opt.lr, straight.opt.lr);
});
