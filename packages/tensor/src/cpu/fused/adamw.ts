// The CPU's 'adamw' kernel: one pass over the parameter instead of ~14 tensor ops. float32 runs on
// the wasm SIMD kernel (in place on wasm-memory tensors), float64 in one host loop; both compute
// every operation in float64, in the order of the composed reference (fused/adamw.ts), so float64
// is bit for bit the composition and float32 can differ from it only in the last bits (its
// intermediates stay in double). Other dtypes and layouts: null (the caller composes).

import type { Floats } from './norms.js';
import type { AdamWStep } from '../../fused/adamw.js';
import { Tensor } from '../../tensor.js';
import { CpuBackend } from '../backend.js';

type Out = { p: Tensor; m: Tensor; v: Tensor };

export function adamwCpu(p: Tensor, g: Tensor, m: Tensor | null, v: Tensor | null, h: AdamWStep): Out | null {
  const cpu = p.storage.backend;
  if (!(cpu instanceof CpuBackend) || g.storage.backend !== cpu) return null;
  if (g.size !== p.size || g.dtype !== p.dtype || (m && m.size !== p.size) || (v && v.size !== p.size)) return null;
  if (p.dtype === 'float32') return adamwWasm(cpu, p, g, m, v, h) ?? adamwHost(cpu, p, g, m, v, h);
  return p.dtype === 'float64' ? adamwHost(cpu, p, g, m, v, h) : null;
}

// float32 on the wasm kernel, reading p, g, m, v in place (no host copies) into fresh arrays.
function adamwWasm(cpu: CpuBackend, p: Tensor, g: Tensor, m0: Tensor | null, v0: Tensor | null, h: AdamWStep): Out | null {
  const P = raw(cpu, p), G = raw(cpu, g), M = m0 ? raw(cpu, m0) : null, V = v0 ? raw(cpu, v0) : null;
  if (!P || !G || (m0 && !M) || (v0 && !V)) return null;
  const r = cpu.adamwF32(p.size, h, P.a as Float32Array, P.off, G.a as Float32Array, G.off,
    (M?.a ?? null) as Float32Array | null, M?.off ?? 0, (V?.a ?? null) as Float32Array | null, V?.off ?? 0);
  if (!r) return null;
  const make = (d: Float32Array): Tensor => Tensor.fromBuffer(cpu, cpu.adopt('float32', d), p.shape);
  return { p: make(r.p), m: make(r.m), v: make(r.v) };
}

// The same loop on host copies (CPU reads are synchronous copies): read p, g, m, v, one loop, wrap.
function adamwHost(cpu: CpuBackend, p: Tensor, g: Tensor, m0: Tensor | null, v0: Tensor | null, h: AdamWStep): Out {
  const P = p.dataSync() as Floats;
  const G = g.dataSync();
  const zeros = (): Floats => (p.dtype === 'float64' ? new Float64Array(P.length) : new Float32Array(P.length));
  const M = (m0?.dataSync() ?? zeros()) as Floats;
  const V = (v0?.dataSync() ?? zeros()) as Floats;
  for (let i = 0; i < P.length; i++) {
    const gi = G[i];
    const pi = h.decay !== 1 ? P[i] * h.decay : P[i];
    const m = M[i] + (gi - M[i]) * h.a1;
    const v = V[i] * h.beta2 + gi * gi * h.a2;
    M[i] = m;
    V[i] = v;
    P[i] = pi - (m / (Math.sqrt(v) / h.c2 + h.eps)) * h.stepSize;
  }
  // P, M, V are fresh host copies owned here: the CPU backend wraps them without another copy
  const make = (d: Floats): Tensor => Tensor.fromBuffer(cpu, cpu.adopt(p.dtype, d), p.shape);
  return { p: make(P), m: make(M), v: make(V) };
}

/** The raw array and offset of a contiguous CPU tensor, or null. */
function raw(cpu: CpuBackend, x: Tensor): { a: Floats; off: number } | null {
  if (x.storage.backend !== cpu || !x.isContiguous()) return null;
  return { a: cpu.dataOf(x.storage.buffer) as Floats, off: x.offset };
}
