// The CPU backend: plain TypeScript over typed arrays. It is the default backend and the reference
// every other backend is tested against (via test/op-suite.ts).

import type {
  ArrayFor, Backend, BackendBuffer, BinaryOp, DType, ReduceOp, StridedRef, TypedArray, UnaryOp, View,
} from '../backend.js';
import { allocArray, bytesPerElement } from '../dtype.js';
import { BackendError, DTypeError } from '../errors.js';
import { collapseDims, contiguousStrides, sizeOf } from '../shape.js';
import { CpuBuffer } from './buffer.js';
import { elementwiseKernel, reduceKernel } from './codegen.js';
import { dgemm } from './dgemm.js';
import { binaryExpr, reduceSpec, unaryExpr } from './exprs.js';
import { envVar } from './host.js';
import { gatherInto, scatterAddInto, topkInto } from './index-ops.js';
import { sgemmBatched } from './sgemm.js';
import { installWasmKernels, wasmTensorHeap, type WasmHeap, wasmAdamWF32, type AdamWStepF64, wasmBinaryF32, wasmBinaryRowsF32, wasmKernelsAvailable, wasmRowScalarF32, wasmColSumF32, wasmCopyRowsF32, wasmMaxRowsF32, wasmSumRowsF32, wasmUnaryF32, type WasmBinaryOp, type WasmUnaryOp, releasePacked } from './wasm/index.js';

// float32 GEMM: the WebAssembly SIMD kernels (docs/cpu-kernels.md) whenever the engine has SIMD128,
// else the blocked plain-JS loop. AVEY_CPU_GEMM=js keeps the JS loop (to compare, or to debug).
const gemmEnv = envVar('AVEY_CPU_GEMM');
if (gemmEnv !== 'js') installWasmKernels();

// float32 elementwise maps over at least this many contiguous elements run on the wasm SIMD kernels
// (below it the call and copies cost more than they save; see docs/cpu-kernels.md). add/sub/mul/div
// give the same bits as the JS loops (IEEE float32 ops); exp/erf/gelu/sigmoid are within a few ulp.
const WASM_MIN_ELEMENTS = 1024;
/** Row-strided float32 maps (contiguous rows of at least this many elements) run on wasm too. */
const WASM_MIN_ROW = 32;
/** Copies whose rows (innermost runs) are contiguous on both sides and at least this long are done
 *  with one `TypedArray.set` (memcpy) per row instead of an element loop. */
const SET_MIN_ROW = 16;
const wasmElementwise = gemmEnv !== 'js' && wasmKernelsAvailable();
// float32 tensor storage inside the wasm kernels' shared memory, so that the kernels work on it in
// place (wasm/heap.ts). AVEY_CPU_HEAP=0 keeps every tensor in ordinary arrays (to compare, or debug).
const wasmHeap: WasmHeap | null = wasmElementwise && envVar('AVEY_CPU_HEAP') !== '0' ? wasmTensorHeap() : null;
const WASM_BINARY = new Set<string>(['add', 'sub', 'mul', 'div']);
const WASM_UNARY = new Set<string>(['exp', 'erf', 'gelu', 'sigmoid']);

function dataOf(buf: BackendBuffer, op: string): TypedArray {
  if (!(buf instanceof CpuBuffer)) throw new BackendError(op, `buffer of backend '${buf.backend}' passed to cpu`);
  if (buf.freed) throw new BackendError(op, 'buffer used after free');
  return buf.data;
}

/** (trans, ld) such that a [rows, cols] view with strides (sr, sc) reads as a BLAS operand, or null
 *  (neither row- nor column-major). Also used by the fused GEMM kernels (cpu/fused/). */
export function blasLayout(rows: number, cols: number, sr: number, sc: number): { trans: boolean; ld: number } | null {
  if ((cols <= 1 || sc === 1) && sr >= 0) return { trans: false, ld: rows <= 1 ? 0 : sr };
  if ((rows <= 1 || sr === 1) && sc >= 0) return { trans: true, ld: cols <= 1 ? 0 : sc };
  return null;
}

/** out[outOff + view] = src[srcOff + view] over a collapsed n-d shape whose last axis has stride 1 on
 *  both sides: one `set` per row, or, between float32 tensors in wasm memory, one `copy_rows` kernel
 *  call (memory.copy per row) per matrix of the last two axes. Returns false (nothing done) when the
 *  last axis is not contiguous on both sides. */
