// A CLI process for tests: run `nlp-backdoor` with arguments and, optionally, send signals once its stderr
// matches a pattern (Ctrl-C / SIGTERM tests). Killed after `limitMs` so a swallowed signal fails the test
// instead of hanging it.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/helpers -> the repository root (bin/nlp-backdoor.js loads dist/src)
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = path.join(ROOT, 'bin', 'nlp-backdoor.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/**
 * Runs the CLI; once `when` matches its stderr, sends `signals`. The process
 * is killed after `limitMs` so a swallowed signal fails the test instead of hanging it.
 */
export function cli(args: string[], opts: { when?: RegExp; signals?: NodeJS.Signals[]; limitMs?: number } = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NLP_BACKDOOR_BACKEND: 'wasm' } });
    let stderr = '';
    let stdout = '';
    let sent = false;
    const killer = setTimeout(() => p.kill('SIGKILL'), opts.limitMs ?? 60_000);
    p.stdout.on('data', (d) => (stdout += String(d)));
    p.stderr.on('data', (d) => {
      stderr += String(d);
      if (!sent && opts.when && opts.signals && opts.when.test(stderr)) {
        sent = true;
        opts.signals.forEach((s) => p.kill(s));
      }
    });
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stderr, stdout });
    });
  });
}

