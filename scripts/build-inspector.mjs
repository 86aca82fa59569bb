#!/usr/bin/env node
// Builds the inspector page (src/inspector/client) into dist/src/inspector/page: esbuild bundles main.ts with
// the library's tokenizers and padding and onnxruntime-web into one ES module (app.js); index.html, app.css and
// onnxruntime-web's single-threaded-capable WebAssembly binary are copied beside it. Offline: esbuild's binary
// comes from its npm optional dependency (@esbuild/<platform>), nothing is downloaded.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const src = 'src/inspector/client';
const out = 'dist/src/inspector/page';
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'ort'), { recursive: true });

// The library modules the page imports (tokenizers, Vocab, insertion) also hold Node-only file helpers that
// the page never calls; their node:* imports resolve to an empty module instead of failing the bundle.
const nodeStub = {
  name: 'node-stub',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'node-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

const r = await build({
  entryPoints: [join(src, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  plugins: [nodeStub],
});
copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
copyFileSync(join(src, 'app.css'), join(out, 'app.css'));
const ortDist = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-web/wasm')), '');
copyFileSync(join(ortDist, 'ort-wasm-simd-threaded.wasm'), join(out, 'ort', 'ort-wasm-simd-threaded.wasm'));
const size = (f) => statSync(join(out, f)).size;
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
if (process.argv.includes('--sizes')) {
  console.log(`app.js ${kb(size('app.js'))}, ort/ort-wasm-simd-threaded.wasm ${kb(size('ort/ort-wasm-simd-threaded.wasm'))}, inputs ${Object.keys(r.metafile.inputs).length}`);
}