function copyRowsBySet(shape: readonly number[], out: TypedArray, outOff: number, os: readonly number[], src: TypedArray, srcOff: number, ss: readonly number[]): boolean {
  const nd = shape.length;
  if (nd === 0 || os[nd - 1] !== 1 || ss[nd - 1] !== 1 || shape[nd - 1] < SET_MIN_ROW || out.constructor !== src.constructor) return false;
  const n = shape[nd - 1];
  if (nd >= 2 && out instanceof Float32Array && src instanceof Float32Array
    && forEachOuter(shape, nd - 2, os, ss, outOff, srcOff, (po, ps) => wasmCopyRowsF32(shape[nd - 2], n, src, ps, ss[nd - 2], out, po, os[nd - 2]))) return true;
  forEachOuter(shape, nd - 1, os, ss, outOff, srcOff, (po, ps) => {
    out.set(src.subarray(ps, ps + n), po);
    return true;
  });
  return true;
}

/** Calls f(po, ps) for every index of the first `axes` axes of `shape` (an odometer, last axis
 *  fastest), po and ps the offsets of that index with strides os and ss from outOff and srcOff. Stops
 *  and returns false as soon as f does (only a first call refuses: wasmCopyRowsF32 on arrays outside
 *  wasm memory). */
function forEachOuter(shape: readonly number[], axes: number, os: readonly number[], ss: readonly number[], outOff: number, srcOff: number, f: (po: number, ps: number) => boolean): boolean {
  let outer = 1;
  for (let d = 0; d < axes; d++) outer *= shape[d];
  const idx = new Array<number>(axes).fill(0);
  let po = outOff, ps = srcOff;
  for (let r = 0; r < outer; r++) {
    if (!f(po, ps)) return false;
    for (let d = axes - 1; d >= 0; d--) {
      po += os[d]; ps += ss[d];
      if (++idx[d] < shape[d]) break;
      idx[d] = 0; po -= os[d] * shape[d]; ps -= ss[d] * shape[d];
    }
  }
  return true;
}

/** Arrays of at least this many elements are recycled through the pool (smaller ones are cheap). */
const POOL_MIN_ELEMENTS = 4096;
/** Most bytes the pool keeps for reuse (freed arrays beyond it are left to the GC). */
const POOL_MAX_BYTES = 768 * 1024 * 1024;

export class CpuBackend implements Backend {
  readonly name: string = 'cpu';
  readonly syncRead: boolean = true;
  private bytes = 0;
  // Freed typed arrays by (dtype, length), for reuse: a training step frees and re-allocates the
  // same shapes every step, and a fresh large typed array costs page faults + zeroing (and GC).
  private pool = new Map<string, TypedArray[]>();
  private pooledBytes = 0;

  supportsDType(_dtype: DType): boolean {
    return true;
  }

  // ---- memory -------------------------------------------------------------------------------
  /** A new buffer of `size` elements. Its contents are unspecified (a recycled array) unless
   *  `zero`: every caller overwrites all of it. */
  private alloc(dtype: DType, size: number, zero = false): CpuBuffer {
    this.bytes += size * bytesPerElement(dtype);
    return new CpuBuffer(this.name, dtype, this.takeArray(dtype, size, zero));
  }

  /** A typed array of `size` elements for a CPU kernel's output, recycled from freed buffers when
   *  one of the same dtype and length is pooled. Contents are unspecified unless `zero` (then all 0);
   *  the caller must write every element it does not zero. Hand it back with `adopt`. */
  takeArray(dtype: DType, size: number, zero = false): TypedArray {
    if (dtype === 'float32' && size >= POOL_MIN_ELEMENTS && wasmHeap !== null) {
      const a = wasmHeap.allocF32(size);
      if (a !== null) {
        if (zero) a.fill(0);
        return a;
      }
    }
    if (size >= POOL_MIN_ELEMENTS) {
      const list = this.pool.get(`${dtype}:${size}`);
      const a = list?.pop();
      if (a !== undefined) {
        this.pooledBytes -= a.byteLength;
        if (zero) a.fill(0);
        return a;
      }
    }
    return allocArray(dtype, size);
  }

  private recycle(dtype: DType, a: TypedArray): void {
    if (wasmHeap !== null && a instanceof Float32Array && wasmHeap.release(a)) return;
    if (a.length < POOL_MIN_ELEMENTS || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) return;
    if (this.pooledBytes + a.byteLength > POOL_MAX_BYTES) return;
    const key = `${dtype}:${a.length}`;
    const list = this.pool.get(key);
    if (list) list.push(a);
    else this.pool.set(key, [a]);
    this.pooledBytes += a.byteLength;
  }

