// Shared WGSL snippets and host-side helpers for the kernel generators.
//
// Storage types: float32 → f32, int32 → i32, bool → u32 holding 0 or 1 (WGSL has no 8-bit storage).
// Every kernel binds its parameters as `var<uniform> P: array<vec4<i32>, n>` at @binding(0), read with
// `p(i)`, and its storage buffers at @binding(1…).
import type { DType, View } from '../../backend.js';

export type StorageType = 'f32' | 'i32' | 'u32';

export function storageType(dtype: DType): StorageType {
  switch (dtype) {
    case 'float32': return 'f32';
    case 'int32': return 'i32';
    case 'bool': return 'u32';
    default: throw new Error(`webgpu: dtype ${dtype} has no GPU storage type`);
  }
}

/** Uniform parameter block holding `nWords` i32 words. */
export function paramsDecl(nWords: number): string {
  const vecs = Math.max(1, Math.ceil(nWords / 4));
  return `@group(0) @binding(0) var<uniform> P: array<vec4<i32>, ${vecs}>;
fn p(i: u32) -> i32 { return P[i >> 2u][i & 3u]; }
fn pu(i: u32) -> u32 { return u32(P[i >> 2u][i & 3u]); }`;
}

export function storageDecl(binding: number, name: string, type: string, write: boolean): string {
  return `@group(0) @binding(${binding}) var<storage, ${write ? 'read_write' : 'read'}> ${name}: array<${type}>;`;
}

/** Linear workgroup id of a folded dispatch (see GPURuntime.fold). */
export const LINEAR_ID = `fn linearGroup(w: vec3u, n: vec3u) -> u32 { return w.x + n.x * (w.y + n.y * w.z); }`;

/** NaN/∞ built at run time: WGSL forbids non-finite constants and may assume finite math, so NaN
 *  tests go through the bit pattern. */
export const FLOAT_HELPERS = `
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn fnan() -> f32 { return bitcast<f32>(NAN_BITS); }
fn finf() -> f32 { return bitcast<f32>(INF_BITS); }
fn isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }`;

export function isContiguous(view: View): boolean {
  let s = 1;
  for (let d = view.shape.length - 1; d >= 0; d--) {
    if (view.shape[d] !== 1 && view.strides[d] !== s) return false;
    s *= view.shape[d];
  }
  return true;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Drop size-1 axes and merge adjacent axes that are contiguous w.r.t. each other in EVERY operand.
 *  Returns the reduced shape and each operand's reduced strides (same element addresses). */
export function simplify(shape: readonly number[], strides: readonly (readonly number[])[]): {
  shape: number[];
  strides: number[][];
} {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => { outStrides[k][last] = s[d]; });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

export function pow2Ceil(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export function pow2Floor(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}
