// `avey pretrain --batches FILE.safetensors`: pre-tokenized MLM batches replayed in order instead of
// sampling the corpus (no tokenizer needed). The file holds two integer tensors of one shape
// [N, B, T]: `input_ids` (what the model reads, masks already applied) and `labels` (the target id,
// or −100 where the position is not scored). `batch.input_ids` / `batch.labels` are accepted too
// (the names of the trajectory fixture). Batch i is the i-th micro-batch of the run.
import { FileError, UsageError } from '../errors.js';

export interface BatchFile {
  path: string;
  /** Number of batches N, sequences per batch B, tokens per sequence T. */
  count: number;
  batch: number;
  seqLen: number;
  inputIds: Int32Array; // (N, B, T)
  labels: Int32Array; // (N, B, T)
}

/** Where a FileBatches source stands (trainer_state.json): the next batch index. */
export interface BatchFileState extends Record<string, unknown> {
  kind: 'batch-file';
  next: number;
}

const IGNORE = -100;

/** Reads and checks a --batches file: names, integer dtypes, equal 3-axis shapes, labels −100 or ≥ 0. */
export async function readBatchFile(path: string): Promise<BatchFile> {
  const { safetensors } = await import('@avey/autograd');
  const what = `--batches '${path}'`;
  let tensors: Map<string, { dtype: string; shape: readonly number[]; data: ArrayLike<number> }>;
  try {
    tensors = safetensors.readRaw(path).tensors;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(path, `${what} cannot be read: ${code === 'ENOENT' ? 'no such file' : (e as Error).message.replace(/^\w+: /, '')}. It must be a safetensors file with integer tensors input_ids and labels of shape [N, B, T].`, { cause: e });
  }
  const pick = (name: string) => tensors.get(name) ?? tensors.get(`batch.${name}`);
  const ids = pick('input_ids');
  const labels = pick('labels');
  for (const [name, t] of [['input_ids', ids], ['labels', labels]] as const) {
    if (!t) throw new FileError(path, `${what} has no tensor '${name}' (it holds ${[...tensors.keys()].join(', ') || 'nothing'}); it needs input_ids and labels, integer, shape [N, B, T].`);
    if (t.dtype !== 'int32') throw new FileError(path, `${what}: '${name}' must hold integers (I64 or I32), got a ${t.dtype} tensor.`);
    if (t.shape.length !== 3 || t.shape.some((s) => s < 1)) throw new FileError(path, `${what}: '${name}' must have shape [N, B, T] (batches, sequences, tokens), got [${t.shape.join(', ')}].`);
  }
  const [N, B, T] = ids!.shape;
  if (labels!.shape.some((s, i) => s !== ids!.shape[i])) {
    throw new FileError(path, `${what}: labels [${labels!.shape.join(', ')}] and input_ids [${ids!.shape.join(', ')}] must have the same shape.`);
  }
  const inputIds = Int32Array.from(ids!.data);
  const lab = Int32Array.from(labels!.data);
  for (let i = 0; i < inputIds.length; i++) {
    if (inputIds[i] < 0) throw new FileError(path, `${what}: input_ids has a negative token id ${inputIds[i]} (${position(i, B, T)}).`);
    if (lab[i] < 0 && lab[i] !== IGNORE) throw new FileError(path, `${what}: labels has ${lab[i]} (${position(i, B, T)}); a label is a token id or -100 (not scored).`);
  }
  return { path, count: N, batch: B, seqLen: T, inputIds, labels: lab };
}

function position(i: number, B: number, T: number): string {
  const n = Math.floor(i / (B * T));
  const b = Math.floor((i % (B * T)) / T);
  return `batch ${n}, sequence ${b}, token ${i % T}`;
}

/** Checks that every id of the file fits a model with `vocabSize` tokens (usage error, exit 2). */
export function checkBatchesFitVocab(f: BatchFile, vocabSize: number, modelWhere: string): void {
  for (const [name, a] of [['input_ids', f.inputIds], ['labels', f.labels]] as const) {
    for (let i = 0; i < a.length; i++) {
      if (a[i] >= vocabSize) {
        throw new UsageError(`--batches '${f.path}': ${name} has token id ${a[i]} (${position(i, f.batch, f.seqLen)}) but the model (${modelWhere}) has vocab_size ${vocabSize}; ids must be < ${vocabSize}.`, 'pretrain');
      }
    }
  }
}

/** Checks that the file has a batch for every micro-batch of the run (usage error, exit 2). */
export function checkBatchesSuffice(f: BatchFile, steps: number, gradAccum: number): void {
  if (steps * gradAccum > f.count) {
    throw new UsageError(`--batches '${f.path}' holds ${f.count} batches but --steps ${steps}${gradAccum > 1 ? ` × --grad-accum ${gradAccum}` : ''} needs ${steps * gradAccum}; lower --steps or add batches.`, 'pretrain');
  }
}

/** The file's batches in order, with the MlmBatcher interface (next / state). */
export class FileBatches {
  private i: number;
  constructor(private readonly f: BatchFile, state?: BatchFileState) {
    this.i = state?.next ?? 0;
  }

  next(): { inputIds: Int32Array; labels: Int32Array; shape: [number, number] } | null {
    if (this.i >= this.f.count) return null;
    const n = this.f.batch * this.f.seqLen;
    const at = this.i++ * n;
    return { inputIds: this.f.inputIds.slice(at, at + n), labels: this.f.labels.slice(at, at + n), shape: [this.f.batch, this.f.seqLen] };
  }

  state(): BatchFileState {
    return { kind: 'batch-file', next: this.i };
  }
}