  /** Drops every pooled array (memory goes back to the GC). */
  trimPool(): void {
    this.pool.clear();
    this.pooledBytes = 0;
  }
  /** Wraps an array the caller gives up (no copy). */
  adopt<D extends DType>(dtype: D, data: ArrayFor<D>): BackendBuffer {
    this.bytes += data.length * bytesPerElement(dtype);
    return new CpuBuffer(this.name, dtype, data);
  }
  upload<D extends DType>(dtype: D, data: ArrayFor<D>): BackendBuffer {
    const b = this.alloc(dtype, data.length);
    b.data.set(data);
    return b;
  }
  fill(dtype: DType, size: number, value: number): BackendBuffer {
    const b = this.alloc(dtype, size, value === 0);
    if (value !== 0) b.data.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
    return b;
  }
  empty(dtype: DType, size: number): BackendBuffer {
    return this.alloc(dtype, size);
  }
  read(ref: StridedRef): Promise<TypedArray> {
    return Promise.resolve(this.readSync(ref));
  }
  readSync(ref: StridedRef): TypedArray {
    const { dtype } = ref.buffer;
    // an ordinary array (never wasm-heap storage): what reading hands to the caller is theirs to keep
    const out = allocArray(dtype, sizeOf(ref.view.shape)); // every element is copied into it
    this.copyInto(out, 0, contiguousStrides(ref.view.shape), ref, 'read');
    return out;
  }
  free(buffer: BackendBuffer): void {
    if (!(buffer instanceof CpuBuffer) || buffer.freed) return;
    buffer.freed = true;
    releasePacked(buffer); // packed copies of it (a weight's, wasm/packed-cache.ts)
    this.bytes -= buffer.size * bytesPerElement(buffer.dtype);
    const old = buffer.data;
    buffer.data = allocArray(buffer.dtype, 0);
    this.recycle(buffer.dtype, old);
  }
  bytesInUse(): number {
    return this.bytes;
  }

  /** Raw typed array behind a buffer (CPU only; for fast paths in kernels registered for 'cpu'). */
  dataOf(buffer: BackendBuffer): TypedArray {
    return dataOf(buffer, 'cpu.dataOf');
  }

  /**
   * One AdamW step over n float32 parameters on the wasm SIMD kernel, bit for bit the float64 JS loop
   * of the fused optimiser (`wasmAdamWF32`; h: decay (1 without weight decay), a1 = 1 − β1, a2 = 1 − β2,
   * beta2, c2 = √(1 − β2ᵗ), eps, stepSize = lr / (1 − β1ᵗ)). p, g, m, v are (array, offset) of n
   * contiguous floats; m and v may be null (zeros: the first step). Returns fresh arrays (from the
   * pool) for the new p, m and v, to `adopt`; null where the wasm kernels are unavailable.
   */
  adamwF32(
    n: number, h: AdamWStepF64, p: Float32Array, pOff: number, g: Float32Array, gOff: number,
    m: Float32Array | null, mOff: number, v: Float32Array | null, vOff: number,
  ): { p: Float32Array; m: Float32Array; v: Float32Array } | null {
    if (!wasmElementwise) return null;
    const po = this.takeArray('float32', n) as Float32Array, mo = this.takeArray('float32', n) as Float32Array, vo = this.takeArray('float32', n) as Float32Array;
    wasmAdamWF32(n, h, p, pOff, g, gOff, m, mOff, v, vOff, po, mo, vo);
    return { p: po, m: mo, v: vo };
  }

  /** float32 a op b where one operand is one scalar per row of the other (collapsed [N] with a stride
   *  0 operand, or [R, C] with contiguous rows against a last-axis stride 0) on the wasm row-scalar
   *  kernels (the same bits as the JS loop). False (nothing done) when the layout is another one. */
  private rowScalarBinary(op: WasmBinaryOp, a: StridedRef, b: StridedRef, shape: readonly number[], st: readonly (readonly number[])[], out: Float32Array): boolean {
    const nd = shape.length;
    if (nd < 1 || nd > 2) return false;
    const R = nd === 2 ? shape[0] : 1, C = shape[nd - 1];
    if (C < WASM_MIN_ROW) return false;
    const ai = st[1][nd - 1], bi = st[2][nd - 1];
    let reversed: boolean;
    if (ai === 1 && bi === 0) reversed = false;
    else if (ai === 0 && bi === 1) reversed = true;
    else return false;
    const [xr, sr] = reversed ? [b, a] : [a, b];
    const xs = reversed ? st[2] : st[1], ss = reversed ? st[1] : st[2];
    const X = dataOf(xr.buffer, op) as Float32Array, S = dataOf(sr.buffer, op) as Float32Array;
    const sv = new Float32Array(R);
    const sRs = nd === 2 ? ss[0] : 0;
    for (let r = 0; r < R; r++) sv[r] = S[sr.view.offset + r * sRs];
    wasmRowScalarF32(op, reversed, R, C, X, xr.view.offset, nd === 2 ? xs[0] : C, sv, 0, out, 0);
    return true;
  }

