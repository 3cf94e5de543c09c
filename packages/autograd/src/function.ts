// Custom differentiable functions (fused ops), torch.autograd.Function style:
//
//   class Scale2 extends Function {
//     static override forward(ctx: FunctionCtx, x: Tensor): Tensor { return mul(x, 2); }
//     static override backward(ctx: FunctionCtx, g: Variable) { return [g.mul(2)]; }
//   }
//   const y = Scale2.apply(xVar);
//
// forward runs on raw tensors (no tape). backward gets the output gradient as a Variable and
// returns one gradient per input (Variable, Tensor or null). Saved tensors that are an input's or
// the output's value come back from `ctx.savedVariables` as those Variables, so a backward
// written in Variable ops supports higher-order gradients; other saved tensors are owned by the
// node and disposed when the graph is released.

import { AveyError, type Tensor } from '@avey/tensor';
import { Variable, record } from './variable.js';

export class FunctionCtx {
  /** Whether each input wants a gradient (skip work for the others). */
  needsInputGrad: readonly boolean[] = [];
  /** Free-form non-tensor state (shapes, axes, flags) for backward. */
  readonly attrs: Record<string, unknown> = {};
  private saved: Tensor[] = [];
  /** @internal resolved at apply time */
  variablesOf: Map<Tensor, Variable> = new Map();

  saveForBackward(...tensors: Tensor[]): void {
    this.saved = tensors;
  }
  get savedTensors(): readonly Tensor[] {
    return this.saved;
  }
  /** Saved tensors as Variables: inputs/output keep their graph, others are constants. */
  get savedVariables(): Variable[] {
    return this.saved.map((t) => this.variablesOf.get(t) ?? new Variable(t));
  }
  /** @internal */
  release(): void {
    this.saved = [];
    this.variablesOf.clear();
  }
}

type Grad = Variable | Tensor | null;

export class AutogradFunction {
  static forward(_ctx: FunctionCtx, ..._inputs: Tensor[]): Tensor {
    throw new AveyError(this.name, 'Function subclasses must implement static forward(ctx, ...inputs)');
  }
  static backward(_ctx: FunctionCtx, _gradOut: Variable): Grad[] {
    throw new AveyError(this.name, 'Function subclasses must implement static backward(ctx, gradOut)');
  }

  /** Run forward on the inputs' values and record the node. */
  static apply(...inputs: (Variable | Tensor)[]): Variable {
    const vars = inputs.map((x) => (x instanceof Variable ? x : new Variable(x)));
    const ctx = new FunctionCtx();
    ctx.needsInputGrad = vars.map((v) => v.requiresGrad);
    const value = this.forward(ctx, ...vars.map((v) => v.value));
    const ioTensors = new Set<Tensor>([value, ...vars.map((v) => v.value)]);
    const owned = ctx.savedTensors.filter((t) => !ioTensors.has(t));
    const name = this.name;
    const backward = this.backward.bind(this);
    const out: Variable = record(name, value, vars, (g, needs) => {
      ctx.needsInputGrad = needs;
      const gs = backward(ctx, g);
      if (gs.length !== vars.length) {
        throw new AveyError(name, `backward returned ${gs.length} gradients for ${vars.length} inputs`);
      }
      return gs.map((x) => (x === null ? null : x instanceof Variable ? x : new Variable(x)));
    }, owned);
    vars.forEach((v) => ctx.variablesOf.set(v.value, v));
    ctx.variablesOf.set(value, out);
    if (!out.node) ctx.release();
    return out;
  }
}
