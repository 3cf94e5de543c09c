// The gpu.js backend: every primitive of ../backend.ts as a gpu.js kernel, compiled once per
// shape signature (kernel-cache.ts). Storage is host Float32Arrays (buffer.ts); gpu.js moves
// them into its own memory per call, so in GPU modes each primitive pays an upload and a readback.
// Host code only validates indices, drives multi-pass kernels, and runs two documented fallbacks
// (scatterAdd beyond SCATTER_KERNEL_MAX_WORK, assign into views that overlap or run backwards).

import type {
  ArrayFor, Backend, BackendBuffer, BinaryOp, DType, ReduceOp, StridedRef, TypedArray, UnaryOp, View,
} from '../backend.js';
import { BackendError, DTypeError } from '../errors.js';
import { assignSource } from './assign.js';
import { asGpuJs, checkDType, fromStorage, GPUJS_DTYPES, GpuJsBuffer, toStorage } from './buffer.js';
import { binarySnippet, elementwiseSource, type ElementwiseOperand, type Snippet, unarySnippet, whereSnippet } from './elementwise.js';
import { assignHost, checkIndices, scatterAddHost } from './host.js';
import { gatherSource, SCATTER_KERNEL_MAX_WORK, scatterAddSource, topkPassSource } from './index-ops.js';
import { type Fallback, KernelCache, type KernelEntry, type KernelStats } from './kernel-cache.js';
import { matmulOutput, matmulSource } from './linalg.js';
import { type GpuJsInstance, type GpuJsMode, type GpuJsModeRequest, type GpuJsModule, isGpuMode } from './modes.js';
import { argCombineSource, reduceChunksSource } from './reduce.js';
import { contiguousStrides, MAX_ELEMENTS, product } from './strided.js';

export interface GpuJsBackendConfig {
  gpujs: GpuJsModule;
  mode: GpuJsMode;
  requested: GpuJsModeRequest;
  /** Rows longer than this are reduced in two levels (default 1024). */
  reduceChunk?: number;
  /** Max compiled kernels kept (LRU; default 512). */
  kernelCacheSize?: number;
  /** Max estimated bytes gpu.js may retain for cached kernels (LRU; default 256 MiB). */
  kernelCacheBytes?: number;
  /** scatterAdd runs as a host loop above this many (output element × N) steps. */
  scatterKernelMaxWork?: number;
}

/** Per-call reads of a StridedRef. */
interface Operand {
  data: Float32Array;
  view: View;
  dtype: DType;
}

export class GpuJsBackend implements Backend {
  readonly name = 'gpujs';
  readonly syncRead = true;
  /** The gpu.js mode kernels run in (what was resolved, not just what was asked for). */
  readonly mode: GpuJsMode;
  readonly requestedMode: GpuJsModeRequest;
  /** Whether `mode` is a GPU mode (headlessgl / webgl2 / webgl). */
  readonly isGpu: boolean;
  readonly #gpu: GpuJsInstance;
  readonly #version: string;
  readonly #cache: KernelCache;
  readonly #reduceChunk: number;
  readonly #scatterMaxWork: number;
  readonly #live = new Set<GpuJsBuffer>();
  #bytes = 0;
  #disposed = false;

  constructor(cfg: GpuJsBackendConfig) {
    this.mode = cfg.mode;
    this.requestedMode = cfg.requested;
    this.isGpu = isGpuMode(cfg.mode);
    this.#reduceChunk = cfg.reduceChunk ?? 1024;
    this.#scatterMaxWork = cfg.scatterKernelMaxWork ?? SCATTER_KERNEL_MAX_WORK;
    this.#gpu = new cfg.gpujs.GPU({ mode: cfg.mode });
    this.#version = cfg.gpujs.version;
    const classes = cfg.gpujs.kernelClasses;
    this.#cache = new KernelCache(this.#gpu, cfg.mode, (k) => classes.get(k.kernel.constructor), cfg.kernelCacheSize, cfg.kernelCacheBytes);
  }

  /** Set in gpu.js' CPU modes (webasm / cpu): they run on the CPU, slower than the CPU backend, so
   *  `setBackend('auto')` skips them; `setBackend('gpujs')` still uses them. */
  get emulated(): string | undefined {
    return this.isGpu ? undefined : `gpu.js ${this.mode} mode (no GPU mode here)`;
  }

