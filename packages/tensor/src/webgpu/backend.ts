// The WebGPU backend: implements every primitive of ../backend.ts with WGSL kernels (./kernels).
// Work is recorded lazily and submitted on read/sync (see runtime.ts); reads are async only.
import type {
  ArrayFor, Backend, BackendBuffer, BinaryOp, DType, ReduceOp, StridedRef, TypedArray, UnaryOp, View,
} from '../backend.js';
import { releaseDevice, type DeviceHandle } from './device.js';
import { WebGPUBuffer } from './buffer.js';
import { BackendError, DTypeError } from '../errors.js';
import { GPURuntime } from './runtime.js';
import { elementwise, fillKernel, type Operand } from './kernels/elementwise.js';
import { binaryExpr, kindOf, toKind, unaryExpr } from './kernels/expr.js';
import { reduceRows } from './kernels/reduce.js';
import { matmulKernel } from './kernels/matmul.js';
import { gatherKernel, scatterAddKernel, type Ref3 } from './kernels/indexing.js';
import { topkKernel } from './kernels/topk.js';
import { softmaxKernel } from './kernels/softmax.js';
import { contiguousStrides, isContiguous, sizeOf } from './kernels/wgsl.js';

let nextId = 1;

export interface WebGPUInfo {
  /** Dawn backend: 'vulkan' or 'opengles'; 'browser' for navigator.gpu. */
  readonly kind: 'vulkan' | 'opengles' | 'browser';
  readonly featureLevel: 'core' | 'compatibility';
  readonly adapterName: string;
  readonly isFallbackAdapter: boolean;
  /** CPU rasteriser (llvmpipe & co.): fine for correctness, slower than the CPU backend. */
  readonly software: boolean;
  readonly maxStorageBufferBindingSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupStorageSize: number;
}

