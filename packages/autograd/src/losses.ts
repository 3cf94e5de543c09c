// Losses (torch.nn.functional semantics).

import * as T from '@avey/tensor';
import { AveyError, type Tensor } from '@avey/tensor';
import { Variable, record } from './variable.js';
import { abs, add, exp, log, mul, neg, relu, square, sub } from './ops/elementwise.js';
import { mean, softmax, sum } from './ops/reduce.js';
import { scatterAdd } from './ops/indexing.js';
import { reshape, unsqueeze } from './ops/shape.js';

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(x: Variable, reduction: Reduction): Variable {
  return reduction === 'mean' ? mean(x) : reduction === 'sum' ? sum(x) : x;
}

/** Cross-entropy of logits (…, C) against int32 labels (…); labels equal to ignoreIndex count for
 *  nothing, and 'mean' divides by the number of non-ignored labels (torch; NaN if there are none).
 *
 *  ℓ_n = logsumexp(z_n) − z_n[y_n]       loss = Σ_n v_n ℓ_n / Σ_n v_n       (v_n = [y_n ≠ ignore])
 *  dz_n = w_n·(softmax(z_n) − onehot(y_n)),  w_n = g·v_n / Σ v  (mean) or g·v_n (sum)            */
export function crossEntropy(
  logits: Variable,
  labels: Tensor | Variable,
  opts: { ignoreIndex?: number; reduction?: Reduction } = {},
): Variable {
  const ignore = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  const lab = labels instanceof Variable ? labels.value : labels;
  const c = logits.shape[logits.rank - 1];
  const n = logits.size / Math.max(c, 1);
  if (lab.dtype !== 'int32' || lab.size !== n || logits.rank !== lab.rank + 1) {
    throw new AveyError('crossEntropy', `expected logits (…, C) and int32 labels (…); got logits [${logits.shape.join(',')}] ${logits.dtype} and labels [${lab.shape.join(',')}] ${lab.dtype}`);
  }
  const z = logits.rank === 2 ? logits : reshape(logits, [n, c]);       // (N, C)
  // valid, safe and count live as long as the node (moved to the caller's scope with the output).
  return T.scope(() => {
    const y = T.reshape(lab, [n]);                                      // (N)
    const valid = T.cast(T.ne(y, ignore), z.dtype);                      // (N) v_n
    const safe = T.unsqueeze(T.where(T.ne(y, ignore), y, 0), 1);          // (N, 1) int32
    const picked = T.squeeze(T.gather(z.value, 1, safe), 1);            // (N) z_n[y_n]
    const per = T.mul(T.sub(T.logsumexp(z.value, 1), picked), valid);    // (N) v_n ℓ_n
    const count = T.sum(valid);                                          // ()
    const value = reduction === 'none' ? T.reshape(per, [...lab.shape])
      : reduction === 'sum' ? T.sum(per) : T.div(T.sum(per), count);
    const out = record('crossEntropy', value, [z], (g) => {
      // w: (N, 1)
      let w = reduction === 'none' ? mul(reshape(g, [n]), new Variable(valid)) : mul(g, new Variable(valid));
      if (reduction === 'mean') w = mul(w, new Variable(T.reciprocal(count)));
      const wk = unsqueeze(w, 1);
      const onehot = scatterAdd(new Variable(T.zerosLike(z.value)), 1, safe, wk);
      return [sub(mul(softmax(z, -1), wk), onehot)];
    }, [valid, safe, count]);
    return { out, owned: [valid, safe, count] };
  }).out;
}

/** Mean (or sum) of squared errors. */
export function mse(pred: Variable, target: Variable | Tensor, opts: { reduction?: Reduction } = {}): Variable {
  return reduce(square(sub(pred, target)), opts.reduction ?? 'mean');
}

/** Binary cross-entropy on logits, the stable form max(x, 0) − x·y + log(1 + e^−|x|). */
export function bceWithLogits(logits: Variable, targets: Variable | Tensor, opts: { reduction?: Reduction; posWeight?: number } = {}): Variable {
  const y = targets instanceof Variable ? targets : new Variable(targets);
  const softplusNeg = log(add(exp(neg(abs(logits))), 1));                 // log(1 + e^−|x|)
  let l: Variable;
  if (opts.posWeight === undefined) {
    l = add(sub(relu(logits), mul(logits, y)), softplusNeg);
  } else {
    // torch: (1 − y)·x + (1 + (pw − 1)·y)·(log(1 + e^−|x|) + max(−x, 0))
    const lw = add(mul(y, opts.posWeight - 1), 1);
    l = add(mul(sub(1, y), logits), mul(lw, add(softplusNeg, relu(neg(logits)))));
  }
  return reduce(l, opts.reduction ?? 'mean');
}
