import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '@avey/tensor';
import { Variable, variable, parameter, nn } from '../src/index.js';

const arr = (v: Variable | T.Tensor) => Array.from((v instanceof Variable ? v.value : v).dataSync());
const stats = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: m, std: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) };
};

class Block extends nn.Module {
  norm = new nn.RMSNorm(4, 1e-12);
  enricher = new nn.Linear(4, 8, { rng: new T.Rng(1) });
  alpha = parameter(T.keep(T.tensor(0.5)));
  forward(x: Variable): Variable { return this.enricher.forward(this.norm.forward(x)).mul(this.alpha); }
}
class Net extends nn.Module {
  embed = new nn.Embedding(10, 4, { rng: new T.Rng(2) });
  layers = new nn.ModuleList([new Block(), new Block()]);
  head = new nn.Sequential(new nn.Linear(8, 4, { rng: new T.Rng(3) }), new nn.GELU(), new nn.Dropout(0.1, new T.Rng(4)));
  tied: Variable;
  constructor() {
    super();
    this.tied = this.embed.weight;   // tied weights, as in Avey-B's MLM head
  }
}

test('namedParameters: own parameters first, then children (torch order); tied weights listed once', () => {
  const net = new Net();
  const names = net.namedParameters().map(([n]) => n);
  assert.deepEqual(names, [
    'tied',
    'layers.0.alpha', 'layers.0.norm.weight', 'layers.0.enricher.weight', 'layers.0.enricher.bias',
    'layers.1.alpha', 'layers.1.norm.weight', 'layers.1.enricher.weight', 'layers.1.enricher.bias',
    'head.0.weight', 'head.0.bias',
  ]);
  assert.equal(new Set(names).size, 11);
  assert.equal(net.parameters().length, 11);
  const sd = net.stateDict();
  assert.ok(sd.has('tied') && sd.has('embed.weight'), 'state dict keeps every name (torch)');
  assert.deepEqual([...sd.get('layers.1.enricher.weight')!.shape], [8, 4]);
});

test('train()/eval() reach every submodule', () => {
  const net = new Net();
  net.eval();
  assert.ok(net.namedModules().every(([, m]) => !m.training));
  net.train();
  assert.ok(net.namedModules().every(([, m]) => m.training));
});

test('loadStateDict: strict error lists missing, unexpected and wrong-shaped keys; values are copied', () => {
  const a = new Net(), b = new Net();
  const sd = new Map(a.stateDict());
  sd.delete('layers.0.alpha');
  sd.set('bogus', T.zeros([1]));
  sd.set('head.0.bias', T.zeros([5]));
  assert.throws(() => b.loadStateDict(sd), (e: unknown) => {
    const m = (e as Error).message;
    assert.match(m, /missing keys: layers\.0\.alpha/);
    assert.match(m, /unexpected keys: bogus/);
    assert.match(m, /wrong shapes: head\.0\.bias: expected \[4\], got \[5\]/);
    return true;
  });
  sd.set('head.0.bias', T.ones([4]));
  assert.throws(() => b.loadStateDict(sd), /missing keys/);
  const r = b.loadStateDict(sd, { strict: false });
  assert.deepEqual(r, { missing: ['layers.0.alpha'], unexpected: ['bogus'] });
  assert.deepEqual(arr(b.namedParameters().find(([n]) => n === 'head.0.bias')![1]), [1, 1, 1, 1]);
  const c = new Net();
  c.loadStateDict(a.stateDict());
  for (const [[n1, p1], [n2, p2]] of c.namedParameters().map((x, i) => [x, a.namedParameters()[i]] as const)) {
    assert.equal(n1, n2);
    assert.deepEqual(arr(p1), arr(p2));
    assert.notEqual(p1.value, p2.value, 'copied, not shared');
  }
});

