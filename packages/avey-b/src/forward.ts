// `avey forward`: run a checkpoint on token ids from a safetensors file and write the outputs
// (and optionally every parameter's gradient) to another safetensors file.
//
// Input names: `input_ids` I64/I32 [B, T] (or `input.input_ids`), optional `labels` (or
// `input.<head>_labels`), `attention_mask`, and for qa `start_positions` / `end_positions`.
// Output names: `last_hidden_state` [B, T, d], `logits`, `loss` [] (when labels were given) and,
// with grads, `grad.<official name>` per parameter.
import { AveyError, setBackend, zerosLike, type Tensor } from '@avey/tensor';
import { safetensors, type nn } from '@avey/autograd';
import { loadCheckpoint } from './checkpoint.js';
import type { HeadName } from './avey-heads.js';
import type { HeadInput, HeadOutput } from './heads.js';
import { namedParams } from './modules.js';

export interface RunForwardOptions {
  checkpoint: string;
  input: string;
  output: string;
  head?: HeadName;
  /** Also write `grad.<name>` for every parameter (needs labels). */
  grads?: boolean;
  /** 'cpu' | 'webgpu' | 'gpujs' | 'auto' (default: keep the current backend). */
  backend?: string;
}

export interface RunForwardResult {
  head: HeadName;
  /** Names written to the output file. */
  written: string[];
  loss: number | null;
}

function pick(tensors: Map<string, Tensor>, names: string[]): Tensor | undefined {
  for (const n of names) {
    const t = tensors.get(n);
    if (t) return t;
  }
  return undefined;
}

/** The model inputs held by a safetensors file (names in the header above); `ids` is undefined
 *  when the file has no input ids. */
export function readForwardInputs(tensors: Map<string, Tensor>, head: HeadName): { ids: Tensor | undefined; input: HeadInput } {
  const input: HeadInput = {};
  const labels = pick(tensors, ['labels', `input.${head}_labels`]);
  if (labels) input.labels = labels;
  const mask = pick(tensors, ['attention_mask', 'input.attention_mask']);
  if (mask) input.attentionMask = mask;
  const sp = pick(tensors, ['start_positions']);
  const ep = pick(tensors, ['end_positions']);
  if (sp) input.startPositions = sp;
  if (ep) input.endPositions = ep;
  return { ids: pick(tensors, ['input_ids', 'input.input_ids']), input };
}

/** One forward pass (and, with `grads` and a loss, its backward), outputs named as `avey forward`
 *  writes them: last_hidden_state (B, T, d), logits, loss [] and grad.<official name>. */
export function forwardOutputs(model: nn.Module, ids: Tensor, input: HeadInput, grads: boolean): { result: Map<string, Tensor>; out: HeadOutput } {
  const out = (model as unknown as { forward(ids: Tensor, o: HeadInput): HeadOutput }).forward(ids, input);
  const result = new Map<string, Tensor>([
    ['last_hidden_state', out.lastHiddenState.value],
    ['logits', out.logits.value],
  ]);
  if (out.loss) result.set('loss', out.loss.value);
  if (grads && out.loss) {
    out.loss.backward();
    for (const [name, p] of namedParams(model)) result.set(`grad.${name}`, p.grad ? p.grad.value : zerosLike(p.value));
  }
  return { result, out };
}

export async function runForward(opts: RunForwardOptions): Promise<RunForwardResult> {
  if (opts.backend) await setBackend(opts.backend as Parameters<typeof setBackend>[0]);
  const { model, head } = loadCheckpoint(opts.checkpoint, opts.head ? { head: opts.head } : {});
  const { tensors } = safetensors.read(opts.input);
  const { ids, input } = readForwardInputs(tensors, head);
  if (!ids) throw new AveyError('runForward', `${opts.input}: no 'input_ids' tensor (have: ${[...tensors.keys()].join(', ')})`);
  if (opts.grads && !input.labels) throw new AveyError('runForward', `--grads needs labels in ${opts.input} ('labels' or 'input.${head}_labels')`);
  const { result, out } = forwardOutputs(model as nn.Module, ids, input, opts.grads === true);
  await safetensors.write(opts.output, result, { head });
  return { head, written: [...result.keys()], loss: out.loss ? out.loss.item() : null };
}
