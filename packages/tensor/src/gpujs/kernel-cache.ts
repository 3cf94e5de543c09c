// Compiled gpu.js kernels, one per (op, shape signature, dtype), cached and reused.
//
// The key is the op name plus the full generated source and output size; the source inlines
// every shape, stride and dtype decision, so equal keys mean identical kernels. Offsets and
// other per-call values are kernel arguments, so slicing at a new offset does not recompile.
// The cache is LRU-bounded by count and by memory: gpu.js keeps each kernel's argument and
// result storage alive between calls (wasm memory in webasm mode, textures in GL modes), about
// 4 bytes × (argument elements + output elements) per kernel, so many cached kernels over large
// tensors would otherwise hold gigabytes. Evicted kernels are destroyed, which releases it.

import { BackendError } from '../errors.js';
import type { GpuJsInstance, GpuJsKernel, GpuJsMode } from './modes.js';

export interface KernelStats {
  compiled: number;
  hits: number;
  cached: number;
  /** Estimated bytes gpu.js holds for the cached kernels. */
  cachedBytes: number;
}

/** A cached kernel's op, generated source and argument kinds (for inspection / translation tests). */
export interface KernelEntry {
  op: string;
  source: string;
  output: number[];
  /** 'Array' for a Float32Array argument, 'Number' for a scalar. */
  argKinds: ('Array' | 'Number')[];
}

export interface Fallback {
  op: string;
  mode: GpuJsMode;
  reason: string;
}

const DEFAULT_CAPACITY = 512;
const DEFAULT_BYTES = 256 * 2 ** 20;

export class KernelCache {
  readonly #gpu: GpuJsInstance;
  readonly #mode: GpuJsMode;
  readonly #modeOf: (kernel: GpuJsKernel) => GpuJsMode | undefined;
  readonly #kernels = new Map<string, GpuJsKernel>();
  readonly #entries = new Map<string, KernelEntry>();
  /** key → estimated bytes gpu.js retains for that kernel */
  readonly #weights = new Map<string, number>();
  #totalBytes = 0;
  readonly #capacity: number;
  readonly #maxBytes: number;
  #compiled = 0;
  #hits = 0;
  /** Kernels gpu.js silently moved off the requested mode (it falls back to its cpu backend). */
  readonly fallbacks: Fallback[] = [];

  constructor(gpu: GpuJsInstance, mode: GpuJsMode, modeOf: (kernel: GpuJsKernel) => GpuJsMode | undefined, capacity = DEFAULT_CAPACITY, maxBytes = DEFAULT_BYTES) {
    this.#gpu = gpu;
    this.#mode = mode;
    this.#modeOf = modeOf;
    this.#capacity = capacity;
    this.#maxBytes = maxBytes;
  }

  get stats(): KernelStats {
    return { compiled: this.#compiled, hits: this.#hits, cached: this.#kernels.size, cachedBytes: this.#totalBytes };
  }

  /** Runs the kernel for (`op`, `source`, `output`) — compiling it on first use — and returns
   *  its output flattened to one row-major Float32Array of prod(output) elements.
   *  `output` is gpu.js order: [x] or [x, y] or [x, y, z] with x fastest. */
  run(op: string, source: string, output: number[], args: (Float32Array | number)[]): Float32Array {
    const key = `${op}|${output.join('x')}|${source}`;
    let kernel = this.#kernels.get(key);
    if (kernel) {
      this.#hits++;
      this.#kernels.delete(key); // re-insert: Map order is the LRU order
    } else {
      try {
        kernel = this.#gpu.createKernel(source, {
          output,
          precision: 'single',
          tactic: 'precision',
          dynamicArguments: true,
          loopMaxIterations: 1 << 24,
        });
      } catch (e) {
        throw new BackendError(op, `gpu.js (${this.#mode}) rejected the kernel for output [${output.join(',')}]: ${(e as Error).message}`);
      }
      this.#compiled++;
      this.#entries.set(key, { op, source, output, argKinds: args.map((a) => (typeof a === 'number' ? 'Number' : 'Array')) });
    }
    this.#kernels.set(key, kernel);
    let result: unknown;
    try {
      result = kernel(...args);
    } catch (e) {
      // gpu.js compiles on the first call: do not keep a kernel that failed to build or run
      this.#evict(key);
      if (this.#contextLost()) throw this.#lostError(op);
      throw new BackendError(op, `gpu.js (${this.#mode}) kernel failed for output [${output.join(',')}]: ${(e as Error).message}`);
    }
    // A lost WebGL context (GPU reset, too many contexts, the page's loseContext()) makes a
    // compiled gpu.js kernel read back zeros without an error: refuse the result instead.
    if (this.#contextLost()) {
      this.#evict(key);
      throw this.#lostError(op);
    }
    this.#noteMode(op, kernel);
    this.#weigh(key, output, args);
    return flatten(op, result, output);
  }

