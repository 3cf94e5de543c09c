// Engine state: the backend registry, the current backend and live-memory counters.

import type { Backend, BackendBuffer } from './backend.js';
import { bytesPerElement } from './dtype.js';
import { BackendError } from './errors.js';

export type BackendFactory = () => Backend | Promise<Backend>;

export interface RegisterOptions {
  /** A cheap check run by `setBackend('auto')` before the factory: a reason string makes auto pass
   *  over this backend without initialising it (e.g. WebGPU with only a software adapter). An
   *  explicit `setBackend(name)` ignores it; AVEY_AUTO_EMULATED=1 disables it. */
  autoSkip?: () => string | undefined;
}

interface Entry {
  name: string;
  factory: BackendFactory;
  priority: number;
  autoSkip?: () => string | undefined;
  instance: Backend | null;
  /** why the last initialisation failed */
  error: string | null;
  pending: Promise<Backend> | null;
}

const entries = new Map<string, Entry>();
let current: Backend | null = null;

/** Registers a backend factory. Higher priority wins under `setBackend('auto')`. Re-registering a
 *  name replaces its factory (and disposes a live instance). */
export function registerBackend(name: string, factory: BackendFactory, priority = 0, opts: RegisterOptions = {}): void {
  const old = entries.get(name);
  if (old?.instance && old.instance !== current) old.instance.dispose();
  entries.set(name, {
    name, factory, priority, autoSkip: opts.autoSkip,
    instance: old?.instance === current ? old.instance : null, error: null, pending: null,
  });
}

/** Initialises (once) and returns backend `name`; throws BackendError with the reason if it fails. */
export async function initBackend(name: string): Promise<Backend> {
  const e = entries.get(name);
  if (!e) throw new BackendError('setBackend', `unknown backend '${name}' (registered: ${[...entries.keys()].join(', ')})`);
  if (e.instance) return e.instance;
  if (!e.pending) {
    e.pending = (async () => {
      try {
        const b = await e.factory();
        e.instance = b;
        e.error = null;
        return b;
      } catch (err) {
        e.error = err instanceof Error ? err.message : String(err);
        throw new BackendError('setBackend', `backend '${name}' is not available: ${e.error}`);
      } finally {
        e.pending = null;
      }
    })();
  }
  return e.pending;
}

/** Makes `name` the backend new tensors are created on. `'auto'` tries backends by priority
 *  (webgpu > gpujs > cpu by default) and takes the first that initialises. */
export async function setBackend(name: string): Promise<Backend> {
  if (name === 'auto') {
    const sorted = [...entries.values()].sort((a, b) => b.priority - a.priority);
    const reasons: string[] = [];
    for (const e of sorted) {
      const skip = !e.instance && !allowEmulated() ? e.autoSkip?.() : undefined;
      if (skip) {
        reasons.push(`${e.name}: skipped, ${skip} (set AVEY_AUTO_EMULATED=1 to try it)`);
        continue;
      }
      try {
        const b = await initBackend(e.name);
        if (b.emulated && !allowEmulated()) {
          reasons.push(`${e.name}: skipped, ${b.emulated} is slower than the CPU backend (set AVEY_AUTO_EMULATED=1 to allow)`);
          continue;
        }
        current = b;
        return current;
      } catch (err) {
        reasons.push(`${e.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    throw new BackendError('setBackend', `no backend available (${reasons.join('; ')})`);
  }
  current = await initBackend(name);
  return current;
}

function allowEmulated(): boolean {
  return typeof process !== 'undefined' && process.env?.AVEY_AUTO_EMULATED === '1';
}

/** The current backend (CPU unless `setBackend` chose another). */
export function getBackend(): Backend {
  if (!current) current = initSync('cpu');
  return current;
}

/** A backend that is already initialised (or the CPU, which initialises synchronously). */
export function backendByName(name: string, op: string): Backend {
  const e = entries.get(name);
  if (e?.instance) return e.instance;
  if (name === 'cpu') return initSync('cpu');
  throw new BackendError(op, `backend '${name}' is not initialised; call await setBackend('${name}') first`);
}

function initSync(name: string): Backend {
  const e = entries.get(name);
  if (!e) throw new BackendError('getBackend', `unknown backend '${name}'`);
  if (!e.instance) {
    const b = e.factory();
    if (b instanceof Promise) throw new BackendError('getBackend', `backend '${name}' initialises asynchronously; await setBackend('${name}')`);
    e.instance = b;
  }
  return e.instance;
}

export interface BackendInfo {
  name: string;
  priority: number;
  /** initialised successfully (true), failed (false, see `reason`) */
  available: boolean;
  current: boolean;
  reason?: string;
  /** set when the backend emulates an accelerator on the CPU (auto skips it) */
  emulated?: string;
  /** set when `setBackend('auto')` passes over it before initialising it, and why */
  autoSkip?: string;
}

/** Every registered backend, whether it initialises here and, if not, why. Tries to initialise
 *  backends that have not been tried yet. */
export async function backendInfo(): Promise<BackendInfo[]> {
  const out: BackendInfo[] = [];
  const sorted = [...entries.values()].sort((a, b) => b.priority - a.priority);
  for (const e of sorted) {
    let available = true;
    try {
      await initBackend(e.name);
    } catch {
      available = false;
    }
    const info: BackendInfo = { name: e.name, priority: e.priority, available, current: e.instance !== null && e.instance === current };
    if (!available && e.error) info.reason = e.error;
    if (e.instance?.emulated) info.emulated = e.instance.emulated;
    const skip = allowEmulated() ? undefined : e.autoSkip?.();
    if (skip) info.autoSkip = skip;
    out.push(info);
  }
  return out;
}

/** Names of registered backends. */
export function listBackends(): string[] {
  return [...entries.keys()];
}

/** Disposes every initialised backend (GPU devices, workers) so the process can exit. */
export function disposeBackends(): void {
  for (const e of entries.values()) {
    if (e.instance && e.name !== 'cpu') {
      e.instance.dispose();
      if (e.instance === current) current = null;
      e.instance = null;
    }
  }
}

// ---- memory counters --------------------------------------------------------------------------

interface Counts { tensors: number; bytes: number; buffers: number }
const counts = new Map<string, Counts>();

function countsFor(backend: string): Counts {
  let c = counts.get(backend);
  if (!c) counts.set(backend, (c = { tensors: 0, bytes: 0, buffers: 0 }));
  return c;
}

export function trackTensor(backend: string, delta: 1 | -1): void {
  countsFor(backend).tensors += delta;
}
export function trackBuffer(buffer: BackendBuffer, delta: 1 | -1): void {
  const c = countsFor(buffer.backend);
  c.buffers += delta;
  c.bytes += delta * buffer.size * bytesPerElement(buffer.dtype);
}

export interface MemoryInfo {
  /** live (not disposed) Tensor objects, views included */
  tensors: number;
  /** bytes of live storage (a storage shared by views counts once) */
  bytes: number;
  /** live storages */
  buffers: number;
  byBackend: Record<string, { tensors: number; bytes: number; buffers: number }>;
}

export function memory(): MemoryInfo {
  const byBackend: MemoryInfo['byBackend'] = {};
  let tensors = 0, bytes = 0, buffers = 0;
  for (const [name, c] of counts) {
    byBackend[name] = { ...c };
    tensors += c.tensors;
    bytes += c.bytes;
    buffers += c.buffers;
  }
  return { tensors, bytes, buffers, byBackend };
}