export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly syncRead = false;
  readonly info: WebGPUInfo;
  private readonly rt: GPURuntime;
  private readonly id = nextId++;
  private bytes = 0;
  private handle: DeviceHandle | null;

  constructor(handle: DeviceHandle) {
    this.handle = handle;
    this.rt = new GPURuntime(handle);
    const L = handle.device.limits;
    this.info = {
      kind: handle.kind, featureLevel: handle.featureLevel, adapterName: handle.adapterName,
      isFallbackAdapter: handle.isFallbackAdapter, software: handle.software, maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
    };
  }

  get emulated(): string | undefined {
    return this.info.software ? `software adapter (${this.info.adapterName})` : undefined;
  }

  supportsDType(dtype: DType): boolean {
    return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
  }

  // ---- helpers ----------------------------------------------------------------------------------
  private gpuOf(buf: BackendBuffer, op: string): GPUBuffer {
    if (!(buf instanceof WebGPUBuffer) || buf.owner !== this.id) {
      throw new BackendError(op, `buffer of backend '${buf.backend}' passed to this webgpu backend`);
    }
    if (buf.freed) throw new BackendError(op, `${buf.dtype} buffer of ${buf.size} elements used after free`);
    return buf.gpu;
  }

  private alloc(dtype: DType, size: number, op: string): WebGPUBuffer {
    if (!this.supportsDType(dtype)) throw new DTypeError(op, `webgpu does not support ${dtype} (float32, int32, bool only)`);
    const gpu = this.rt.allocStorage(size * 4, `${op}(${dtype}, ${size} elements)`);
    this.bytes += size * 4;
    return new WebGPUBuffer(dtype, size, gpu, this.id);
  }

  private enter(op: string): void {
    this.rt.check(op);
  }

  private operand(ref: StridedRef, op: string): Operand {
    return { buffer: this.gpuOf(ref.buffer, op), dtype: ref.buffer.dtype, offset: ref.view.offset, strides: ref.view.strides };
  }

  private contiguousOut(buf: WebGPUBuffer, shape: readonly number[]): Operand {
    return { buffer: buf.gpu, dtype: buf.dtype, offset: 0, strides: contiguousStrides(shape) };
  }

  // ---- memory -----------------------------------------------------------------------------------
  upload<D extends DType>(dtype: D, data: ArrayFor<D>): BackendBuffer {
    this.enter('upload');
    const out = this.alloc(dtype, data.length, 'upload');
    if (data.length > 0) {
      // bool: one byte per element on the host, one u32 on the GPU
      this.rt.write(out.gpu, dtype === 'bool' ? Uint32Array.from(data as Uint8Array) : data);
    }
    return out;
  }

  fill(dtype: DType, size: number, value: number): BackendBuffer {
    this.enter('fill');
    const out = this.alloc(dtype, size, 'fill');
    fillKernel(this.rt, out.gpu, dtype, size, value);
    return out;
  }

  async read(ref: StridedRef): Promise<TypedArray> {
    await this.rt.checkAsync('read');
    const { dtype } = ref.buffer;
    const n = sizeOf(ref.view.shape);
    let src = this.gpuOf(ref.buffer, 'read');
    let offset = ref.view.offset;
    let temp: WebGPUBuffer | null = null;
    if (n > 0 && !isContiguous(ref.view)) {
      temp = this.unary('copy', ref, dtype) as WebGPUBuffer;
      src = temp.gpu;
      offset = 0;
    }
    try {
      const bytes = await this.rt.readBytes(src, offset * 4, n * 4, 'read');
      switch (dtype) {
        case 'float32': return new Float32Array(bytes);
        case 'int32': return new Int32Array(bytes);
        case 'bool': return Uint8Array.from(new Uint32Array(bytes), (v) => (v !== 0 ? 1 : 0));
        default: throw new DTypeError('read', `webgpu does not support ${dtype}`);
      }
    } finally {
      if (temp) this.free(temp);
    }
  }

  free(buffer: BackendBuffer): void {
    if (!(buffer instanceof WebGPUBuffer) || buffer.freed || buffer.owner !== this.id) return;
    buffer.freed = true;
    this.bytes -= buffer.size * 4;
    this.rt.releaseStorage(buffer.gpu);
  }

  bytesInUse(): number {
    return this.bytes;
  }

  // ---- elementwise ------------------------------------------------------------------------------
  unary(op: UnaryOp, x: StridedRef, outDType: DType): BackendBuffer {
    this.enter('unary');
    const shape = x.view.shape;
    const xin = this.operand(x, op);
    const out = this.alloc(outDType, sizeOf(shape), op);
    elementwise(this.rt, `unary(${op})`, shape, [xin], this.contiguousOut(out, shape),
      ([a]) => unaryExpr(op, a, kindOf(x.buffer.dtype)));
    return out;
  }

  binary(op: BinaryOp, a: StridedRef, b: StridedRef, shape: readonly number[], outDType: DType): BackendBuffer {
    this.enter('binary');
    const ai = this.operand(a, op);
    const bi = this.operand(b, op);
    const out = this.alloc(outDType, sizeOf(shape), op);
    elementwise(this.rt, `binary(${op})`, shape, [ai, bi], this.contiguousOut(out, shape),
      ([x, y]) => binaryExpr(op, x, kindOf(a.buffer.dtype), y, kindOf(b.buffer.dtype), outDType));
    return out;
  }

  where(cond: StridedRef, a: StridedRef, b: StridedRef, shape: readonly number[]): BackendBuffer {
    this.enter('where');
    const ins = [this.operand(cond, 'where'), this.operand(a, 'where'), this.operand(b, 'where')];
    const outD = a.buffer.dtype;
    const out = this.alloc(outD, sizeOf(shape), 'where');
    const k = kindOf(outD);
    const ck = kindOf(cond.buffer.dtype);
    const bk = kindOf(b.buffer.dtype);
    const bConv = bk === k ? 'x2' : k === 'f32' ? 'f32(x2)' : k === 'i32' ? 'i32(x2)' : 'select(0u, 1u, x2 != 0)';
    elementwise(this.rt, 'where', shape, ins, this.contiguousOut(out, shape),
      ([c, x, y]) => ({ code: `select(${bConv.replace('x2', y)}, ${x}, ${toKind(c, ck, 'bool')} != 0u)`, kind: k, helpers: [] }));
    return out;
  }

  cast(x: StridedRef, dtype: DType): BackendBuffer {
    this.enter('cast');
    const shape = x.view.shape;
    const xin = this.operand(x, 'cast');
    const out = this.alloc(dtype, sizeOf(shape), 'cast');
    elementwise(this.rt, 'cast', shape, [xin], this.contiguousOut(out, shape),
      ([a]) => ({ code: a, kind: kindOf(x.buffer.dtype), helpers: [] }));
    return out;
  }

  assign(dst: BackendBuffer, dstView: View, src: StridedRef): void {
    this.enter('assign');
    const d = this.gpuOf(dst, 'assign');
    let s = this.operand(src, 'assign');
    let temp: WebGPUBuffer | null = null;
    if (s.buffer === d) {
      // reading and writing one buffer in a dispatch is invalid: stage src first
      temp = this.unary('copy', src, src.buffer.dtype) as WebGPUBuffer;
      s = this.contiguousOut(temp, src.view.shape);
    }
    elementwise(this.rt, 'assign', dstView.shape, [s],
      { buffer: d, dtype: dst.dtype, offset: dstView.offset, strides: dstView.strides },
      ([a]) => ({ code: a, kind: kindOf(src.buffer.dtype), helpers: [] }));
    if (temp) this.free(temp);
  }

  // ---- reductions, linear algebra, indexing -----------------------------------------------------
  reduce(op: ReduceOp, x: StridedRef): BackendBuffer {
    this.enter('reduce');
    const [outer, inner] = x.view.shape;
    const xin = this.operand(x, op);
    const outD: DType = op === 'argmax' || op === 'argmin' ? 'int32' : x.buffer.dtype;
    const out = this.alloc(outD, outer, op);
    reduceRows(this.rt, op, xin, outer, inner, out.gpu);
    return out;
  }

  matmul(a: StridedRef, b: StridedRef): BackendBuffer {
    this.enter('matmul');
    const [B, M, K] = a.view.shape;
    const N = b.view.shape[2];
    if (a.buffer.dtype !== 'float32' || b.buffer.dtype !== 'float32') {
      throw new DTypeError('matmul', `webgpu matmul needs two float32 operands, got ${a.buffer.dtype} and ${b.buffer.dtype}`);
    }
    const ag = this.gpuOf(a.buffer, 'matmul');
    const bg = this.gpuOf(b.buffer, 'matmul');
    const out = this.alloc('float32', B * M * N, 'matmul');
    const s3 = (v: View): [number, number, number] => [v.strides[0], v.strides[1], v.strides[2]];
    matmulKernel(this.rt, { buffer: ag, offset: a.view.offset, strides: s3(a.view) },
      { buffer: bg, offset: b.view.offset, strides: s3(b.view) }, out.gpu, B, M, N, K);
    return out;
  }

  private ref3(r: StridedRef, op: string): Ref3 {
    const s = r.view.strides;
    return { buffer: this.gpuOf(r.buffer, op), dtype: r.buffer.dtype, offset: r.view.offset, strides: [s[0], s[1], s[2]] };
  }

  gather(x: StridedRef, index: StridedRef): BackendBuffer {
    this.enter('gather');
    const [O, A, I] = x.view.shape;
    const N = index.view.shape[1];
    const xr = this.ref3(x, 'gather');
    const ir = this.ref3(index, 'gather');
    const out = this.alloc(x.buffer.dtype, O * N * I, 'gather');
    gatherKernel(this.rt, xr, ir, out.gpu, O, A, I, N);
    return out;
  }

  scatterAdd(x: StridedRef, index: StridedRef, src: StridedRef): BackendBuffer {
    this.enter('scatterAdd');
    const [O, A, I] = x.view.shape;
    const N = index.view.shape[1];
    const dtype = x.buffer.dtype;
    if (dtype !== 'float32' && dtype !== 'int32') {
      throw new DTypeError('scatterAdd', `webgpu scatterAdd supports float32 and int32, got ${dtype}`);
    }
    const ir = this.ref3(index, 'scatterAdd');
    let sr = this.ref3(src, 'scatterAdd');
    let temp: WebGPUBuffer | null = null;
    if (src.buffer.dtype !== dtype) {
      temp = this.cast(src, dtype) as WebGPUBuffer;
      const cs = contiguousStrides(src.view.shape);
      sr = { buffer: temp.gpu, dtype, offset: 0, strides: [cs[0], cs[1], cs[2]] };
    }
    const y = this.unary('copy', x, dtype) as WebGPUBuffer;
    scatterAddKernel(this.rt, y.gpu, dtype, ir, sr, O, A, I, N);
    if (temp) this.free(temp);
    return y;
  }

  topk(x: StridedRef, k: number): { values: BackendBuffer; indices: BackendBuffer } {
    this.enter('topk');
    const [O, A] = x.view.shape;
    const xg = this.gpuOf(x.buffer, 'topk');
    const values = this.alloc(x.buffer.dtype, O * k, 'topk');
    const indices = this.alloc('int32', O * k, 'topk');
    topkKernel(this.rt, { buffer: xg, dtype: x.buffer.dtype, offset: x.view.offset, strides: [x.view.strides[0], x.view.strides[1]] },
      O, A, k, values.gpu, indices.gpu);
    return { values, indices };
  }

  /** Fused softmax (or logSoftmax) of rows: x's buffer read as [rows, inner] at x.view.offset with
   *  (rowStride, last-axis stride) → a contiguous float32 buffer. For the kernel registry. */
  softmaxRows(x: StridedRef, rows: number, inner: number, rowStride: number, log: boolean): BackendBuffer {
    const op = log ? 'logSoftmax' : 'softmax';
    this.enter(op);
    const xg = this.gpuOf(x.buffer, op);
    const out = this.alloc('float32', rows * inner, op);
    const colStride = x.view.strides[x.view.strides.length - 1] ?? 1;
    softmaxKernel(this.rt, { buffer: xg, offset: x.view.offset, strides: [rowStride, colStride] }, rows, inner, out.gpu, log);
    return out;
  }

  // ---- lifecycle --------------------------------------------------------------------------------
  async sync(): Promise<void> {
    await this.rt.checkAsync('sync');
    await this.rt.settle('sync');
  }

  /** Bytes idle in the buffer pool (not counted by bytesInUse). */
  pooledBytes(): number {
    return this.rt.pooledBytes();
  }

  dispose(): void {
    if (!this.handle) return;
    this.rt.dispose();
    releaseDevice(this.handle); // device.destroy(), then drop the GPU/adapter/device references
    this.handle = null;
  }
}
