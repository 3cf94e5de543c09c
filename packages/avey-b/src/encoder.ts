// What every encoder (Avey-B, the Transformer baseline) offers to the heads.
import type { Tensor } from '@avey/tensor';
import { ShapeError, DTypeError } from '@avey/tensor';
import type { Variable } from '@avey/autograd';
import type { MaskMode } from './config.js';

export interface EncodeOptions {
  /** (B, T) 1 for real tokens, 0 for pads (int32, bool or float32). Right padding expected. */
  attentionMask?: Tensor;
  /** Overrides the config's mask_mode for this call. */
  maskMode?: MaskMode;
}

export interface Encoder {
  readonly hiddenSize: number;
  readonly maskMode: MaskMode;
  /** input_ids (B, T) int32 → last_hidden_state (B, T, d). */
  encode(inputIds: Tensor, opts?: EncodeOptions): Variable;
  /** The (V, d) input embedding that a tied MLM head reuses. */
  tiedEmbedding(): Variable;
}

export function checkInputIds(ids: Tensor, vocab: number, op: string): void {
  if (ids.rank !== 2) throw new ShapeError(op, `input_ids must be (B, T), got shape [${ids.shape.join(', ')}]`);
  if (ids.dtype !== 'int32') throw new DTypeError(op, `input_ids must be int32, got ${ids.dtype}`);
  if (ids.shape[1] === 0) throw new ShapeError(op, `input_ids has T = 0`);
  if (ids.backend === 'cpu' || ids.backend.startsWith('cpu')) {
    const d = ids.dataSync() as Int32Array;
    for (let i = 0; i < d.length; i++) {
      if (d[i] < 0 || d[i] >= vocab) throw new ShapeError(op, `input_ids[${i}] = ${d[i]} is outside [0, ${vocab})`);
    }
  }
}

/** The mask as float32 (B, T), validated against input_ids' shape. */
export function checkMask(mask: Tensor, shape: readonly number[], op: string): Tensor {
  if (mask.rank !== 2 || mask.shape[0] !== shape[0] || mask.shape[1] !== shape[1]) {
    throw new ShapeError(op, `attention_mask shape [${mask.shape.join(', ')}] != input_ids shape [${shape.join(', ')}]`);
  }
  return mask.dtype === 'float32' ? mask : mask.cast('float32');
}
