// Shared by the `*-infer-onnx` bench lines: time the tfjs forward and the ONNX export of the same weights on
// the same batch, in the same call (so both see the same machine load), and report the largest logit gap.
import { tf } from '../src/engine/index.js';
import { createSession, type OrtSession } from '../src/models/onnx/runtime.js';

export interface OnnxComparison {
  tfjsMs: number;
  onnxMs: number;
  maxAbsDiff: number;
}

export async function compareTfjsOnnx(
  tfjsLogits: () => tf.Tensor,
  onnxModel: Uint8Array,
  feeds: Parameters<OrtSession['run']>[0],
  reps: number,
  warmup: number,
): Promise<OnnxComparison> {
  const timeIt = async (run: () => Promise<unknown> | unknown) => {
    for (let i = 0; i < warmup; i++) await run();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await run();
    return (performance.now() - t0) / reps;
  };
  let ref: Float32Array = new Float32Array(0);
  const tfjsMs = await timeIt(() => {
    const l = tfjsLogits();
    ref = l.dataSync() as Float32Array;
    l.dispose();
  });
  const session = await createSession(onnxModel);
  let out: Float32Array = new Float32Array(0);
  const onnxMs = await timeIt(async () => {
    out = (await session.run(feeds))['logits']!.data as Float32Array;
  });
  await session.release();
  let maxAbsDiff = 0;
  out.forEach((v, i) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - ref[i]!))));
  return { tfjsMs, onnxMs, maxAbsDiff };
}
