// GPU runtime: buffer pools, lazy command batching, pipeline cache and error capture.
//
// Batching: dispatches are recorded into ONE open command encoder / compute pass and submitted only
// on flush() (read, sync, or every `maxPendingDispatches`). Buffers released while commands that may
// use them are still unsubmitted go to `pendingRelease` and return to the pool only after the
// submit, so a later queue.writeBuffer (which executes before any later submit) cannot overwrite
// data an earlier, still-unsubmitted dispatch reads.
//
// Errors: Dawn reports validation errors asynchronously and otherwise silently skips the work. So
// pipeline creation and every submit run inside error scopes whose results are awaited on the next
// read/sync, `uncapturederror` and device loss are recorded, and every later op throws BackendError.
import { BackendError } from '../errors.js';
import { BufferPool } from './pool.js';
import type { DeviceHandle } from './device.js';

export interface Dispatch {
  /** Full WGSL source; also the pipeline cache key. Entry point `main`. */
  readonly code: string;
  /** For error messages, e.g. "binary(add, float32, rank 3)". */
  readonly label: string;
  /** Uniform parameters, bound at @binding(0) (16-byte aligned words). */
  readonly params: Int32Array;
  /** Storage buffers bound at @binding(1), @binding(2), … */
  readonly buffers: readonly GPUBuffer[];
  /** Number of workgroups (folded into x/y/z when above the per-dimension limit). */
  readonly workgroups: number;
}

const STORAGE_USAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST
const UNIFORM_USAGE = 0x40 | 0x08; // UNIFORM | COPY_DST
const MAP_READ_USAGE = 0x01 | 0x08; // MAP_READ | COPY_DST

export class GPURuntime {
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  /** Threads per workgroup used by the 1-D kernels. */
  readonly wg: number;
  private readonly storage: BufferPool;
  private readonly uniforms: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pendingDispatches = 0;
  private pendingRelease: GPUBuffer[] = [];
  private pendingUniforms: GPUBuffer[] = [];
  private pendingChecks: Promise<string | null>[] = [];
  /** Every asynchronous GPU error seen (first few kept); non-empty = results may be garbage. */
  private errors: string[] = [];
  private disposed = false;
  readonly maxPendingDispatches = 256;
  /** Bound to a kernel's unused read-only / writable slots (so one pipeline serves several passes). */
  readonly dummyRead: GPUBuffer;
  readonly dummyWrite: GPUBuffer;

  constructor(readonly handle: DeviceHandle) {
    this.device = handle.device;
    this.limits = handle.device.limits;
    this.wg = Math.min(256, this.limits.maxComputeInvocationsPerWorkgroup, this.limits.maxComputeWorkgroupSizeX);
    const poolCap = Math.min(512 * 2 ** 20, this.limits.maxBufferSize);
    this.storage = new BufferPool(this.device, STORAGE_USAGE, poolCap);
    this.uniforms = new BufferPool(this.device, UNIFORM_USAGE, 4 * 2 ** 20);
    this.dummyRead = this.device.createBuffer({ size: 16, usage: STORAGE_USAGE });
    this.dummyWrite = this.device.createBuffer({ size: 16, usage: STORAGE_USAGE });
    this.device.addEventListener('uncapturederror', (ev) => {
      const msg = (ev as GPUUncapturedErrorEvent).error?.message ?? String(ev);
      this.record(`uncaptured GPU error: ${msg}`);
    });
    void this.device.lost.then((info) => {
      if (!this.disposed) this.record(`device lost (${info.reason}): ${info.message}`);
    });
  }

  private get fatal(): string | null {
    if (this.errors.length === 0) return null;
    // compile errors explain the "invalid due to a previous error" that follow them: list them first
    const sorted = [...this.errors].sort((a, b) => Number(b.startsWith('pipeline')) - Number(a.startsWith('pipeline')));
    return `webgpu: ${sorted.join(' | ')}`;
  }

  private record(msg: string): void {
    if (this.errors.length < 4 && !this.errors.includes(msg)) this.errors.push(msg);
  }

  /** Throws the recorded asynchronous errors (and keeps throwing: results may be garbage). */
  check(op: string): void {
    if (this.disposed) throw new BackendError(op, 'webgpu backend was disposed');
    const f = this.fatal;
    if (f) throw new BackendError(op, f);
  }

  /** Like check(), after every pending error scope has reported. */
  async checkAsync(op: string): Promise<void> {
    if (!this.disposed) await this.drainChecks();
    this.check(op);
  }

  // ---- buffers ----------------------------------------------------------------------------------
  allocStorage(bytes: number, op: string): GPUBuffer {
    const max = this.limits.maxStorageBufferBindingSize;
    if (bytes > max) {
      throw new BackendError(
        op, `webgpu tensor needs ${bytes} bytes, above this device's maxStorageBufferBindingSize (${max} bytes)`,
      );
    }
    return this.storage.acquire(Math.max(4, bytes));
  }

  /** Return a buffer to the pool once every recorded command that may read it is submitted. */
  releaseStorage(b: GPUBuffer): void {
    if (this.disposed) return;
    if (this.encoder) this.pendingRelease.push(b);
    else this.storage.release(b);
  }

