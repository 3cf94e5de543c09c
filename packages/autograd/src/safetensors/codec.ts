// Bytes ↔ typed arrays for each safetensors dtype (little-endian on disk).

import type { DType, TypedArray } from '@avey/tensor';
import { SafetensorsError, type StDType, type StEntry } from './format.js';

/** A tensor as plain host data: what the byte-level reader returns and the writer takes. */
export interface RawTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The tensor dtype a safetensors dtype is read into. */
export function readDType(st: StDType): DType {
  switch (st) {
    case 'F64': return 'float64';
    case 'F32': case 'F16': case 'BF16': return 'float32';
    case 'BOOL': return 'bool';
    default: return 'int32';
  }
}

/** The safetensors dtype a tensor dtype is written as. */
export function writeDType(d: DType): StDType {
  switch (d) {
    case 'float32': return 'F32';
    case 'float64': return 'F64';
    case 'int32': return 'I32';
    case 'bool': return 'BOOL';
  }
}

// IEEE half → float32.
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Decode one entry's bytes. `bytes` is exactly the entry's byte range. Where the host is
 *  little-endian and the bytes are aligned and `mayAlias`, F32/F64/I32/U8 come back as views
 *  over `bytes` (no copy). */
export function decode(entry: StEntry, bytes: Uint8Array, file: string, mayAlias: boolean): RawTensor {
  const n = entry.shape.reduce((a, b) => a * b, 1);
  const dtype = readDType(entry.dtype);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = [...entry.shape];
  const direct = <T extends TypedArray>(Ctor: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number }): T | null => {
    if (!HOST_LE) return null;
    const src = mayAlias && bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0 ? bytes : bytes.slice();
    return new Ctor(src.buffer as ArrayBuffer, src.byteOffset, n);
  };
  switch (entry.dtype) {
    case 'F32': {
      const d = direct(Float32Array);
      if (d) return { dtype, shape, data: d };
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      return { dtype, shape, data: out };
    }
    case 'F64': {
      const d = direct(Float64Array);
      if (d) return { dtype, shape, data: d };
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
      return { dtype, shape, data: out };
    }
    case 'I32': {
      const d = direct(Int32Array);
      if (d) return { dtype, shape, data: d };
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
      return { dtype, shape, data: out };
    }
    case 'I64': {
      // int64 → int32: the high word must be the sign extension of the low word.
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const lo = dv.getInt32(8 * i, true);
        const hi = dv.getInt32(8 * i + 4, true);
        if (hi !== lo >> 31) {
          const v = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
          throw new SafetensorsError(file, `tensor '${entry.name}': I64 value ${v} at index ${i} does not fit in int32`);
        }
        out[i] = lo;
      }
      return { dtype, shape, data: out };
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
      return { dtype, shape, data: out };
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
      return { dtype, shape, data: out };
    }
    case 'I16': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, true);
      return { dtype, shape, data: out };
    }
    case 'I8': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(i);
      return { dtype, shape, data: out };
    }
    case 'U8': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = bytes[i];
      return { dtype, shape, data: out };
    }
    case 'BOOL': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = bytes[i] ? 1 : 0;
      return { dtype, shape, data: out };
    }
  }
}

/** The little-endian bytes of a typed array (a view when the host is little-endian). */
export function encode(data: TypedArray): Uint8Array {
  if (HOST_LE || data instanceof Uint8Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  const w = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) dv.setFloat32(w * i, data[i], true);
    else if (data instanceof Float64Array) dv.setFloat64(w * i, data[i], true);
    else dv.setInt32(w * i, data[i], true);
  }
  return out;
}