test('Linear: torch layout, xavier-normal weight (std √(2/(in+out))), zero bias, y = x Wᵀ + b', () => {
  const l = new nn.Linear(300, 100, { rng: new T.Rng(7) });
  assert.deepEqual([...l.weight.shape], [100, 300]);
  const s = stats(arr(l.weight));
  const want = Math.sqrt(2 / 400);
  assert.ok(Math.abs(s.std - want) / want < 0.03, `std ${s.std} vs ${want}`);
  assert.ok(Math.abs(s.mean) < 0.003);
  assert.ok(arr(l.bias!).every((v) => v === 0));
  const small = new nn.Linear(3, 2, { rng: new T.Rng(8) });
  nn.init.normal_(small.bias!, new T.Rng(9));
  const x = T.tensor([[1, 2, 3]]);
  const W = arr(small.weight), b = arr(small.bias!);
  const y = arr(small.forward(variable(x)));
  [0, 1].forEach((o) => assert.ok(Math.abs(y[o] - (W[o * 3] + 2 * W[o * 3 + 1] + 3 * W[o * 3 + 2] + b[o])) < 1e-5));
  assert.equal(new nn.Linear(3, 2, { bias: false }).bias, null);
});

test('RMSNorm and LayerNorm match their formulas', () => {
  const x = T.tensor([[1, -2, 3, 0.5], [0.1, 0.2, -0.3, 4]]);
  const rms = new nn.RMSNorm(4, 1e-12);
  nn.init.uniform_(rms.weight, new T.Rng(3), 0.5, 1.5);
  const w = arr(rms.weight), xs = arr(x);
  const y = arr(rms.forward(variable(x)));
  for (let r = 0; r < 2; r++) {
    const row = xs.slice(4 * r, 4 * r + 4);
    const inv = 1 / Math.sqrt(row.reduce((a, v) => a + v * v, 0) / 4 + 1e-12);
    row.forEach((v, j) => assert.ok(Math.abs(y[4 * r + j] - v * inv * w[j]) < 1e-5));
  }
  const ln = new nn.LayerNorm(4);
  const z = arr(ln.forward(variable(x)));
  for (let r = 0; r < 2; r++) {
    const row = xs.slice(4 * r, 4 * r + 4);
    const m = row.reduce((a, b) => a + b, 0) / 4;
    const v = row.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
    row.forEach((q, j) => assert.ok(Math.abs(z[4 * r + j] - (q - m) / Math.sqrt(v + 1e-5)) < 1e-5));
  }
});

test('Dropout: seeded, scaled by 1/(1−p) in training, identity in eval', () => {
  const x = variable(T.ones([2000]));
  const d1 = new nn.Dropout(0.25, new T.Rng(11)), d2 = new nn.Dropout(0.25, new T.Rng(11));
  const y1 = arr(d1.forward(x)), y2 = arr(d2.forward(x));
  assert.deepEqual(y1, y2, 'same seed, same mask');
  assert.ok(y1.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
  const zeros = y1.filter((v) => v === 0).length / y1.length;
  assert.ok(Math.abs(zeros - 0.25) < 0.04, `dropped fraction ${zeros}`);
  d1.eval();
  assert.equal(d1.forward(x), x);
});

test('initialisers: xavierUniform bounds, kaimingNormal std, zeros/ones', () => {
  const p = parameter(T.keep(T.zeros([200, 100])));
  nn.init.xavierUniform_(p, new T.Rng(1));
  const a = Math.sqrt(6 / 300);
  const v = arr(p);
  assert.ok(v.every((q) => Math.abs(q) <= a) && Math.max(...v.map(Math.abs)) > 0.9 * a);
  nn.init.kaimingNormal_(p, new T.Rng(2));
  const s = stats(arr(p)).std, want = Math.sqrt(2 / 100);
  assert.ok(Math.abs(s - want) / want < 0.03, `${s} vs ${want}`);
  nn.init.ones_(p);
  assert.ok(arr(p).every((q) => q === 1));
  nn.init.zeros(p);
  assert.ok(arr(p).every((q) => q === 0));
});