  // ---- primitives ---------------------------------------------------------------------------
  private copyInto(out: TypedArray, outOff: number, outStrides: readonly number[], src: StridedRef, op: string): void {
    const { dtype } = src.buffer;
    const c = collapseDims(src.view.shape, [outStrides, src.view.strides]);
    if (copyRowsBySet(c.shape, out, outOff, c.strides[0], dataOf(src.buffer, op), src.view.offset, c.strides[1])) return;
    const k = elementwiseKernel(`copy:${dtype}>${dtype}`, 1, 'a');
    k(c.shape, out, outOff, c.strides[0], dataOf(src.buffer, op), src.view.offset, c.strides[1]);
  }

  unary(op: UnaryOp, x: StridedRef, outDType: DType): BackendBuffer {
    const shape = x.view.shape;
    // float32 x² is the product x·x (the JS loop's double product of two floats is exact, then
    // rounded once): binary mul gives the same bits and has the wasm paths, flat and over strided rows
    if (op === 'square' && x.buffer.dtype === 'float32' && outDType === 'float32') return this.binary('mul', x, x, shape, outDType);
    const out = this.alloc(outDType, sizeOf(shape));
    const inD = x.buffer.dtype;
    const c = collapseDims(shape, [contiguousStrides(shape), x.view.strides]);
    if (wasmElementwise && inD === 'float32' && outDType === 'float32' && c.shape.length === 1 && c.strides[1][0] === 1
      && out.size >= WASM_MIN_ELEMENTS && WASM_UNARY.has(op)) {
      wasmUnaryF32(op as WasmUnaryOp, dataOf(x.buffer, op) as Float32Array, out.data as Float32Array, out.size, x.view.offset, 0);
      return out;
    }
    if (op === 'copy' && inD === outDType && copyRowsBySet(c.shape, out.data, 0, c.strides[0], dataOf(x.buffer, op), x.view.offset, c.strides[1])) return out;
    const k = elementwiseKernel(`u:${op}:${inD}>${outDType}`, 1, unaryExpr(op, inD, outDType));
    k(c.shape, out.data, 0, c.strides[0], dataOf(x.buffer, op), x.view.offset, c.strides[1]);
    return out;
  }

  binary(op: BinaryOp, a: StridedRef, b: StridedRef, shape: readonly number[], outDType: DType): BackendBuffer {
    const out = this.alloc(outDType, sizeOf(shape));
    const da = a.buffer.dtype, db = b.buffer.dtype;
    const c = collapseDims(shape, [contiguousStrides(shape), a.view.strides, b.view.strides]);
    if (wasmElementwise && da === 'float32' && db === 'float32' && outDType === 'float32' && c.shape.length === 1
      && c.strides[1][0] === 1 && c.strides[2][0] === 1 && out.size >= WASM_MIN_ELEMENTS && WASM_BINARY.has(op)) {
      wasmBinaryF32(op as WasmBinaryOp, dataOf(a.buffer, op) as Float32Array, dataOf(b.buffer, op) as Float32Array,
        out.data as Float32Array, out.size, a.view.offset, b.view.offset, 0);
      return out;
    }
    if (wasmElementwise && da === 'float32' && db === 'float32' && outDType === 'float32' && c.shape.length === 2
      && c.strides[0][1] === 1 && c.strides[1][1] === 1 && c.strides[2][1] === 1 && c.shape[1] >= WASM_MIN_ROW
      && out.size >= WASM_MIN_ELEMENTS && WASM_BINARY.has(op)) {
      // rows contiguous in every operand (a narrow of the last axis, a repeated row): whole rows per chunk
      wasmBinaryRowsF32(op as WasmBinaryOp, c.shape[0], c.shape[1], dataOf(a.buffer, op) as Float32Array, a.view.offset, c.strides[1][0],
        dataOf(b.buffer, op) as Float32Array, b.view.offset, c.strides[2][0], out.data as Float32Array, 0, c.strides[0][0]);
      return out;
    }
    if (wasmElementwise && da === 'float32' && db === 'float32' && outDType === 'float32' && out.size >= WASM_MIN_ELEMENTS
      && WASM_BINARY.has(op) && this.rowScalarBinary(op as WasmBinaryOp, a, b, c.shape, c.strides, out.data as Float32Array)) return out;
    const k = elementwiseKernel(`b:${op}:${da},${db}>${outDType}`, 2, binaryExpr(op, da));
    k(c.shape, out.data, 0, c.strides[0],
      dataOf(a.buffer, op), a.view.offset, c.strides[1],
      dataOf(b.buffer, op), b.view.offset, c.strides[2]);
    return out;
  }

