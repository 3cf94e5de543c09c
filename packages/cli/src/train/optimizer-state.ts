// The optimizer's part of a training checkpoint, the same for every session (pretrain, fine-tune,
// retrieval): DIR/optimizer.safetensors holds the AdamW moments as tensors, and the step counts
// and hyperparameters as JSON in its metadata ("optimizer").
import { join } from 'node:path';
import type { optim as Optim } from '@avey/autograd';

const FILE = 'optimizer.safetensors';

export async function saveOptimizerState(dir: string, optimizer: Optim.AdamW): Promise<void> {
  const { safetensors } = await import('@avey/autograd');
  const sd = optimizer.stateDict();
  await safetensors.write(join(dir, FILE), sd.tensors, { optimizer: JSON.stringify(sd.meta) });
}

export async function loadOptimizerState(dir: string, optimizer: Optim.AdamW): Promise<void> {
  const { safetensors } = await import('@avey/autograd');
  const { tensors, metadata } = safetensors.read(join(dir, FILE));
  optimizer.loadStateDict({ meta: JSON.parse(metadata.optimizer) as Optim.OptimizerStateMeta, tensors });
}