  #contextLost(): boolean {
    const gl = (this.#gpu as unknown as { context?: { isContextLost?: () => boolean } | null }).context;
    return gl?.isContextLost?.() === true;
  }

  #lostError(op: string): BackendError {
    return new BackendError(op, `gpu.js (${this.#mode}): the WebGL context was lost (GPU reset or too many WebGL contexts); ` +
      'the result of this op is discarded. Reload the page, or choose another backend');
  }

  /** Records what gpu.js now retains for `key` and evicts least recently used kernels (never
   *  `key` itself) until the cache fits its count and byte bounds. */
  #weigh(key: string, output: number[], args: (Float32Array | number)[]): void {
    let elements = output.reduce((a, b) => a * b, 1);
    for (const a of args) if (typeof a !== 'number') elements += a.length;
    const bytes = Math.max(this.#weights.get(key) ?? 0, 4 * elements);
    this.#totalBytes += bytes - (this.#weights.get(key) ?? 0);
    this.#weights.set(key, bytes);
    for (const oldKey of this.#kernels.keys()) {
      if (this.#kernels.size <= this.#capacity && this.#totalBytes <= this.#maxBytes) break;
      if (oldKey !== key) this.#evict(oldKey);
    }
  }

  #evict(key: string): void {
    const k = this.#kernels.get(key);
    if (!k) return;
    this.#kernels.delete(key);
    this.#entries.delete(key);
    this.#totalBytes -= this.#weights.get(key) ?? 0;
    this.#weights.delete(key);
    k.destroy();
  }

  #noteMode(op: string, kernel: GpuJsKernel): void {
    const ran = this.#modeOf(kernel);
    if (ran === undefined || ran === this.#mode) return;
    if (this.fallbacks.some((f) => f.op === op && f.mode === ran)) return;
    const reason = kernel.kernel.fallbackReason ?? 'unknown';
    this.fallbacks.push({ op, mode: ran, reason });
  }

  /** The kernels currently cached, least recently used first. */
  entries(): KernelEntry[] {
    return [...this.#kernels.keys()].map((k) => this.#entries.get(k) as KernelEntry);
  }

  clear(): void {
    for (const k of this.#kernels.values()) k.destroy();
    this.#kernels.clear();
    this.#entries.clear();
    this.#weights.clear();
    this.#totalBytes = 0;
  }
}

/** gpu.js returns a Float32Array for 1-D outputs and nested arrays of row Float32Arrays for
 *  2-D / 3-D ones; this copies the rows out in row-major order. */
function flatten(op: string, result: unknown, output: number[]): Float32Array {
  let n = 1;
  for (const v of output) n *= v;
  if (result instanceof Float32Array && result.length === n) return result;
  const out = new Float32Array(n);
  let at = 0;
  const visit = (v: unknown): void => {
    if (v instanceof Float32Array) {
      out.set(v, at);
      at += v.length;
    } else if (Array.isArray(v)) {
      for (const row of v) visit(row);
    } else {
      throw new BackendError(op, `gpu.js returned an unexpected result (${typeof v})`);
    }
  };
  visit(result);
  if (at !== n) throw new BackendError(op, `gpu.js returned ${at} values, expected ${n}`);
  return out;
}
