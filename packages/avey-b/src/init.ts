// Official initialisation: Xavier-normal for every matrix (std = sqrt(2 / (fan_in + fan_out)),
// torch layout [fan_out, fan_in]), zero biases, RMSNorm weights 1, alpha 1.
import type { Rng, Tensor } from '@avey/tensor';

export function xavierNormal(rng: Rng, shape: [number, number]): Tensor {
  return rng.xavierNormal(shape);
}
