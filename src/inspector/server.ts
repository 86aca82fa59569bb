// The local server of `nlp-backdoor inspect`: answers GET/HEAD for the built page's own files and the
// generated model files (site.ts), nothing else. A request path is decoded once and must name one of those
// files exactly, so `../`, `%2e%2e/`, encoded slashes and absolute paths reach no other file: there is no
// path joining with request input at all. Binds 127.0.0.1 unless told otherwise.
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelFiles, pageDir, pageFiles, type ModelRole } from './site.js';
import type { InspectorModel } from './model-bundle.js';
import { InputError } from '../common/errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface InspectorServerOptions {
  /** may come later (setModels): the port is taken first, so a busy port is reported before models load */
  models?: Partial<Record<ModelRole, InspectorModel>>;
  /** 0 = any free port (tests) */
  port: number;
  host?: string;
}

export interface InspectorServer {
  url: string;
  port: number;
  setModels(models: Partial<Record<ModelRole, InspectorModel>>): void;
  close(): Promise<void>;
}

/** The site path a request names: decoded once, '/' → index.html; null when it is not a plain relative path. */
export function sitePath(rawUrl: string): string | null {
  const q = rawUrl.search(/[?#]/);
  let p = q < 0 ? rawUrl : rawUrl.slice(0, q);
  try {
    p = decodeURIComponent(p);
  } catch {
    return null;
  }
  if (!p.startsWith('/') || p.includes('\\') || p.includes('\0')) return null;
  p = p.slice(1);
  if (p === '') return 'index.html';
  if (p.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) return null;
  return p;
}

/** Start serving; rejects with a clear message when the port is taken. */
export async function startInspectorServer(opts: InspectorServerOptions): Promise<InspectorServer> {
  const host = opts.host ?? '127.0.0.1';
  const dir = pageDir();
  // the allow-list: page files (read per request, so a rebuilt page is served) and generated model files
  const page = new Set(pageFiles(dir));
  let generated = opts.models ? modelFiles(opts.models) : null;
  const server = http.createServer((req, res) => {
    const send = (status: number, body: string | Uint8Array, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, {
        'content-type': type,
        'content-length': Buffer.byteLength(body),
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        // the page needs nothing from anywhere else: no network at all once loaded
        'content-security-policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:",
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    const p = sitePath(req.url ?? '/');
    if (p === null) return send(400, 'bad path\n');
    if (p.startsWith('models/') && !generated) return send(503, 'the models are still loading\n');
    const gen = generated?.get(p);
    if (gen) return send(200, gen, TYPES[path.extname(p)] ?? 'application/octet-stream');
    if (!page.has(p)) return send(404, 'not found\n');
    let body: Buffer;
    try {
      body = fs.readFileSync(path.join(dir, ...p.split('/')));
    } catch {
      return send(404, 'not found\n');
    }
    send(200, body, TYPES[path.extname(p)] ?? 'application/octet-stream');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new InputError(`port ${opts.port} on ${host} is already in use (another inspector or server?); choose another with --port N`));
      else if (e.code === 'EACCES') reject(new InputError(`not allowed to listen on port ${opts.port} on ${host}; choose a port above 1023 with --port N`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new InputError(`cannot listen on host ${host}: not an address of this machine`));
      else reject(e);
    });
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    setModels: (models) => (generated = modelFiles(models)),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
