// The backend contract: the small set of primitives every backend implements.
//
// Everything else in the tensor package (broadcasting, views, softmax, cat, norms, …) is composed
// from these in `ops/`, so a new backend gets every op by implementing this file's interface.
// A backend may also register faster kernels for composed ops in the kernel registry
// (`registry.ts`, keyed by (op, backend)); the composed version is the fallback and the oracle.
//
// Conventions
// - Every input is a `StridedRef`: a buffer plus a view (shape, strides and offset in elements).
//   Views may be non-contiguous and may have stride 0 (broadcast / expand). Backends must honour
//   the view; they may copy to contiguous internally.
// - Every output is a NEW contiguous (row-major) buffer owned by the caller.
// - Shapes are already validated and broadcast by the frontend: a backend never throws ShapeError.
// - Integer indices are int32. Booleans are stored one byte per element (0 or 1).
// - dtypes are settled by the frontend: binary/where operands arrive in ONE common dtype (the
//   frontend casts first), comparisons and and/or output bool, everything else outputs the
//   operand dtype. Strides may be negative (slices with negative steps) or 0 (broadcast).
// - The frontend may `free` a temporary buffer (e.g. a 1-element scalar operand) right after the
//   primitive that read it returns; a backend with queued work must defer the real release.
// - Buffer sizes may be 0; the frontend skips most kernels on empty tensors but not all.

export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export interface DTypeArrayMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;
export type ArrayFor<D extends DType> = DTypeArrayMap[D];

/** Opaque handle to backend memory. `size` counts elements, not bytes. */
export interface BackendBuffer {
  readonly backend: string;
  readonly dtype: DType;
  readonly size: number;
}

export interface View {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

export interface StridedRef {
  readonly buffer: BackendBuffer;
  readonly view: View;
}

export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'reciprocal' | 'square'
  | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'erf' | 'gelu' | 'floor' | 'ceil' | 'round'
  | 'not' | 'copy';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'mod'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or';

/** Reductions over the LAST axis of a 2-D [outer, inner] ref. argmax/argmin return int32,
 *  first index on ties. sum/prod of an empty axis give 0/1; max/min of an empty axis is an error
 *  the frontend raises before calling. */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

export interface Backend {
  readonly name: string;
  /** Set when this backend emulates an accelerator on the CPU (a software WebGPU adapter such as
   *  llvmpipe, gpu.js in cpu/webasm mode): the reason, e.g. 'software adapter llvmpipe'. Such a
   *  backend is correct but slower than the CPU backend, so `setBackend('auto')` skips it. */
  readonly emulated?: string;
  /** Whether `readSync` works (CPU: yes; WebGPU: no). */
  readonly syncRead: boolean;
  supportsDType(dtype: DType): boolean;

  // ---- memory -------------------------------------------------------------------------------
  /** A new buffer filled with `data` (copied). */
  upload<D extends DType>(dtype: D, data: ArrayFor<D>): BackendBuffer;
  /** A new buffer of `size` elements, every element `value`. */
  fill(dtype: DType, size: number, value: number): BackendBuffer;
  /** Optional: a new buffer of `size` elements with unspecified contents, for an op that writes
   *  every element (cat); without it the op uses `fill(…, 0)`. */
  empty?(dtype: DType, size: number): BackendBuffer;
  /** The contiguous contents of `ref`'s view. */
  read(ref: StridedRef): Promise<TypedArray>;
  readSync?(ref: StridedRef): TypedArray;
  /** Release the buffer; using it afterwards is an error. */
  free(buffer: BackendBuffer): void;
  /** Bytes currently held by this backend (live buffers; pools may hold more). */
  bytesInUse(): number;

  // ---- primitives ---------------------------------------------------------------------------
  /** y = op(x) elementwise, output shape = x.view.shape. `copy` makes a contiguous copy. */
  unary(op: UnaryOp, x: StridedRef, outDType: DType): BackendBuffer;
  /** y = op(a, b); a and b are already broadcast to `shape` (stride-0 axes). Comparisons and
   *  and/or give bool. */
  binary(op: BinaryOp, a: StridedRef, b: StridedRef, shape: readonly number[], outDType: DType): BackendBuffer;
  /** y = cond ? a : b, all three broadcast to `shape`. */
  where(cond: StridedRef, a: StridedRef, b: StridedRef, shape: readonly number[]): BackendBuffer;
  /** Elementwise conversion; float→int truncates toward zero, anything→bool is (x != 0). */
  cast(x: StridedRef, dtype: DType): BackendBuffer;
  /** x: [outer, inner] → y: [outer]. */
  reduce(op: ReduceOp, x: StridedRef): BackendBuffer;
  /** a: [B, M, K], b: [B, K, N] (any strides, batch stride may be 0) → [B, M, N]. float only. */
  matmul(a: StridedRef, b: StridedRef): BackendBuffer;
  /** x: [O, A, I], index: int32 [O, N, I] → y[o, n, i] = x[o, index[o, n, i], i]. */
  gather(x: StridedRef, index: StridedRef): BackendBuffer;
  /** y = copy of x: [O, A, I]; then y[o, index[o, n, i], i] += src[o, n, i]. index, src: [O, N, I]. */
  scatterAdd(x: StridedRef, index: StridedRef, src: StridedRef): BackendBuffer;
  /** x: [O, A] → the k largest per row, descending; ties keep the lower index first.
   *  values: [O, k] (x's dtype), indices: int32 [O, k]. */
  topk(x: StridedRef, k: number): { values: BackendBuffer; indices: BackendBuffer };
  /** IN PLACE: write `src` (shape = dstView.shape) into `dst` at `dstView`. The frontend calls it
   *  only on a buffer it has just allocated and nobody else holds (cat, pad, slice assignment). */
  assign(dst: BackendBuffer, dstView: View, src: StridedRef): void;

  /** Wait for queued work (GPU); a no-op on CPU. */
  sync(): Promise<void>;
  /** Release every resource (GPU device, workers) so the process can exit. */
  dispose(): void;
}
