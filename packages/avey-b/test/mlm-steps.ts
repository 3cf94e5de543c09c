// Test helper: a few MLM training steps on one batch, for the "it trains" tests of the heads, the
// ablation switches and the Transformer baseline.
import { tensor, type Tensor } from '@avey/tensor';
import { optim, type Variable } from '@avey/autograd';

interface MlmModel {
  parameters(): Variable[];
  forward(x: Tensor, o: { labels: Tensor }): { loss: Variable | null };
}

/** The loss of each of `steps` AdamW steps (lr 1e-2) on the batch x (B, T), every third token a
 *  label (the rest −100, ignored). */
export function mlmLosses(model: MlmModel, x: Tensor, steps = 8): number[] {
  const labels = tensor(Int32Array.from(x.dataSync() as Int32Array, (v, i) => (i % 3 === 0 ? v : -100)), { dtype: 'int32', shape: x.shape as number[] });
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-2 });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const { loss } = model.forward(x, { labels });
    if (!loss) throw new Error('mlmLosses: the model returned no loss');
    losses.push(loss.item());
    loss.backward();
    opt.step();
  }
  return losses;
}