  where(cond: StridedRef, a: StridedRef, b: StridedRef, shape: readonly number[]): BackendBuffer {
    const outD = a.buffer.dtype;
    const out = this.alloc(outD, sizeOf(shape));
    const c = collapseDims(shape, [contiguousStrides(shape), cond.view.strides, a.view.strides, b.view.strides]);
    const k = elementwiseKernel(`where:${cond.buffer.dtype},${outD},${b.buffer.dtype}`, 3, '(a !== 0 ? b : c)');
    k(c.shape, out.data, 0, c.strides[0],
      dataOf(cond.buffer, 'where'), cond.view.offset, c.strides[1],
      dataOf(a.buffer, 'where'), a.view.offset, c.strides[2],
      dataOf(b.buffer, 'where'), b.view.offset, c.strides[3]);
    return out;
  }

  cast(x: StridedRef, dtype: DType): BackendBuffer {
    const shape = x.view.shape;
    const out = this.alloc(dtype, sizeOf(shape));
    const inD = x.buffer.dtype;
    const c = collapseDims(shape, [contiguousStrides(shape), x.view.strides]);
    // float → int32 truncates (Int32Array store); anything → bool is x != 0
    const expr = dtype === 'bool' ? '(a !== 0 ? 1 : 0)' : inD !== 'int32' && inD !== 'bool' && dtype === 'int32' ? 'Math.trunc(a)' : 'a';
    const k = elementwiseKernel(`cast:${inD}>${dtype}`, 1, expr);
    k(c.shape, out.data, 0, c.strides[0], dataOf(x.buffer, 'cast'), x.view.offset, c.strides[1]);
    return out;
  }

  reduce(op: ReduceOp, x: StridedRef): BackendBuffer {
    const [outer, inner] = x.view.shape;
    const [so, si] = x.view.strides;
    const inD = x.buffer.dtype;
    const outD: DType = op === 'argmax' || op === 'argmin' ? 'int32' : inD;
    const out = this.alloc(outD, outer);
    if (wasmElementwise && op === 'max' && inD === 'float32' && si === 1 && (so === inner || outer === 1) && inner >= 4
      && outer * inner >= WASM_MIN_ELEMENTS) {
      // the row maxima on wasm SIMD (same results as the JS loop, see wasmMaxRowsF32)
      wasmMaxRowsF32(dataOf(x.buffer, op) as Float32Array, out.data as Float32Array, outer, inner, x.view.offset, 0);
      return out;
    }
    if (wasmElementwise && op === 'sum' && inD === 'float32' && si === 1 && (so === inner || outer === 1) && inner >= 4
      && outer * inner >= WASM_MIN_ELEMENTS) {
      // row sums on wasm SIMD: float64 partial sums in a fixed order (8 per row), rounded once to
      // float32: the float64 sum's rounding can differ from the sequential JS loop's in the last bit
      // of a float32 result where that sum lies within ~1e-16 of a rounding boundary
      wasmSumRowsF32(dataOf(x.buffer, op) as Float32Array, out.data as Float32Array, outer, inner, x.view.offset, 0);
      return out;
    }
    if (wasmElementwise && op === 'sum' && inD === 'float32' && so === 1 && si !== 1 && si >= outer && outer >= 8 && inner >= 1
      && outer * inner >= WASM_MIN_ELEMENTS) {
      // column sums (e.g. bias gradients): sequential float64 per column on wasm, the JS loop's bits
      wasmColSumF32(dataOf(x.buffer, op) as Float32Array, x.view.offset, si, inner, outer, out.data as Float32Array, 0);
      return out;
    }
    const k = reduceKernel(`r:${op}:${inD}>${outD}`, reduceSpec(op));
    k(out.data, dataOf(x.buffer, op), x.view.offset, so, si, outer, inner);
    return out;
  }

