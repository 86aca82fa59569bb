// Versions recorded with every result, so a number can be traced to the code and runtime that made it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The package root (the folder with our package.json), from dist/src/common or src/common. */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) {
      try {
        if ((JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string }).name === 'nlp-backdoor') return (root = dir);
      } catch {
        /* keep walking */
      }
    }
    dir = path.dirname(dir);
  }
  throw new Error('nlp-backdoor: cannot find the package root (package.json) from ' + fileURLToPath(import.meta.url));
}

function pkgVersion(dir: string): string | null {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

export function versions(): Record<string, string | null> {
  const r = packageRoot();
  const dep = (name: string) => pkgVersion(path.join(r, 'node_modules', name));
  return {
    'nlp-backdoor': pkgVersion(r),
    node: process.versions.node,
    '@tensorflow/tfjs-core': dep('@tensorflow/tfjs-core'),
    '@tensorflow/tfjs-backend-wasm': dep('@tensorflow/tfjs-backend-wasm'),
    '@tensorflow/tfjs-node': dep('@tensorflow/tfjs-node'),
    'onnxruntime-node': dep('onnxruntime-node'),
    'onnxruntime-web': dep('onnxruntime-web'),
    vega: dep('vega'),
    'vega-lite': dep('vega-lite'),
  };
}
