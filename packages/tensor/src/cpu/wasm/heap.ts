// Tensor storage inside the wasm kernels' memory (docs/cpu-kernels.md, "Tensors in wasm memory").
//
// Where the kernels run on a shared WebAssembly.Memory, the CPU backend takes the float32 arrays of
// its larger tensors from here: each is a Float32Array *view of the kernels' memory*. Plain JS code
// sees an ordinary Float32Array; the wasm kernels (GEMM, elementwise, softmax, AdamW, norms) and the
// GEMM worker thread read and write it in place, with no copy in or out of wasm memory.
//
// Allocator. Blocks are multiples of 64 bytes taken from a bump pointer `top` (growing the memory
// when needed: a shared memory never detaches the views it already has). A freed block goes to the
// free list of its exact size, which the next request of that size pops: a training step frees and
// re-takes the same sizes every step. When a request would have to grow the memory while free blocks
// exist, the free blocks are coalesced (sorted, neighbours merged, a block that ends at `top` lowers
// `top`) and the smallest one that fits is split.
//
// Lifetime (and the cap on tensor bytes, tensorLimit). A block comes back through `release(view)`
// (the backend's free, i.e. dispose) or, for a tensor dropped without dispose, through a
// FinalizationRegistry when its view object is collected.
// Finalization callbacks never run inside synchronous code, so memory cannot be reused while a kernel
// holding the view (or a subarray of it) is running. Views must not outlive their allocation view:
// the backend never stores a subarray of a heap view as a buffer's data.
//
// Scratch. The wasm wrappers need a working area (GEMM packing buffers, copies of operands that are
// not heap views, chunk buffers): `scratch(bytes)` returns one block, kept between calls and replaced
// by a larger one when a call needs more. It is never a tensor's storage.

import { BackendError } from '../../errors.js';
import { envVar } from '../host.js';
import { HEAP_BASE } from './kernels.gen.js';

const PAGE = 65536;
const ALIGN = 64;
/** wasm32 addresses: the memory ends below 4 GiB (65536 pages) less a page of slack. */
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;
/**
 * Tensor blocks stop coming from the heap past this many bytes (AVEY_CPU_HEAP_MB; default 1 GiB, at
 * most 3 GiB): further tensors are ordinary arrays until blocks come back. The GC does not see the
 * heap (a view is a small object), so a program that drops tensors without dispose() would otherwise
 * fill it with garbage whose finalizers have not run yet (they run between tasks, never inside a
 * synchronous loop); the ordinary arrays past the limit are memory the GC does see, so it collects
 * and the heap's blocks come back at the next task boundary.
 */
function tensorLimit(): number {
  const env = envVar('AVEY_CPU_HEAP_MB');
  const mb = env === undefined || env === '' ? 1024 : Number(env);
  if (!(Number.isFinite(mb) && mb >= 0)) throw new BackendError('AVEY_CPU_HEAP_MB', `must be a number of MiB ≥ 0 (at most 3072 is used), got '${env}'`);
  return Math.min(mb, 3072) * 1024 * 1024;
}

const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;

interface Block { ptr: number; bytes: number }

export class WasmHeap {
  private top = roundUp(HEAP_BASE, ALIGN);
  private readonly free = new Map<number, number[]>();
  private freeBytes = 0;
  private tensorBytes = 0;
  private peakBytes = 0;
  /** the allocation view of every live tensor block → its block (subarrays are not in here) */
  private readonly blocks = new WeakMap<Float32Array, Block>();
  /** every SharedArrayBuffer object the memory has shown (one per size it has had) */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly finalizer: FinalizationRegistry<Block>;
  /** the cap on tensor bytes (tensorLimit), read at the first tensor allocation */
  private limit = -1;
  private scratchPtr = 0;
  private scratchBytes = 0;

  /** `grown()` is called after the memory grew (the runtime refreshes its views). */
  constructor(private readonly memory: WebAssembly.Memory, private readonly shared: boolean, private readonly grown: () => void) {
    this.buffers.add(memory.buffer);
    this.finalizer = new FinalizationRegistry((b: Block) => {
      this.tensorBytes -= b.bytes;
      this.put(b.ptr, b.bytes);
    });
  }

  /** Whether tensors can live here: only on a shared memory (a growing non-shared memory would
   *  detach every view). */
  get holdsTensors(): boolean {
    return this.shared;
  }

  /** A Float32Array view of n floats of wasm memory (contents unspecified), or null (not a shared
   *  memory, or the heap is at its tensor limit: the caller takes a plain array). */
  allocF32(n: number): Float32Array | null {
    if (!this.shared || n <= 0) return null;
    const bytes = roundUp(4 * n, ALIGN);
    if (this.limit < 0) this.limit = tensorLimit();
    if (this.tensorBytes + bytes > this.limit) return null;
    const ptr = this.take(bytes);
    if (ptr === 0) return null;
    const buf = this.memory.buffer;
    this.buffers.add(buf);
    const view = new Float32Array(buf, ptr, n);
    const block = { ptr, bytes };
    this.blocks.set(view, block);
    this.finalizer.register(view, block, view);
    this.tensorBytes += bytes;
    if (this.tensorBytes > this.peakBytes) this.peakBytes = this.tensorBytes;
    return view;
  }