  matmul(a: StridedRef, b: StridedRef): BackendBuffer {
    const [B, M, K] = a.view.shape;
    const N = b.view.shape[2];
    const dtype = a.buffer.dtype;
    if (dtype !== b.buffer.dtype || (dtype !== 'float32' && dtype !== 'float64')) {
      throw new DTypeError('matmul', `cpu matmul needs two float32 or float64 operands, got ${dtype} and ${b.buffer.dtype}`);
    }
    const out = this.alloc(dtype, B * M * N);
    let la = blasLayout(M, K, a.view.strides[1], a.view.strides[2]);
    let lb = blasLayout(K, N, b.view.strides[1], b.view.strides[2]);
    // operands whose inner matrix is neither row- nor column-major are copied once
    let ar = a, br = b;
    const temps: BackendBuffer[] = [];
    if (!la) {
      const t = this.unary('copy', a, dtype);
      temps.push(t);
      ar = { buffer: t, view: { shape: a.view.shape, strides: contiguousStrides(a.view.shape), offset: 0 } };
      la = { trans: false, ld: K };
    }
    if (!lb) {
      const t = this.unary('copy', b, dtype);
      temps.push(t);
      br = { buffer: t, view: { shape: b.view.shape, strides: contiguousStrides(b.view.shape), offset: 0 } };
      lb = { trans: false, ld: N };
    }
    const ad = dataOf(ar.buffer, 'matmul'), bd = dataOf(br.buffer, 'matmul');
    if (dtype === 'float32') {
      // all B problems in one call (one copy-in, one tile job; see cpu/wasm/gemm.ts)
      sgemmBatched(B, M, N, K, ad as Float32Array, ar.view.offset, B > 1 ? ar.view.strides[0] : 0, la.ld, la.trans,
        bd as Float32Array, br.view.offset, B > 1 ? br.view.strides[0] : 0, lb.ld, lb.trans, out.data as Float32Array, 0);
    } else {
      for (let i = 0; i < B; i++) {
        const aOff = ar.view.offset + i * ar.view.strides[0];
        const bOff = br.view.offset + i * br.view.strides[0];
        dgemm(M, N, K, ad as Float64Array, aOff, la.ld, la.trans, bd as Float64Array, bOff, lb.ld, lb.trans, out.data as Float64Array, i * M * N);
      }
    }
    for (const t of temps) this.free(t);
    return out;
  }

  gather(x: StridedRef, index: StridedRef): BackendBuffer {
    const [O, , I] = x.view.shape;
    const N = index.view.shape[1];
    const out = this.alloc(x.buffer.dtype, O * N * I);
    gatherInto(out.data, dataOf(x.buffer, 'gather'), x, dataOf(index.buffer, 'gather') as Int32Array, index);
    return out;
  }

  scatterAdd(x: StridedRef, index: StridedRef, src: StridedRef): BackendBuffer {
    const [, A, I] = x.view.shape;
    const y = this.unary('copy', x, x.buffer.dtype) as CpuBuffer;
    try {
      scatterAddInto(y.data, dataOf(index.buffer, 'scatterAdd') as Int32Array, index, dataOf(src.buffer, 'scatterAdd'), src, A, I);
    } catch (e) {
      this.free(y);
      throw e;
    }
    return y;
  }

  topk(x: StridedRef, k: number): { values: BackendBuffer; indices: BackendBuffer } {
    const O = x.view.shape[0];
    const values = this.alloc(x.buffer.dtype, O * k);
    const indices = this.alloc('int32', O * k);
    topkInto(values.data, indices.data as Int32Array, dataOf(x.buffer, 'topk'), x, k);
    return { values, indices };
  }

  assign(dst: BackendBuffer, dstView: View, src: StridedRef): void {
    const c = collapseDims(dstView.shape, [dstView.strides, src.view.strides]);
    const d = src.buffer.dtype;
    if (d === dst.dtype && copyRowsBySet(c.shape, dataOf(dst, 'assign'), dstView.offset, c.strides[0], dataOf(src.buffer, 'assign'), src.view.offset, c.strides[1])) return;
    const k = elementwiseKernel(`copy:${d}>${dst.dtype}`, 1, dst.dtype === 'bool' && d !== 'bool' ? '(a !== 0 ? 1 : 0)' : 'a');
    k(c.shape, dataOf(dst, 'assign'), dstView.offset, c.strides[0], dataOf(src.buffer, 'assign'), src.view.offset, c.strides[1]);
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }
  dispose(): void {}
}
