// gather and scatterAdd over x: [O, A, I] with index/src: [O, N, I] (all strided views).
//
// gather: one thread per output element (o, n, i): y = x[o, index[o, n, i], i]; an index outside
// [0, A) reads 0 (the frontend validates indices it can see; the GPU never reads out of bounds).
//
// scatterAdd: y is first a contiguous copy of x; then one thread per src element adds src[o, n, i]
// into y[o, index[o, n, i], i]. WGSL has no float atomics, so float32 uses a compare-and-swap loop
// on the u32 bit pattern (atomicCompareExchangeWeak); int32 uses atomicAdd. Duplicate indices are
// therefore summed in a nondeterministic order (float results may differ in the last bits from a
// sequential sum). Out-of-range indices are skipped.
import type { DType } from '../../backend.js';
import type { GPURuntime } from '../runtime.js';
import { LINEAR_ID, paramsDecl, storageDecl, storageType } from './wgsl.js';

export interface Ref3 {
  readonly buffer: GPUBuffer;
  readonly dtype: DType;
  readonly offset: number;
  readonly strides: readonly [number, number, number];
}

// P = [O, A, I, N, xOff, xSo, xSa, xSi, iOff, iSo, iSn, iSi, sOff, sSo, sSn, sSi]
function params(O: number, A: number, I: number, N: number, x: Ref3, index: Ref3, src?: Ref3): Int32Array {
  const s = src ?? x;
  return Int32Array.from([O, A, I, N, x.offset, ...x.strides, index.offset, ...index.strides, s.offset, ...s.strides]);
}

const DECOMPOSE = `
  let I = pu(2u); let N = pu(3u);
  let ii = e % I; let on = e / I; let n = on % N; let o = on / N;`;

export function gatherKernel(rt: GPURuntime, x: Ref3, index: Ref3, out: GPUBuffer, O: number, A: number, I: number, N: number): void {
  const total = O * N * I;
  if (total === 0) return;
  const t = storageType(x.dtype);
  const wg = rt.wg;
  const code = `${paramsDecl(16)}
${storageDecl(1, 'X', t, false)}
${storageDecl(2, 'IDX', 'i32', false)}
${storageDecl(3, 'Y', t, true)}
${LINEAR_ID}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) w: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let e = linearGroup(w, nw) * ${wg}u + l.x;
  if (e >= pu(0u) * pu(3u) * pu(2u)) { return; }${DECOMPOSE}
  let a = IDX[p(8u) + i32(o) * p(9u) + i32(n) * p(10u) + i32(ii) * p(11u)];
  var v = ${t}(0);
  if (a >= 0 && a < p(1u)) { v = X[p(4u) + i32(o) * p(5u) + a * p(6u) + i32(ii) * p(7u)]; }
  Y[e] = v;
}`;
  rt.dispatch({ code, label: `gather(${x.dtype})`, params: params(O, A, I, N, x, index), buffers: [x.buffer, index.buffer, out], workgroups: Math.ceil(total / wg) });
}

/** Adds src into the contiguous [O, A, I] buffer `y` (already holding x) at the indexed rows. */
export function scatterAddKernel(rt: GPURuntime, y: GPUBuffer, dtype: DType, index: Ref3, src: Ref3, O: number, A: number, I: number, N: number): void {
  const total = O * N * I;
  if (total === 0) return;
  const wg = rt.wg;
  const float = dtype === 'float32';
  const add = float
    ? `var old = atomicLoad(&Y[j]);
  loop {
    let r = atomicCompareExchangeWeak(&Y[j], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }`
    : 'atomicAdd(&Y[j], v);';
  const code = `${paramsDecl(16)}
${storageDecl(1, 'IDX', 'i32', false)}
${storageDecl(2, 'S', storageType(dtype), false)}
@group(0) @binding(3) var<storage, read_write> Y: array<atomic<${float ? 'u32' : 'i32'}>>;
${LINEAR_ID}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) w: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let e = linearGroup(w, nw) * ${wg}u + l.x;
  if (e >= pu(0u) * pu(3u) * pu(2u)) { return; }${DECOMPOSE}
  let a = IDX[p(8u) + i32(o) * p(9u) + i32(n) * p(10u) + i32(ii) * p(11u)];
  if (a < 0 || a >= p(1u)) { return; }
  let v = S[p(12u) + i32(o) * p(13u) + i32(n) * p(14u) + i32(ii) * p(15u)];
  let j = (o * pu(1u) + u32(a)) * I + ii;
  ${add}
}`;
  // x is unused by the kernel; pass index's ref as x so params stay one layout
  rt.dispatch({ code, label: `scatterAdd(${dtype})`, params: params(O, A, I, N, index, index, src), buffers: [index.buffer, src.buffer, y], workgroups: Math.ceil(total / wg) });
}