  write(b: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    this.device.queue.writeBuffer(b, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  // ---- pipelines --------------------------------------------------------------------------------
  private pipeline(code: string, label: string): GPUComputePipeline {
    let p = this.pipelines.get(code);
    if (p) return p;
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('internal');
    const module = this.device.createShaderModule({ code, label });
    p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label });
    const internal = this.device.popErrorScope();
    const validation = this.device.popErrorScope();
    this.watch(Promise.all([internal, validation]).then(([a, b]) => {
      const e = a ?? b;
      return e ? `pipeline '${label}' failed to compile: ${e.message}` : null;
    }));
    this.pipelines.set(code, p);
    return p;
  }

  private watch(p: Promise<string | null>): void {
    this.pendingChecks.push(p.then((m) => {
      if (m) this.record(m);
      return m;
    }, (e: unknown) => {
      const m = `error scope failed: ${String(e)}`;
      this.record(m);
      return m;
    }));
  }

  // ---- commands ---------------------------------------------------------------------------------
  private ensurePass(): GPUComputePassEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    this.pass ??= this.encoder.beginComputePass();
    return this.pass;
  }

  private endPass(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return this.encoder;
  }

  dispatch(d: Dispatch): void {
    if (d.workgroups === 0) return;
    const pipeline = this.pipeline(d.code, d.label);
    const ubytes = Math.max(16, Math.ceil(d.params.byteLength / 16) * 16);
    const ub = this.uniforms.acquire(ubytes);
    const padded = new Int32Array(ubytes / 4);
    padded.set(d.params);
    this.write(ub, padded);
    this.pendingUniforms.push(ub);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: ub, size: ubytes } }];
    d.buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = this.ensurePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y, z] = this.fold(d.workgroups);
    pass.dispatchWorkgroups(x, y, z);
    if (++this.pendingDispatches >= this.maxPendingDispatches) this.flush();
  }

  /** Split `n` workgroups into x*y*z >= n with each ≤ maxComputeWorkgroupsPerDimension. Kernels use
   *  the linear id `wid.x + nwg.x * (wid.y + nwg.y * wid.z)` and skip ids ≥ n. */
  fold(n: number): [number, number, number] {
    const m = this.limits.maxComputeWorkgroupsPerDimension;
    if (n <= m) return [n, 1, 1];
    const y = Math.ceil(n / m);
    if (y <= m) return [m, y, 1];
    const z = Math.ceil(y / m);
    if (z > m) throw new BackendError('webgpu.dispatch', `${n} workgroups exceed the dispatch limit (${m}^3)`);
    return [m, m, z];
  }

  copy(src: GPUBuffer, srcByte: number, dst: GPUBuffer, dstByte: number, bytes: number): void {
    if (bytes === 0) return;
    this.endPass().copyBufferToBuffer(src, srcByte, dst, dstByte, bytes);
    this.pendingDispatches++;
  }

  /** Submit everything recorded so far (inside error scopes) and recycle released buffers. */
  flush(): void {
    if (!this.encoder || this.disposed) return;
    const enc = this.endPass();
    this.encoder = null;
    this.pendingDispatches = 0;
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    this.device.queue.submit([enc.finish()]);
    const oom = this.device.popErrorScope();
    const val = this.device.popErrorScope();
    this.watch(Promise.all([oom, val]).then(([a, b]) => {
      const e = a ?? b;
      return e ? `submit failed: ${e.message}` : null;
    }));
    for (const b of this.pendingRelease) this.storage.release(b);
    for (const b of this.pendingUniforms) this.uniforms.release(b);
    this.pendingRelease = [];
    this.pendingUniforms = [];
  }

  /** Await submitted work and every pending error check; throws BackendError on any GPU error. */
  async settle(op: string): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkAsync(op);
  }

  private async drainChecks(): Promise<void> {
    while (this.pendingChecks.length) {
      const checks = this.pendingChecks;
      this.pendingChecks = [];
      await Promise.all(checks);
    }
  }

  /** Copy `bytes` from `src` at `srcByte` to the host. */
  async readBytes(src: GPUBuffer, srcByte: number, bytes: number, op: string): Promise<ArrayBuffer> {
    await this.checkAsync(op);
    if (bytes === 0) {
      await this.settle(op);
      return new ArrayBuffer(0);
    }
    const staging = this.device.createBuffer({ size: bytes, usage: MAP_READ_USAGE });
    try {
      this.copy(src, srcByte, staging, 0, bytes);
      this.flush();
      await staging.mapAsync(0x0001 /* GPUMapMode.READ */);
      await this.checkAsync(op);
      return staging.getMappedRange().slice(0);
    } catch (e) {
      await this.checkAsync(op);
      if (!(e instanceof BackendError)) {
        throw new BackendError(op, `webgpu readback failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      throw e;
    } finally {
      if (!this.disposed) staging.destroy();
    }
  }

  pooledBytes(): number {
    return this.storage.pooledBytes();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.pass) this.pass.end();
    this.pass = null;
    this.encoder = null;
    this.pendingRelease = [];
    this.pendingUniforms = [];
    this.storage.clear();
    this.uniforms.clear();
    this.pipelines.clear();
  }
}