  /** Gives back the block of an allocation view from `allocF32`; false (nothing done) for any other
   *  array, including a subarray of a heap view. The view must not be used afterwards. */
  release(view: Float32Array): boolean {
    const block = this.blocks.get(view);
    if (block === undefined) return false;
    this.blocks.delete(view);
    this.finalizer.unregister(view);
    this.tensorBytes -= block.bytes;
    this.put(block.ptr, block.bytes);
    return true;
  }

  /** Byte address of x[off] when x is a view of this memory, else −1. */
  ptr(x: Float32Array, off = 0): number {
    return this.buffers.has(x.buffer) ? x.byteOffset + 4 * off : -1;
  }

  /** Bytes of memory held by tensor blocks not yet given back (live tensors, and dropped ones whose
   *  views the GC has not finalized yet). */
  get tensorBytesInUse(): number {
    return this.tensorBytes;
  }

  /** The most `tensorBytesInUse` has been. */
  get peakTensorBytes(): number {
    return this.peakBytes;
  }

  /** The scratch block, at least `bytes` long (its previous contents are not kept). */
  scratch(bytes: number, op: string): number {
    if (bytes <= this.scratchBytes) return this.scratchPtr;
    if (this.scratchPtr !== 0) this.put(this.scratchPtr, this.scratchBytes);
    this.scratchPtr = 0;
    this.scratchBytes = 0;
    const want = roundUp(Math.max(bytes, 1 << 20), ALIGN);
    const ptr = this.take(want);
    if (ptr === 0) throw new BackendError(op, `wasm kernels need ${bytes} bytes of scratch memory, over the 4 GiB wasm32 limit`);
    this.scratchPtr = ptr;
    this.scratchBytes = want;
    return ptr;
  }

  // ---- blocks ---------------------------------------------------------------------------------
  private put(ptr: number, bytes: number): void {
    const list = this.free.get(bytes);
    if (list) list.push(ptr);
    else this.free.set(bytes, [ptr]);
    this.freeBytes += bytes;
  }

  /** A block of `bytes` (a multiple of ALIGN), or 0 when the memory cannot hold it. */
  private take(bytes: number): number {
    const list = this.free.get(bytes);
    if (list !== undefined && list.length > 0) {
      this.freeBytes -= bytes;
      return list.pop() as number;
    }
    if (this.top + bytes > this.memory.buffer.byteLength && this.freeBytes >= bytes) {
      const fit = this.coalesceAndFit(bytes);
      if (fit !== 0) return fit;
    }
    if (this.top + bytes > this.memory.buffer.byteLength && !this.grow(this.top + bytes)) return 0;
    const ptr = this.top;
    this.top += bytes;
    return ptr;
  }

  /** Merges adjacent free blocks, lowers `top` over a free tail, then takes the smallest free block
   *  of at least `bytes` (its remainder stays free); 0 if none fits. */
  private coalesceAndFit(bytes: number): number {
    const all: Block[] = [];
    for (const [size, ptrs] of this.free) for (const ptr of ptrs) all.push({ ptr, bytes: size });
    all.sort((a, b) => a.ptr - b.ptr);
    const merged: Block[] = [];
    for (const b of all) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last.ptr + last.bytes === b.ptr) last.bytes += b.bytes;
      else merged.push({ ...b });
    }
    const tail = merged[merged.length - 1];
    if (tail !== undefined && tail.ptr + tail.bytes === this.top) {
      this.top = tail.ptr;
      merged.pop();
    }
    this.free.clear();
    this.freeBytes = 0;
    let best = -1;
    for (let i = 0; i < merged.length; i++) {
      if (merged[i].bytes >= bytes && (best < 0 || merged[i].bytes < merged[best].bytes)) best = i;
    }
    let ptr = 0;
    if (best >= 0) {
      const b = merged[best];
      ptr = b.ptr;
      b.ptr += bytes;
      b.bytes -= bytes;
    }
    for (const b of merged) if (b.bytes > 0) this.put(b.ptr, b.bytes);
    return ptr;
  }

  /** Grows the memory to at least `end` bytes (doubling where it can); false at the wasm32 limit. */
  private grow(end: number): boolean {
    if (end > MAX_BYTES) return false;
    const have = this.memory.buffer.byteLength;
    const want = Math.min(MAX_BYTES, Math.max(end, 2 * have));
    try {
      this.memory.grow(Math.ceil((want - have) / PAGE));
    } catch {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE)); // doubling failed: grow to just enough
      } catch {
        return false;
      }
    }
    this.buffers.add(this.memory.buffer);
    this.grown();
    return true;
  }
}
