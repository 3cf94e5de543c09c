// Evaluates a parsed program on @avey/autograd and reads back the tape it recorded: every Variable
// reachable from the output through `node.inputs`, with its value, the op that made it and its
// gradient ∂out/∂v (grad() for every node, the same numbers backward() leaves in the leaves' .grad).
import * as T from '@avey/tensor';
import { grad, variable, type Variable } from '@avey/autograd';
import type { Expr, Program } from './parse.js';

export interface GraphNode {
  id: number;
  label: string;
  /** the op that produced it ('' for a leaf or constant) */
  op: string;
  inputs: number[];
  value: number;
  grad: number | null;
  leaf: boolean;
}

function build(e: Expr, leaves: Map<string, Variable>): Variable {
  switch (e.kind) {
    case 'num': return variable(T.tensor(e.value));
    case 'var': return leaves.get(e.name) as Variable;
    case 'neg': return build(e.arg, leaves).neg();
    case 'bin': {
      const a = build(e.a, leaves);
      if (e.op === '**') {
        if (e.b.kind !== 'num' && !(e.b.kind === 'neg' && e.b.arg.kind === 'num')) {
          throw new SyntaxError('the exponent of ** must be a number (x ** 2, x ** -1)');
        }
        return a.pow(e.b.kind === 'num' ? e.b.value : -(e.b.arg as { value: number }).value);
      }
      const b = build(e.b, leaves);
      return e.op === '+' ? a.add(b) : e.op === '-' ? a.sub(b) : e.op === '*' ? a.mul(b) : a.div(b);
    }
    case 'call': {
      const x = build(e.arg, leaves);
      switch (e.fn) {
        case 'tanh': return x.tanh();
        case 'relu': return x.relu();
        case 'exp': return x.exp();
        case 'log': return x.log();
        case 'sigmoid': return x.sigmoid();
        case 'sin': return x.sin();
        case 'cos': return x.cos();
        case 'sqrt': return x.sqrt();
      }
    }
  }
}

/** Runs the program, calls backward(), returns the recorded graph (output last). */
export async function runProgram(p: Program): Promise<GraphNode[]> {
  const leaves = new Map<string, Variable>();
  for (const l of p.leaves) leaves.set(l.name, variable(T.tensor(l.value), { requiresGrad: true }));
  const out = build(p.expr, leaves);
  // the tape, output first (depth-first over node.inputs), each Variable once
  const order: Variable[] = [];
  const seen = new Set<Variable>();
  const visit = (v: Variable): void => {
    if (seen.has(v)) return;
    seen.add(v);
    for (const i of v.node?.inputs ?? []) visit(i);
    order.push(v);
  };
  visit(out);
  // read the structure now: backward() releases the tape (node.inputs) once it has run
  const names = new Map<Variable, string>([...leaves].map(([k, v]) => [v, k]));
  const id = new Map(order.map((v, i) => [v, i] as const));
  const structure = order.map((v) => ({ op: v.node?.op ?? '', inputs: (v.node?.inputs ?? []).map((x) => id.get(x) as number) }));
  const differentiable = order.filter((v) => v.requiresGrad);
  const grads = out.requiresGrad ? grad(out, differentiable, { retainGraph: true, allowUnused: true }) : [];
  if (out.requiresGrad) out.backward(); // fills the leaves' .grad, as in micrograd
  const nodes: GraphNode[] = [];
  for (const [i, v] of order.entries()) {
    const gi = differentiable.indexOf(v);
    const leaf = structure[i].op === '';
    const gv = leaf && v.grad ? v.grad : gi >= 0 ? grads[gi] : null;
    nodes.push({
      id: i,
      label: names.get(v) ?? (leaf ? 'const' : v === out ? 'out' : ''),
      op: structure[i].op,
      inputs: structure[i].inputs,
      value: (await v.value.data())[0],
      grad: gv ? (await gv.value.data())[0] : null,
      leaf,
    });
  }
  return nodes;
}
