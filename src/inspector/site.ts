// The inspector as files: the built page (index.html, app.js, app.css, the onnxruntime-web wasm; written by
// scripts/build-inspector.mjs into dist/src/inspector/page) plus, per model role, models/<role>/meta.json and
// models/<role>/model.onnx, and models/index.json naming the roles. The server (server.ts) answers exactly
// these paths; `--export DIR` writes them, so any static web server can host the page.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../common/fs-atomic.js';
import type { InspectorModel } from './model-bundle.js';

/** `main` is --model; `compare` is --compare (the clean model shown side by side). */
export type ModelRole = 'main' | 'compare';

export const PAGE_FILES_NOTE = 'the inspector page is not built: run `npm run build` (tsc, then scripts/build-inspector.mjs)';

/** The folder of the built page. */
export function pageDir(): string {
  return fileURLToPath(new URL('./page/', import.meta.url));
}

/** Every file of the built page, as paths relative to it ('/'-separated); throws when the page is not built. */
export function pageFiles(dir = pageDir()): string[] {
  if (!fs.existsSync(path.join(dir, 'index.html'))) throw new Error(`${dir}: ${PAGE_FILES_NOTE}`);
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** The generated files of the models, by site path. */
export function modelFiles(models: Partial<Record<ModelRole, InspectorModel>>): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const roles = (Object.keys(models) as ModelRole[]).filter((r) => models[r]);
  files.set('models/index.json', new TextEncoder().encode(JSON.stringify({ roles }) + '\n'));
  for (const r of roles) {
    files.set(`models/${r}/meta.json`, new TextEncoder().encode(JSON.stringify(models[r]!.meta) + '\n'));
    files.set(`models/${r}/model.onnx`, models[r]!.onnx);
  }
  return files;
}

/**
 * Write the static site into `out`: page files, then the model files, then index.html last, so a
 * half-written export has no entry page. Returns the files written (relative paths).
 */
export function exportSite(out: string, models: Partial<Record<ModelRole, InspectorModel>>): string[] {
  const src = pageDir();
  const page = pageFiles(src);
  const gen = modelFiles(models);
  const written: string[] = [];
  for (const f of page.filter((f) => f !== 'index.html')) {
    writeFileAtomic(path.join(out, f), fs.readFileSync(path.join(src, f)));
    written.push(f);
  }
  for (const [f, bytes] of gen) {
    writeFileAtomic(path.join(out, f), bytes);
    written.push(f);
  }
  writeFileAtomic(path.join(out, 'index.html'), fs.readFileSync(path.join(src, 'index.html')));
  written.push('index.html');
  return written;
}
