// onnxruntime-node, loaded on first use with a dynamic import(): the tfjs path keeps working where the
// package is absent (it is an optional dependency: docs/onnx.md "Installing"), and asking for the onnx engine
// there fails with an error that names the package and how to install it offline.
import * as os from 'node:os';
import type * as Ort from 'onnxruntime-node';

export type OrtModule = typeof Ort;
export type OrtSession = Ort.InferenceSession;

export const ORT_PACKAGE = 'onnxruntime-node';

let ort: Promise<OrtModule> | null = null;

/** Import the runtime from `specifier`, or fail with an error that names the package and how to install it. */
export function importOrt(specifier = ORT_PACKAGE): Promise<OrtModule> {
  return import(specifier).then(
    (m: OrtModule & { default?: OrtModule }) => m.default ?? m,
    (e: unknown) => {
      // onnxruntime-node is an optional dependency: npm leaves it out when its install script cannot download
      // the CUDA provider (no network beyond the registry); the variable skips that download (docs/onnx.md)
      throw new Error(
        `the onnx engine needs the package "${specifier}", which could not be loaded (${(e as Error).message}); ` +
          `install it with \`ONNXRUNTIME_NODE_INSTALL=skip npm install ${specifier}@1.30.0\` (the variable skips its CUDA download) or use --engine tfjs`,
      );
    },
  );
}

/** The onnxruntime-node module (imported once). */
export function loadOrt(): Promise<OrtModule> {
  ort ??= importOrt().catch((e: unknown) => {
    ort = null;
    throw e;
  });
  return ort;
}

export interface SessionOptions {
  /** intra-op threads; default: the number of cores (os.availableParallelism) */
  threads?: number;
}

/** A CPU inference session over an .onnx file or its bytes, all graph optimisations on. */
export async function createSession(model: string | Uint8Array, opts: SessionOptions = {}): Promise<OrtSession> {
  const { InferenceSession } = await loadOrt();
  const options: Ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: opts.threads ?? os.availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  return typeof model === 'string' ? InferenceSession.create(model, options) : InferenceSession.create(model, options);
}
