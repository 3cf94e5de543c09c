// Reverse-mode sweep over the tape.
//
//   1. topological order of the Variables reachable from the roots (iterative DFS, post-order);
//   2. seed the roots (a scalar gets ones), walk the order backwards, call each node's vjp with its
//      accumulated output gradient, and sum the results into the inputs' gradients;
//   3. leaves receive their total into `.grad` (accumulating across calls);
//   4. unless `retainGraph`, release each node (drop its vjp and inputs, dispose tensors it owns).
//
// Without `createGraph` the vjps run in noGrad mode inside a tensor scope, and the engine owns
// every gradient tensor it creates: an intermediate gradient is disposed as soon as the node that
// consumed it is done (reference-counted, because identity vjps pass the same tensor on).
// With `createGraph` the vjps are recorded like any other op, so gradients can be differentiated.

import * as T from '@avey/tensor';
import { AveyError, type Tensor } from '@avey/tensor';
import { enableGrad, noGrad } from './grad-mode.js';
import { Variable } from './variable.js';

export interface BackwardOptions {
  /** Keep the tape so backward can run through it again (default: createGraph). */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients (default: false). */
  createGraph?: boolean;
}

const fmt = (s: readonly number[]) => `[${s.join(',')}]`;

/** Post-order DFS: every Variable comes after all of its inputs. */
function topoOrder(roots: readonly Variable[]): Variable[] {
  const order: Variable[] = [];
  const seen = new Set<Variable>();
  const stack: { v: Variable; i: number }[] = [];
  for (const r of roots) {
    if (seen.has(r) || !r.requiresGrad) continue;
    seen.add(r);
    stack.push({ v: r, i: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = top.v.node?.inputs ?? [];
      if (top.i < inputs.length) {
        const c = inputs[top.i++];
        if (!seen.has(c) && c.requiresGrad) {
          seen.add(c);
          stack.push({ v: c, i: 0 });
        }
      } else {
        order.push(top.v);
        stack.pop();
      }
    }
  }
  return order;
}

/** Core sweep. Returns the gradients of `wanted` (in order, null where unreachable) when given;
 *  otherwise accumulates into the leaves' `.grad`. */
export function runBackward(
  roots: readonly Variable[],
  seeds: readonly (Variable | Tensor | null)[],
  opts: BackwardOptions = {},
  wanted?: readonly Variable[],
): (Variable | null)[] | undefined {
  const createGraph = opts.createGraph ?? false;
  const retain = opts.retainGraph ?? createGraph;
  for (const r of roots) {
    if (!r.requiresGrad) {
      throw new AveyError('backward', `the output ${fmt(r.shape)} does not require grad (no input requires grad, or it was computed under noGrad)`);
    }
  }
  const order = topoOrder(roots);

  // Only the part of the graph that leads to `wanted` matters for grad(); all of it for backward().
  const wantedSet = wanted ? new Set(wanted) : null;
  const relevant = new Set<Variable>();
  for (const v of order) {
    if (!wantedSet || wantedSet.has(v) || (v.node?.inputs ?? []).some((x) => relevant.has(x))) relevant.add(v);
  }

  // ---- ownership of gradient tensors (only without createGraph) --------------------------------
  // refs: how many pending gradients hold each engine-made tensor; a tensor the engine did not
  // make (the caller's seed, a forward value returned by a vjp) has no entry and is never disposed.
  // handedOut: tensors given to a leaf's .grad or returned by grad(): never disposed here.
  const refs = new Map<Tensor, number>();
  const handedOut = new Set<Tensor>();
  const own = (t: Tensor) => { refs.set(t, (refs.get(t) ?? 0) + 1); };
  const release = (t: Tensor) => {
    const n = refs.get(t);
    if (n === undefined) return;
    if (n > 1) { refs.set(t, n - 1); return; }
    refs.delete(t);
    if (!handedOut.has(t)) t.dispose();
  };
  /** A tensor with t's values that nobody else holds, for a leaf's .grad or a grad() result:
   *  t itself when this was its last reference, else a copy. */
  const takeExclusive = (t: Tensor): Tensor => {
    if (refs.get(t) === 1 && !handedOut.has(t)) {
      refs.delete(t);
      handedOut.add(t);
      return t;
    }
    const c = T.clone(t);
    release(t);
    handedOut.add(c);
    return c;
  };

  const grads = new Map<Variable, Variable>();
  const accumulate = (v: Variable, g: Variable) => {
    const prev = grads.get(v);
    if (!prev) { grads.set(v, g); return; }
    if (createGraph) { grads.set(v, prev.add(g)); return; }
    const sum = T.add(prev.value, g.value);
    own(sum);
    release(prev.value);
    release(g.value);
    grads.set(v, new Variable(sum));
  };

  // ---- seeds --------------------------------------------------------------------------------
  roots.forEach((r, k) => {
    const s = seeds[k];
    let g: Variable;
    if (s === null || s === undefined) {
      if (r.size !== 1) {
        throw new AveyError('backward', `a gradient can be implied only for scalar outputs; this output has shape ${fmt(r.shape)}, pass one`);
      }
      const ones = T.onesLike(r.value);
      g = new Variable(ones);
      if (!createGraph) own(ones);
    } else {
      g = s instanceof Variable ? s : new Variable(s);   // not owned: never disposed here
      if (fmt(g.shape) !== fmt(r.shape)) {
        throw new AveyError('backward', `gradient shape ${fmt(g.shape)} does not match the output shape ${fmt(r.shape)}`);
      }
    }
    accumulate(r, g);
  });

  const results = new Map<Variable, Variable>();
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const v = order[k];
      const g = grads.get(v);
      if (!g || !relevant.has(v)) continue;
      grads.delete(v);
      if (wantedSet?.has(v)) {
        // the caller owns the result (it lives in the caller's scope)
        results.set(v, createGraph ? g : new Variable(takeExclusive(g.value)));
        if (!createGraph && refs.has(g.value)) own(g.value);   // still used below
      }
      const node = v.node;
      if (node === null) {
        if (!wantedSet) deliverToLeaf(v, g);
        else if (!createGraph) release(g.value);
        continue;
      }
      if (node.vjp === null) {
        throw new AveyError('backward', `the graph through '${node.op}' was already released by an earlier backward(); pass { retainGraph: true } to backpropagate through it twice`);
      }
      const inputs = node.inputs;
      const needs = inputs.map((x) => x.requiresGrad && relevant.has(x));
      const vjp = node.vjp;
      let ins: (Variable | null)[];
      if (createGraph) {
        ins = enableGrad(() => [...vjp(g, needs)]);
      } else {
        const before = new Set<Tensor>([g.value, v.value, ...inputs.map((x) => x.value), ...node.owned]);
        // temporaries die with this scope; the returned gradients move to the caller's scope
        ins = noGrad(() => T.scope(() => vjp(g, needs).map((x, i) => (x && needs[i] ? x : null))));
        for (const x of ins) {
          // engine-made (again, or fresh from this vjp) → one more reference; pre-existing → not ours
          if (x && (refs.has(x.value) || !before.has(x.value))) own(x.value);
        }
      }
      ins.forEach((gi, i) => {
        if (!gi || !needs[i]) return;
        if (fmt(gi.shape) !== fmt(inputs[i].shape)) {
          throw new AveyError('backward', `${node.op}: gradient for input ${i} has shape ${fmt(gi.shape)} but the input has shape ${fmt(inputs[i].shape)}`);
        }
        accumulate(inputs[i], gi);
      });
      if (!createGraph) release(g.value);
    }
  } finally {
    if (!createGraph) for (const [, g] of grads) release(g.value);
    if (!retain) for (const v of order) releaseNode(v);
  }

  if (wanted) return wanted.map((w) => results.get(w) ?? null);

  function deliverToLeaf(v: Variable, g: Variable): void {
    if (createGraph) {
      v.grad = v.grad ? v.grad.add(g) : g;
      return;
    }
    if (v.grad) {
      const sum = T.keep(T.add(v.grad.value, g.value));
      v.grad.value.dispose();
      release(g.value);
      v.grad = new Variable(sum);
    } else {
      v.grad = new Variable(T.keep(takeExclusive(g.value)));
    }
  }
  return undefined;
}

