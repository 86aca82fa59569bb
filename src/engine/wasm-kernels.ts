// Project-owned kernel fixes for @tensorflow/tfjs-backend-wasm 4.22.0 (pinned: these reach into backend
// internals). See docs/engine.md and ../shared reference measurements:
//  1. UnsortedSegmentSum is missing on wasm; it is the gradient of tf.gather, so every embedding needs it.
//  2. Stock BatchMatMul uses XNNPACK only when transposeA = transposeB = false and batch == 1; otherwise it
//     falls to a naive loop (~2 GFLOPS). Every matMul gradient is transposed and attention is batched, so
//     training would crawl. The override materialises transposes and runs batched products as a loop of
//     XNNPACK 2-D products over zero-copy views of the operands.
import * as tf from '@tensorflow/tfjs-core';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyBackend = any;
type TensorInfo = { dataId: object; shape: number[]; dtype: string };

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as AnyBackend;
        const x = inputs['x'] as TensorInfo;
        const segmentIds = inputs['segmentIds'] as TensorInfo;
        const numSegments = (attrs as { numSegments: number }).numSegments;
        const n = prod(segmentIds.shape);
        const innerShape = x.shape.slice(segmentIds.shape.length);
        const inner = prod(innerShape);
        const out = b.makeOutput([numSegments, ...innerShape], x.dtype);
        // views are taken after makeOutput: the wasm heap may grow (and detach old views) while allocating
        const o = b.typedArrayFromHeap(out) as Float32Array;
        o.fill(0);
        const xv = b.typedArrayFromHeap(x) as Float32Array;
        const ids = b.typedArrayFromHeap(segmentIds) as Int32Array;
        for (let i = 0; i < n; i++) {
          const s = ids[i]!;
          if (s < 0 || s >= numSegments) continue;
          const ob = s * inner;
          const xb = i * inner;
          for (let j = 0; j < inner; j++) o[ob + j]! += xv[xb + j]!;
        }
        return out;
      },
    });
  }

  const orig = tf.getKernel('BatchMatMul', 'wasm');
  if (!orig) return;
  const transposeK = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
  const reshapeK = tf.getKernel('Reshape', 'wasm')!.kernelFunc;
  let bmm: ((...args: unknown[]) => void) | null = null;
  const shapeBytes = (s: number[]) => new Uint8Array(new Int32Array(s).buffer);
  // A tensor record aliasing wasm memory at `offset`; must be released with unview (no copy, no free).
  const view = (backend: AnyBackend, offset: number, shape: number[]) => {
    const id = backend.dataIdNextNumber++;
    const dataId = { id };
    backend.dataIdMap.set(dataId, { id, memoryOffset: offset, shape, dtype: 'float32', refCount: 1 });
    backend.wasm.tfjs.registerTensor(id, prod(shape), offset);
    return { id, dataId };
  };
  const unview = (backend: AnyBackend, v: { id: number; dataId: object }) => {
    backend.wasm.tfjs.disposeData(v.id);
    backend.dataIdMap.delete(v.dataId);
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: orig.setupFunc,
    kernelFunc: (args) => {
      const backend = args.backend as AnyBackend;
      let a = args.inputs['a'] as TensorInfo;
      let b = args.inputs['b'] as TensorInfo;
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      const tmp: TensorInfo[] = [];
      const swapLast = (t: TensorInfo): TensorInfo => {
        const r = t.shape.length;
        const perm = [...Array(r).keys()];
        [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
        const o = transposeK({ inputs: { x: t } as any, backend, attrs: { perm } }) as TensorInfo;
        tmp.push(o);
        return o;
      };
      if (transposeA) a = swapLast(a);
      if (transposeB) b = swapLast(b);
      const ra = a.shape.length;
      const rb = b.shape.length;
      const M = a.shape[ra - 2]!;
      const K = a.shape[ra - 1]!;
      const N = b.shape[rb - 1]!;
      const outerA = a.shape.slice(0, -2);
      const outerB = b.shape.slice(0, -2);
      const nA = prod(outerA);
      const nB = prod(outerB);
      let out: TensorInfo;
      if (nA > 1 && nB === 1) {
        // shared right operand: fold the batch into rows, one XNNPACK call
        const a2 = reshapeK({ inputs: { x: a } as any, backend, attrs: { shape: [1, nA * M, K] } }) as TensorInfo;
        tmp.push(a2);
        const o = orig.kernelFunc({ inputs: { a: a2, b } as any, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
        out = { ...o, shape: [...outerA, M, N] };
      } else if (nA > 1 && nA === nB && outerA.join() === outerB.join() && a.dtype === 'float32') {
        bmm ??= backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
        out = backend.makeOutput([...outerA, M, N], 'float32');
        const ao = backend.dataIdMap.get(a.dataId).memoryOffset;
        const bo = backend.dataIdMap.get(b.dataId).memoryOffset;
        const oo = backend.dataIdMap.get(out.dataId).memoryOffset;
        const sa = shapeBytes([1, M, K]);
        const sb = shapeBytes([1, K, N]);
        for (let i = 0; i < nA; i++) {
          const va = view(backend, ao + 4 * i * M * K, [1, M, K]);
          const vb = view(backend, bo + 4 * i * K * N, [1, K, N]);
          const vo = view(backend, oo + 4 * i * M * N, [1, M, N]);
          bmm!(va.id, sa, 3, vb.id, sb, 3, false, false, vo.id);
          // disposing vb also drops the XNNPACK operator cached for it
          unview(backend, va);
          unview(backend, vb);
          unview(backend, vo);
        }
      } else {
        out = orig.kernelFunc({ inputs: { a, b } as any, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
      }
      for (const t of tmp) backend.disposeData(t.dataId);
      return out as any;
    },
  });
}
