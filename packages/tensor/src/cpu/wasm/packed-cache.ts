// Packed copies of GEMM operands that do not change: the weights of linear layers at inference.
//
// A GEMM packs op(B) into NR-column slivers before its micro-kernels read it (gemm.ts). For
// y = x·Wᵀ with a weight W that many calls share, that packing is the same work every call:
// reading W (from L3 or memory: a model's weights do not stay in cache) and writing a copy, about
// 4 % of an Avey-B small forward at 128 tokens. This cache keeps the packed op(B) of an operand
// the caller vouches for as immutable (a tensor's storage: tensors are never written after their
// kernel made them), keyed by that storage object and the view and blocking that fix the layout.
//
//   first call with a key   nothing cached (a training step uses each weight version once)
//   second call             op(B) is packed into a cache block instead of the scratch area
//   later calls             the block is read as it is; op(B) is not packed again
//
// The packed bytes are those the GEMM would pack itself, so results are bit for bit the same.
// Blocks live in the tensor heap (heap.ts) and are given back when the storage is freed
// (`releasePacked`, called by the CPU backend's free) or, failing that, garbage-collected with it.
// The cache holds at most `packCacheLimit()` bytes (AVEY_CPU_PACK_CACHE_MB, default 256; 0 turns
// it off); beyond that, operands are packed per call as before.

import { BackendError } from '../../errors.js';
import { envVar } from '../host.js';
import type { WasmHeap } from './heap.js';

interface Entry {
  /** calls seen with this key */
  seen: number;
  /** the packed op(B) (a view of `heap`), once made */
  block: Float32Array | null;
  heap: WasmHeap;
}

const byStorage = new WeakMap<object, Map<string, Entry>>();
let cachedBytes = 0;
let blockCount = 0;
let limitBytes = -1;
// storage that is garbage-collected without being freed: its blocks go back with their views (the
// heap's own finalizer); this keeps the byte count right
const finalizer = new FinalizationRegistry((bytes: number) => {
  cachedBytes -= bytes;
  blockCount--;
});

function envLimit(): number {
  const env = envVar('AVEY_CPU_PACK_CACHE_MB');
  const mb = env === undefined || env === '' ? 256 : Number(env);
  if (!(Number.isFinite(mb) && mb >= 0)) throw new BackendError('AVEY_CPU_PACK_CACHE_MB', `must be a number of MiB ≥ 0, got '${env}'`);
  return mb * 1024 * 1024;
}

/** Bytes of packed operands the cache may hold (AVEY_CPU_PACK_CACHE_MB, default 256 MiB). */
export function packCacheLimit(): number {
  if (limitBytes < 0) limitBytes = envLimit();
  return limitBytes;
}

/** Tuning / test hook: the cache's byte limit (0 turns caching off; null: the environment's). */
export function setPackCacheLimit(bytes: number | null): void {
  limitBytes = bytes === null ? envLimit() : Math.max(0, bytes);
}

/** Entries with a packed block and their bytes. */
export function packCacheStats(): { blocks: number; bytes: number } {
  return { blocks: blockCount, bytes: cachedBytes };
}

/** What the GEMM does with op(B) of this call: read a packed block (`ready`), pack into a new one
 *  (`fill`), or pack as usual (null). `key` is the storage object, `layout` everything else that
 *  fixes the packed bytes (offset, strides, N, K, KC). */
export function packedOperand(heap: WasmHeap, key: object, layout: string, floats: number): { ptr: number; ready: boolean } | null {
  if (packCacheLimit() === 0) return null;
  let entries = byStorage.get(key);
  if (entries === undefined) {
    entries = new Map();
    byStorage.set(key, entries);
  }
  let e = entries.get(layout);
  if (e === undefined) {
    e = { seen: 0, block: null, heap };
    entries.set(layout, e);
  }
  e.seen++;
  if (e.block !== null) return { ptr: e.block.byteOffset, ready: true };
  if (e.seen < 2 || cachedBytes + 4 * floats > packCacheLimit()) return null;
  const block = heap.allocF32(floats);
  if (block === null) return null; // the tensor heap is full: pack per call
  e.block = block;
  cachedBytes += 4 * floats;
  blockCount++;
  finalizer.register(key, 4 * floats, e);
  return { ptr: block.byteOffset, ready: false };
}

/** Forgets a block that a GEMM failed to fill (it threw before its pack phase completed). */
export function dropPacked(key: object, layout: string): void {
  const e = byStorage.get(key)?.get(layout);
  if (e) release(e);
}

function release(e: Entry): void {
  if (e.block === null) return;
  finalizer.unregister(e);
  cachedBytes -= 4 * e.block.length;
  blockCount--;
  e.heap.release(e.block);
  e.block = null;
}

/** Gives back every packed block made from `key`'s storage (the storage is being freed). */
export function releasePacked(key: object): void {
  const entries = byStorage.get(key);
  if (entries === undefined) return;
  byStorage.delete(key);
  for (const e of entries.values()) release(e);
}