function releaseNode(v: Variable): void {
  const node = v.node;
  if (!node || node.vjp === null) return;
  node.vjp = null;
  node.inputs = [];
  for (const t of node.owned) t.dispose();
  node.owned = [];
}

/** Gradients of `outputs` with respect to `inputs` (torch.autograd.grad). Leaves' `.grad` are
 *  not touched. With `createGraph` the results are themselves differentiable. */
export function grad(
  outputs: Variable | readonly Variable[],
  inputs: Variable | readonly Variable[],
  opts: BackwardOptions & { gradOutputs?: readonly (Variable | Tensor | null)[]; allowUnused?: boolean } = {},
): Variable[] {
  const outs = outputs instanceof Variable ? [outputs] : [...outputs];
  const ins = inputs instanceof Variable ? [inputs] : [...inputs];
  const seeds = opts.gradOutputs ?? outs.map(() => null);
  const res = runBackward(outs, seeds, opts, ins) ?? [];
  return res.map((g, i) => {
    if (g) return g;
    if (!opts.allowUnused) {
      throw new AveyError('grad', `input ${i} (shape ${fmt(ins[i].shape)}) is not reachable from the outputs; pass { allowUnused: true } to get zeros`);
    }
    return new Variable(T.zerosLike(ins[i].value));
  });
}
