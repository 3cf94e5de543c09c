// Reading and writing safetensors files and byte buffers.
//
// Big files are read without a second copy: the header is read first, then each tensor's byte
// range is read from the file straight into a fresh, aligned buffer that becomes the typed array.
// Writing streams the header and then each tensor's bytes into a temporary file, fsyncs it and
// renames it over the target, so a crash never leaves a half-written checkpoint.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { tensor, Tensor, type DType } from '@avey/tensor';
import { decode, encode, writeDType, type RawTensor } from './codec.js';
import { encodeHeader, parseHeader, parseHeaderLength, SafetensorsError, ST_ITEM_SIZE, type StEntry, type StHeader } from './format.js';

export interface RawFile {
  readonly tensors: Map<string, RawTensor>;
  readonly metadata: Record<string, string>;
}

/** Parse a whole safetensors image held in memory. Tensors may be views over `bytes`. */
export function parseBytes(bytes: Uint8Array, file = '<bytes>'): RawFile {
  const n = parseHeaderLength(bytes.subarray(0, 8), bytes.length, file);
  const header = parseHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n, file);
  const tensors = new Map<string, RawTensor>();
  for (const e of header.entries) {
    tensors.set(e.name, decode(e, bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end), file, true));
  }
  return { tensors, metadata: header.metadata };
}

/** An open safetensors file: the header is parsed, tensors are read on demand by offset. */
export class SafetensorsFile {
  private fd: number | null;
  readonly header: StHeader;
  private readonly byName: Map<string, StEntry>;

  constructor(readonly file: string) {
    try {
      this.fd = fs.openSync(file, 'r');
    } catch (e) {
      throw new SafetensorsError(file, `cannot open (${(e as Error).message})`);
    }
    try {
      const size = fs.fstatSync(this.fd).size;
      const first8 = new Uint8Array(8);
      this.readAt(first8, 0);
      const n = parseHeaderLength(first8, size, file);
      const hb = new Uint8Array(n);
      this.readAt(hb, 8);
      this.header = parseHeader(hb, size - 8 - n, file);
      this.byName = new Map(this.header.entries.map((e) => [e.name, e]));
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private readAt(into: Uint8Array, position: number): void {
    if (this.fd === null) throw new SafetensorsError(this.file, 'file is closed');
    let done = 0;
    while (done < into.length) {
      const got = fs.readSync(this.fd, into, done, into.length - done, position + done);
      if (got === 0) throw new SafetensorsError(this.file, `unexpected end of file at byte ${position + done}`);
      done += got;
    }
  }

  get metadata(): Record<string, string> { return this.header.metadata; }
  keys(): string[] { return this.header.entries.map((e) => e.name); }
  entry(name: string): StEntry | undefined { return this.byName.get(name); }

  /** Read one tensor's bytes from disk into its own buffer and decode it (one copy). */
  readRaw(name: string): RawTensor {
    const e = this.byName.get(name);
    if (!e) throw new SafetensorsError(this.file, `no tensor named '${name}'`);
    const bytes = new Uint8Array(e.end - e.begin);
    this.readAt(bytes, this.header.dataStart + e.begin);
    return decode(e, bytes, this.file, true);
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** Read every tensor (or those `filter` accepts) as host arrays. */
export function readRaw(source: string | Uint8Array, filter?: (name: string) => boolean): RawFile {
  if (typeof source !== 'string') {
    const all = parseBytes(source);
    if (!filter) return all;
    return { tensors: new Map([...all.tensors].filter(([k]) => filter(k))), metadata: all.metadata };
  }
  const f = new SafetensorsFile(source);
  try {
    const tensors = new Map<string, RawTensor>();
    for (const name of f.keys()) if (!filter || filter(name)) tensors.set(name, f.readRaw(name));
    return { tensors, metadata: f.metadata };
  } finally {
    f.close();
  }
}

export interface ReadOptions {
  /** Backend to upload to (default: the current backend). */
  backend?: string;
  /** Only read the tensors whose name this accepts. */
  filter?: (name: string) => boolean;
}

/** Read a safetensors file (path) or image (bytes) into tensors. Integers come back as int32
 *  (I64 range-checked), F16/BF16 as float32. */
export function read(source: string | Uint8Array, opts: ReadOptions = {}): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const raw = readRaw(source, opts.filter);
  const tensors = new Map<string, Tensor>();
  for (const [k, r] of raw.tensors) tensors.set(k, toTensor(r, opts.backend));
  return { tensors, metadata: raw.metadata };
}

export function toTensor(r: RawTensor, backend?: string): Tensor {
  return tensor(r.data, { dtype: r.dtype, shape: [...r.shape], ...(backend ? { backend } : {}) });
}

export async function fromTensor(t: Tensor): Promise<RawTensor> {
  return { dtype: t.dtype, shape: [...t.shape], data: await t.data() };
}

type Source = RawTensor | Tensor;
export type TensorDict = Map<string, Source> | Record<string, Source>;

function entriesOf(dict: TensorDict): [string, Source][] {
  const list = dict instanceof Map ? [...dict] : Object.entries(dict);
  return list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function headerFor(list: [string, { dtype: DType; shape: readonly number[] }][], metadata?: Record<string, string>) {
  return encodeHeader(
    list.map(([name, t]) => {
      const dtype = writeDType(t.dtype);
      return { name, dtype, shape: t.shape, nbytes: t.shape.reduce((a, b) => a * b, 1) * ST_ITEM_SIZE[dtype] };
    }),
    metadata,
  );
}

/** The safetensors image of host tensors, in memory. */
export function serialize(dict: Map<string, RawTensor> | Record<string, RawTensor>, metadata?: Record<string, string>): Uint8Array {
  const list = entriesOf(dict) as [string, RawTensor][];
  const { header, offsets } = headerFor(list, metadata);
  const total = list.reduce((s, [, t]) => s + t.data.byteLength, 0);
  const out = new Uint8Array(header.length + total);
  out.set(header, 0);
  list.forEach(([, t], i) => out.set(encode(t.data), header.length + offsets[i]));
  return out;
}

/** Write tensors (device or host) to `file` atomically: temp file + fsync + rename. Tensors are
 *  read back one at a time, so at most one tensor's host copy is alive at once. */
export async function write(file: string, dict: TensorDict, metadata?: Record<string, string>): Promise<void> {
  const list = entriesOf(dict);
  const { header } = headerFor(list, metadata);
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = fs.openSync(tmp, 'w');
  try {
    writeAll(fd, header);
    for (const [, t] of list) {
      const data = t instanceof Tensor ? await t.data() : t.data;
      writeAll(fd, encode(data));
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.closeSync(fd); } catch { /* already closed */ }
    try { fs.unlinkSync(tmp); } catch { /* never created */ }
    throw e instanceof SafetensorsError ? e : new SafetensorsError(file, `write failed (${(e as Error).message})`);
  }
  try {
    // Make the rename itself durable.
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* some filesystems refuse fsync on directories */ }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}
