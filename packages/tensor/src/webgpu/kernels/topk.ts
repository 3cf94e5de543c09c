// topk over rows x: [O, A] → values [O, k], indices int32 [O, k]; descending, ties → lower index
// first, NaN ranks above every number (torch).
//
// Main path: a bitonic sort of (value, index) pairs in workgroup memory, one workgroup per chunk of
// S = 2^m ≤ Smax elements (Smax = 4096 with 32 KiB of workgroup memory, 2048 with 16 KiB); each
// chunk keeps its first k pairs. Rows with A ≤ Smax are one chunk (one pass). Longer rows with
// k ≤ Smax/4 are cut into chunks whose top-k candidates (with their original indices) form a row of
// chunks·k candidates, sorted again until one chunk remains (each pass shrinks rows ≥ 4×).
// Fallback (long rows with large k): a rank kernel, one thread per element counting the elements
// that precede it in the order (O(A²) per row, correct but slow).
import type { DType } from '../../backend.js';
import type { GPURuntime } from '../runtime.js';
import { FLOAT_HELPERS, LINEAR_ID, paramsDecl, pow2Ceil, pow2Floor, storageDecl, storageType } from './wgsl.js';

const SENTINEL = 0x7fffffff; // index of padding: always sorts last

function beforeFn(t: string): string {
  const nan = (v: string): string => (t === 'f32' ? `isnan(${v})` : 'false');
  return `fn before(av: ${t}, ai: i32, bv: ${t}, bi: i32) -> bool {
  if (ai == ${SENTINEL}) { return false; }
  if (bi == ${SENTINEL}) { return true; }
  let an = ${nan('av')}; let bn = ${nan('bv')};
  if (an || bn) { return (an && !bn) || (an && bn && ai < bi); }
  if (av != bv) { return av > bv; }
  return ai < bi;
}`;
}

function sortCode(t: string, S: number, wg: number): string {
  // P = [rows, len, offset, rowStride, colStride, chunks, kk, readIdx]; XI (original indices of
  // candidates from a previous pass) is read only when readIdx != 0 (else a dummy is bound)
  return `${paramsDecl(8)}
${storageDecl(1, 'X', t, false)}
${storageDecl(2, 'XI', 'i32', false)}
${storageDecl(3, 'YV', t, true)}
${storageDecl(4, 'YI', 'i32', true)}
${FLOAT_HELPERS}
${LINEAR_ID}
${beforeFn(t)}
var<workgroup> SV: array<${t}, ${S}>;
var<workgroup> SI: array<i32, ${S}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) w: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let g = linearGroup(w, nw);
  let chunks = pu(5u);
  if (g >= pu(0u) * chunks) { return; }
  let row = g / chunks;
  let start = (g % chunks) * ${S}u;
  let len = pu(1u);
  let base = p(2u) + i32(row) * p(3u);
  for (var t = l.x; t < ${S}u; t += ${wg}u) {
    let j = start + t;
    if (j < len) {
      let at = base + i32(j) * p(4u);
      SV[t] = X[at];
      SI[t] = select(i32(j), XI[at], p(7u) != 0);
    } else {
      SV[t] = ${t}(0);
      SI[t] = ${SENTINEL};
    }
  }
  workgroupBarrier();
  for (var size = 2u; size <= ${S}u; size <<= 1u) {
    for (var stride = size >> 1u; stride > 0u; stride >>= 1u) {
      for (var t = l.x; t < ${S / 2}u; t += ${wg}u) {
        let i = 2u * stride * (t / stride) + (t % stride);
        let j = i + stride;
        let desc = (i & size) == 0u; // this run ends up in order "before" (descending)
        let jFirst = before(SV[j], SI[j], SV[i], SI[i]);
        if (jFirst == desc) {
          let v = SV[i]; SV[i] = SV[j]; SV[j] = v;
          let x = SI[i]; SI[i] = SI[j]; SI[j] = x;
        }
      }
      workgroupBarrier();
    }
  }
  let kk = pu(6u);
  for (var t = l.x; t < kk; t += ${wg}u) {
    let o = g * kk + t;
    if (t < ${S}u) { YV[o] = SV[t]; YI[o] = SI[t]; } else { YV[o] = ${t}(0); YI[o] = ${SENTINEL}; }
  }
}`;
}

function rankCode(t: string, wg: number): string {
  // P = [rows, len, offset, rowStride, colStride, k]
  return `${paramsDecl(6)}
${storageDecl(1, 'X', t, false)}
${storageDecl(2, 'YV', t, true)}
${storageDecl(3, 'YI', 'i32', true)}
${FLOAT_HELPERS}
${LINEAR_ID}
${beforeFn(t)}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) w: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let e = linearGroup(w, nw) * ${wg}u + l.x;
  let len = pu(1u);
  if (e >= pu(0u) * len) { return; }
  let row = e / len; let j = e % len;
  let base = p(2u) + i32(row) * p(3u);
  let v = X[base + i32(j) * p(4u)];
  var rank = 0u;
  for (var m = 0u; m < len; m++) {
    if (before(X[base + i32(m) * p(4u)], i32(m), v, i32(j))) { rank++; }
  }
  let k = pu(5u);
  if (rank < k) { YV[row * k + rank] = v; YI[row * k + rank] = i32(j); }
}`;
}

export interface RowRef {
  readonly buffer: GPUBuffer;
  readonly dtype: DType;
  readonly offset: number;
  readonly strides: readonly [number, number];
}

export function topkKernel(rt: GPURuntime, x: RowRef, O: number, A: number, k: number, values: GPUBuffer, indices: GPUBuffer): void {
  if (O === 0 || k === 0) return;
  const t = storageType(x.dtype);
  const wg = rt.wg;
  const sMax = Math.min(4096, pow2Floor(rt.limits.maxComputeWorkgroupStorageSize / 8));
  if (A > sMax && k > sMax / 4) {
    rt.dispatch({
      code: rankCode(t, wg), label: `topk.rank(${x.dtype})`,
      params: Int32Array.from([O, A, x.offset, x.strides[0], x.strides[1], k]),
      buffers: [x.buffer, values, indices], workgroups: Math.ceil((O * A) / wg),
    });
    return;
  }
  let src = { buffer: x.buffer, idx: null as GPUBuffer | null, offset: x.offset, s0: x.strides[0], s1: x.strides[1] };
  let len = A;
  const temps: GPUBuffer[] = [];
  for (;;) {
    const final = len <= sMax;
    const S = final ? Math.max(64, pow2Ceil(len)) : sMax; // ≥ 64: fewer pipeline variants
    const chunks = final ? 1 : Math.ceil(len / S);
    let outV = values;
    let outI = indices;
    if (!final) {
      outV = rt.allocStorage(O * chunks * k * 4, 'topk');
      outI = rt.allocStorage(O * chunks * k * 4, 'topk');
      temps.push(outV, outI);
    }
    rt.dispatch({
      code: sortCode(t, S, Math.min(wg, S / 2)),
      label: `topk.bitonic(${x.dtype}, S=${S})`,
      params: Int32Array.from([O, len, src.offset, src.s0, src.s1, chunks, k, src.idx ? 1 : 0]),
      buffers: [src.buffer, src.idx ?? rt.dummyRead, outV, outI],
      workgroups: O * chunks,
    });
    if (final) break;
    src = { buffer: outV, idx: outI, offset: 0, s0: chunks * k, s1: 1 };
    len = chunks * k;
  }
  for (const b of temps) rt.releaseStorage(b);
}