  /** e.g. `gpujs (gpu.js 2.24.1, mode webasm, requested auto)`. */
  get info(): string {
    return `gpujs (gpu.js ${this.#version}, mode ${this.mode}, requested ${this.requestedMode})`;
  }

  /** Kernel cache counters (compiled kernels, cache hits, kernels held). */
  get kernelStats(): KernelStats {
    return this.#cache.stats;
  }

  /** The compiled kernels currently cached (op, generated gpu.js source, argument kinds). */
  kernelEntries(): KernelEntry[] {
    return this.#cache.entries();
  }

  /** The WebGL context gpu.js draws with (GL modes, after the first kernel), else null. */
  get webglContext(): WebGLRenderingContext | WebGL2RenderingContext | null {
    return (this.#gpu as unknown as { context?: WebGLRenderingContext | WebGL2RenderingContext | null }).context ?? null;
  }

  /** Ops whose kernels gpu.js moved to another mode (its silent CPU fallback); empty if none. */
  get fallbacks(): readonly Fallback[] {
    return this.#cache.fallbacks;
  }

  supportsDType(dtype: DType): boolean {
    return GPUJS_DTYPES.includes(dtype);
  }

  // ---- memory -------------------------------------------------------------------------------

  upload<D extends DType>(dtype: D, data: ArrayFor<D>): BackendBuffer {
    return this.#wrap(dtype, toStorage('upload', dtype, data));
  }

  fill(dtype: DType, size: number, value: number): BackendBuffer {
    checkDType('fill', dtype);
    const v = dtype === 'bool' ? (value !== 0 ? 1 : 0) : dtype === 'int32' ? Math.trunc(value) : value;
    return this.#wrap(dtype, new Float32Array(size).fill(v));
  }

  read(ref: StridedRef): Promise<TypedArray> {
    return Promise.resolve(this.readSync(ref));
  }

  readSync(ref: StridedRef): TypedArray {
    const x = this.#operand('read', ref);
    const n = product(x.view.shape);
    const whole = x.view.offset === 0 && n === x.data.length && isContiguous(x.view);
    const f = whole ? x.data.slice() : this.#elementwise('read', x.view.shape, [x], { lines: [], value: 'a' }, 'float32');
    return fromStorage(x.dtype, f);
  }

  free(buffer: BackendBuffer): void {
    const b = asGpuJs('free', buffer);
    if (b.freed) return;
    this.#live.delete(b);
    this.#bytes -= b.size * 4;
    b.free();
  }

  /** Bytes of float32 storage held by live buffers (int32 and bool also take 4 bytes/element). */
  bytesInUse(): number {
    return this.#bytes;
  }

  // ---- primitives ---------------------------------------------------------------------------

  unary(op: UnaryOp, x: StridedRef, outDType: DType): BackendBuffer {
    checkDType(op, outDType);
    const a = this.#operand(op, x);
    return this.#wrap(outDType, this.#elementwise(op, a.view.shape, [a], unarySnippet(op), outDType));
  }

  binary(op: BinaryOp, a: StridedRef, b: StridedRef, shape: readonly number[], outDType: DType): BackendBuffer {
    checkDType(op, outDType);
    const pa = this.#operand(op, a);
    const pb = this.#operand(op, b);
    const isInt = pa.dtype !== 'float32' && pb.dtype !== 'float32';
    return this.#wrap(outDType, this.#elementwise(op, shape, [pa, pb], binarySnippet(op, isInt), outDType));
  }

  where(cond: StridedRef, a: StridedRef, b: StridedRef, shape: readonly number[]): BackendBuffer {
    const pc = this.#operand('where', cond);
    const pa = this.#operand('where', a);
    const pb = this.#operand('where', b);
    // operand variables: a, b, then the condition c
    return this.#wrap(pa.dtype, this.#elementwise('where', shape, [pa, pb, pc], whereSnippet, pa.dtype, ['a', 'b', 'c']));
  }

  cast(x: StridedRef, dtype: DType): BackendBuffer {
    checkDType('cast', dtype);
    const a = this.#operand('cast', x);
    return this.#wrap(dtype, this.#elementwise(`cast_${dtype}`, a.view.shape, [a], { lines: [], value: 'a' }, dtype));
  }

  reduce(op: ReduceOp, x: StridedRef): BackendBuffer {
    const a = this.#operand(op, x);
    const [outer, inner] = a.view.shape;
    const [s0, s1] = a.view.strides;
    const outDType: DType = op === 'argmax' || op === 'argmin' ? 'int32' : a.dtype;
    if (outer === 0) return this.#wrap(outDType, new Float32Array(0));
    if (inner === 0) {
      if (op !== 'sum' && op !== 'prod') throw new BackendError(op, `gpujs: empty reduction axis for shape [${outer},0]`);
      return this.#wrap(outDType, new Float32Array(outer).fill(op === 'sum' ? 0 : 1));
    }
    return this.#wrap(outDType, this.#reduceRows(op, a.data, a.view.offset, outer, inner, s0, s1));
  }

  matmul(a: StridedRef, b: StridedRef): BackendBuffer {
    const pa = this.#operand('matmul', a);
    const pb = this.#operand('matmul', b);
    if (pa.dtype !== 'float32' || pb.dtype !== 'float32') {
      throw new DTypeError('matmul', `gpujs matmul needs float32 operands, got ${pa.dtype} and ${pb.dtype}`);
    }
    const [B, M, K] = pa.view.shape;
    const N = pb.view.shape[2];
    if (B * M * N === 0) return this.#wrap('float32', new Float32Array(0));
    if (K === 0) return this.#wrap('float32', new Float32Array(B * M * N));
    this.#checkSize('matmul', B * M * N);
    const src = matmulSource(B, K, pa.view.strides, pb.view.strides);
    return this.#wrap('float32', this.#cache.run('matmul', src, matmulOutput(B, M, N), [pa.data, pa.view.offset, pb.data, pb.view.offset]));
  }

  gather(x: StridedRef, index: StridedRef): BackendBuffer {
    const px = this.#operand('gather', x);
    const pi = this.#operand('gather', index);
    const [O, A] = px.view.shape;
    const [, N, I] = pi.view.shape;
    const shape = [O, N, I];
    if (O * N * I === 0) return this.#wrap(px.dtype, new Float32Array(0));
    checkIndices('gather', pi.data, pi.view, A);
    this.#checkSize('gather', O * N * I);
    const src = gatherSource(shape, px.view.strides, pi.view.strides);
    return this.#wrap(px.dtype, this.#cache.run('gather', src, [O * N * I], [px.data, px.view.offset, pi.data, pi.view.offset]));
  }

  scatterAdd(x: StridedRef, index: StridedRef, src: StridedRef): BackendBuffer {
    const px = this.#operand('scatterAdd', x);
    const pi = this.#operand('scatterAdd', index);
    const ps = this.#operand('scatterAdd', src);
    const [O, A, I] = px.view.shape;
    const N = pi.view.shape[1];
    const size = O * A * I;
    if (size === 0) return this.#wrap(px.dtype, new Float32Array(0));
    checkIndices('scatterAdd', pi.data, pi.view, A);
    this.#checkSize('scatterAdd', size);
    if (size * N > this.#scatterMaxWork) {
      // host fallback: O(size + O·N·I) instead of the kernel's O(size·N)
      const y = this.#elementwise('scatterAdd', px.view.shape, [px], { lines: [], value: 'a' }, px.dtype);
      scatterAddHost(y, A, I, pi.data, pi.view, ps.data, ps.view);
      return this.#wrap(px.dtype, y);
    }
    const source = scatterAddSource(px.view.shape, N, px.view.strides, pi.view.strides, ps.view.strides);
    const args = [px.data, px.view.offset, pi.data, pi.view.offset, ps.data, ps.view.offset];
    return this.#wrap(px.dtype, this.#cache.run('scatterAdd', source, [size], args));
  }

  topk(x: StridedRef, k: number): { values: BackendBuffer; indices: BackendBuffer } {
    const px = this.#operand('topk', x);
    const [O, A] = px.view.shape;
    const [s0, s1] = px.view.strides;
    const values = new Float32Array(O * k);
    const indices = new Float32Array(O * k);
    if (O * k > 0) {
      this.#checkSize('topk', O * A);
      const src = topkPassSource(A, s0, s1);
      let pv: Float32Array = new Float32Array(O);
      let pi: Float32Array = new Float32Array(O).fill(-1);
      for (let p = 0; p < k; p++) {
        const best = this.#cache.run('topk', src, [O], [px.data, px.view.offset, pv, pi]);
        pv = new Float32Array(O);
        for (let o = 0; o < O; o++) {
          const j = best[o];
          if (j < 0) throw new BackendError('topk', `gpujs: k=${k} exceeds row length ${A}`);
          pv[o] = px.data[px.view.offset + o * s0 + j * s1];
          values[o * k + p] = pv[o];
          indices[o * k + p] = j;
        }
        pi = best;
      }
    }
    return { values: this.#wrap(px.dtype, values), indices: this.#wrap('int32', indices) };
  }

  assign(dst: BackendBuffer, dstView: View, src: StridedRef): void {
    const d = asGpuJs('assign', dst);
    const dData = d.data('assign');
    const ps = this.#operand('assign', src);
    if (product(dstView.shape) === 0) return;
    this.#checkSize('assign', dData.length);
    const source = assignSource(dstView, ps.view.strides);
    if (source === null) {
      // overlapping / negative-stride destination view: contiguous copy by kernel, host write
      const flat = this.#elementwise('assign', ps.view.shape, [ps], { lines: [], value: 'a' }, d.dtype);
      assignHost(dData, dstView, flat);
      return;
    }
    const out = this.#cache.run('assign', source, [dData.length], [dData, dstView.offset, ps.data, ps.view.offset]);
    d.replace('assign', out === dData ? out.slice() : out);
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#cache.clear();
    this.#gpu.destroy();
    for (const b of this.#live) b.free();
    this.#live.clear();
    this.#bytes = 0;
  }

  // ---- helpers ------------------------------------------------------------------------------

  #wrap(dtype: DType, data: Float32Array): GpuJsBuffer {
    if (this.#disposed) throw new BackendError('gpujs', 'backend used after dispose()');
    const b = new GpuJsBuffer(dtype, data);
    this.#live.add(b);
    this.#bytes += data.length * 4;
    return b;
  }

  #operand(op: string, ref: StridedRef): Operand {
    const b = asGpuJs(op, ref.buffer);
    const data = b.data(op);
    this.#checkSize(op, data.length);
    return { data, view: ref.view, dtype: b.dtype };
  }

  /** GL and webasm modes index in float32: refuse buffers whose offsets would not be exact. */
  #checkSize(op: string, n: number): void {
    if (n > MAX_ELEMENTS && this.mode !== 'cpu') {
      throw new BackendError(op, `gpujs (${this.mode}) indexes in float32 and supports at most 2^24 = ${MAX_ELEMENTS} elements per buffer, got ${n}`);
    }
  }

  /** Runs an elementwise snippet over `shape`; `names` are the operand variables (a, b, c). */
  #elementwise(op: string, shape: readonly number[], xs: readonly Operand[], snippet: Snippet, outDType: DType, names = ['a', 'b', 'c']): Float32Array {
    const n = product(shape);
    if (n === 0) return new Float32Array(0);
    this.#checkSize(op, n);
    const operands: ElementwiseOperand[] = xs.map((x, j) => ({ name: names[j], strides: x.view.strides }));
    const source = elementwiseSource(shape, operands, snippet, outDType);
    const args = xs.flatMap((x) => [x.data, x.view.offset]);
    return this.#cache.run(op, source, [n], args);
  }

  /** [outer, inner] rows of `data` (offset, strides s0, s1) → [outer], in one or two levels. */
  #reduceRows(op: ReduceOp, data: Float32Array, offset: number, outer: number, inner: number, s0: number, s1: number): Float32Array {
    const chunk = this.#reduceChunk;
    if (inner <= chunk) {
      return this.#cache.run(op, reduceChunksSource(op, inner, s0, s1, inner), [outer], [data, offset]);
    }
    const nChunks = Math.ceil(inner / chunk);
    const partial = this.#cache.run(op, reduceChunksSource(op, inner, s0, s1, chunk), [outer * nChunks], [data, offset]);
    if (op === 'argmax' || op === 'argmin') {
      return this.#cache.run(op, argCombineSource(op, nChunks, s0, s1), [outer], [data, offset, partial]);
    }
    // partial: contiguous [outer, nChunks]
    return this.#reduceRows(op, partial, 0, outer, nChunks, nChunks, 1);
  }
}

function isContiguous(view: View): boolean {
  const c = contiguousStrides(view.shape);
  return view.shape.every((n, d) => n === 1 || view.strides[d] === c[d]);
}
