// The safetensors container, as pure bytes (no @avey/tensor here):
//
//   [u64 LE: n] [n bytes: UTF-8 JSON header, padded with spaces] [data bytes]
//   header = { "__metadata__"?: {str: str}, name: { dtype, shape, data_offsets: [begin, end] } }
//
// Offsets are relative to the start of the data section. Following the reference implementation,
// the tensors must tile the data section exactly (no overlap, no holes, nothing past the end).

import { AveyError } from '@avey/tensor';

/** A malformed, truncated or hostile safetensors file (or an unsupported tensor in one). */
export class SafetensorsError extends AveyError {
  constructor(readonly file: string, readonly problem: string) {
    super('safetensors', `${file}: ${problem}`);
  }
}

/** On-disk element types. Reading maps them to the tensor dtypes: floats → float32 (F64 stays
 *  float64), integers → int32 (with a range check), BOOL → bool. */
export type StDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const ST_ITEM_SIZE: Readonly<Record<StDType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

export interface StEntry {
  readonly name: string;
  readonly dtype: StDType;
  readonly shape: readonly number[];
  /** Byte range inside the data section. */
  readonly begin: number;
  readonly end: number;
}

export interface StHeader {
  readonly entries: StEntry[];          // in file (offset) order
  readonly metadata: Record<string, string>;
  /** Absolute byte offset of the data section (8 + n). */
  readonly dataStart: number;
}

/** Headers above this size are refused (the reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** obj[k] = v without the `__proto__` setter (names come from files). */
function setOwn(obj: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The header length n from the first 8 bytes, validated against the file size. */
export function parseHeaderLength(first8: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || first8.length < 8) throw new SafetensorsError(file, `file is ${fileSize} bytes, shorter than the 8-byte header length`);
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(file, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const len = Number(n);
  if (8 + len > fileSize) throw new SafetensorsError(file, `header length ${len} runs past the end of the file (${fileSize} bytes)`);
  return len;
}

/** Parse and validate the JSON header. `dataBytes` = fileSize - 8 - n. */
export function parseHeader(headerBytes: Uint8Array, dataBytes: number, file: string): StHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new SafetensorsError(file, `header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) throw new SafetensorsError(file, 'header is not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: StEntry[] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isObject(raw)) throw new SafetensorsError(file, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new SafetensorsError(file, `__metadata__.${k} is not a string`);
        setOwn(metadata, k, v);
      }
      continue;
    }
    if (!isObject(raw)) throw new SafetensorsError(file, `tensor '${name}': entry is not an object`);
    const { dtype, shape, data_offsets: offs } = raw;
    if (typeof dtype !== 'string' || !(dtype in ST_ITEM_SIZE)) {
      throw new SafetensorsError(file, `tensor '${name}': unknown or unsupported dtype ${JSON.stringify(dtype)}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(file, `tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(file, `tensor '${name}': data_offsets ${JSON.stringify(offs)} is not [begin, end]`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end || end > dataBytes) {
      throw new SafetensorsError(file, `tensor '${name}': data_offsets [${begin}, ${end}] out of bounds of the ${dataBytes}-byte data section`);
    }
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    const st = dtype as StDType;
    if (!Number.isSafeInteger(numel) || numel * ST_ITEM_SIZE[st] !== end - begin) {
      throw new SafetensorsError(file, `tensor '${name}': shape [${shape.join(', ')}] × ${st} needs ${numel * ST_ITEM_SIZE[st]} bytes but data_offsets span ${end - begin}`);
    }
    entries.push({ name, dtype: st, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin < cursor) throw new SafetensorsError(file, `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (ends at ${cursor})`);
    if (e.begin > cursor) throw new SafetensorsError(file, `tensor '${e.name}': hole in the data section between ${cursor} and ${e.begin}`);
    cursor = e.end;
  }
  if (cursor !== dataBytes) throw new SafetensorsError(file, `tensors cover ${cursor} bytes but the data section has ${dataBytes}`);
  return { entries, metadata, dataStart: 8 + headerBytes.length };
}

/** Build the header bytes (padded with spaces to a multiple of 8, as the reference writer does). */
export function encodeHeader(
  entries: readonly { name: string; dtype: StDType; shape: readonly number[]; nbytes: number }[],
  metadata: Record<string, string> | undefined,
): { header: Uint8Array; offsets: number[] } {
  const obj: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) obj.__metadata__ = { ...metadata };
  const offsets: number[] = [];
  let at = 0;
  for (const e of entries) {
    setOwn(obj, e.name, { dtype: e.dtype, shape: [...e.shape], data_offsets: [at, at + e.nbytes] });
    offsets.push(at);
    at += e.nbytes;
  }
  const text = new TextEncoder().encode(JSON.stringify(obj));
  const padded = Math.ceil(text.length / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(text, 8);
  return { header, offsets };
}
