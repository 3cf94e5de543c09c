// Peer: onnxruntime-node, MatMul only, one intra-op thread. The model is a hand-encoded ONNX
// protobuf (no `onnx` package): ModelProto(ir_version 8, opset 13) → GraphProto with one MatMul
// node Y = A @ B on float32 [n, n] inputs.

import type * as ORT from 'onnxruntime-node';
import type { Inputs } from './cases.js';
import { key, shapeOf, workOf, type Provider } from './specs.js';

// ---- a minimal protobuf writer: varints, length-delimited fields --------------------------
const varint = (v: number): number[] => {
  const out: number[] = [];
  while (v > 127) { out.push((v & 127) | 128); v = Math.floor(v / 128); }
  out.push(v);
  return out;
};
const fieldVarint = (field: number, v: number): number[] => [...varint(field << 3), ...varint(v)];
const fieldBytes = (field: number, bytes: number[]): number[] => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
const fieldString = (field: number, s: string): number[] => fieldBytes(field, [...new TextEncoder().encode(s)]);

/** ValueInfoProto{name, type: TypeProto{tensor_type{elem_type FLOAT, shape{dim{dim_value}…}}}} */
function valueInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => fieldBytes(1, fieldVarint(1, d)));
  const tensorType = [...fieldVarint(1, 1), ...fieldBytes(2, shape)];
  return [...fieldString(1, name), ...fieldBytes(2, fieldBytes(1, tensorType))];
}

/** The ONNX model bytes of Y[m, n] = A[m, k] @ B[k, n]. */
export function matmulModel(m: number, k: number, n: number): Uint8Array {
  const node = [...fieldString(1, 'A'), ...fieldString(1, 'B'), ...fieldString(2, 'Y'), ...fieldString(3, 'mm'), ...fieldString(4, 'MatMul')];
  const graph = [
    ...fieldBytes(1, node),
    ...fieldString(2, 'g'),
    ...fieldBytes(11, valueInfo('A', [m, k])),
    ...fieldBytes(11, valueInfo('B', [k, n])),
    ...fieldBytes(12, valueInfo('Y', [m, n])),
  ];
  const opset = [...fieldString(1, ''), ...fieldVarint(2, 13)];
  return new Uint8Array([...fieldVarint(1, 8), ...fieldBytes(7, graph), ...fieldBytes(8, opset)]);
}

// ---- provider -----------------------------------------------------------------------------
let ort: typeof ORT | null = null;

export const onnxProvider: Provider = {
  backend: 'onnxruntime',
  threads: () => '1 (intraOpNumThreads 1, interOpNumThreads 1, sequential)',
  async init() {
    try {
      ort = await import('onnxruntime-node');
      return null;
    } catch (e) {
      return `onnxruntime-node: ${e instanceof Error ? e.message : String(e)}`;
    }
  },
  make(s, inputs: Inputs) {
    const o = ort;
    if (o === null || s.op !== 'matmul') return null;
    const n = s.n;
    let session: ORT.InferenceSession | null = null;
    let feeds: Record<string, ORT.Tensor> = {};
    return {
      op: s.op, shape: shapeOf(s), backend: this.backend, work: workOf(s),
      setup: async () => {
        session = await o.InferenceSession.create(matmulModel(n, n, n), {
          intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
        });
        feeds = {
          A: new o.Tensor('float32', inputs.f32(key.a(s), n * n), [n, n]),
          B: new o.Tensor('float32', inputs.f32(key.b(s), n * n), [n, n]),
        };
      },
      run: async () => {
        if (session === null) throw new Error('onnxruntime: session not set up');
        const out = await session.run(feeds);
        out.Y.dispose();
      },
      teardown: async () => { await session?.release(); session = null; },
    };
  },
};
