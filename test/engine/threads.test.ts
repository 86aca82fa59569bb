// NLP_BACKDOOR_THREADS=2 starts tfjs-backend-wasm's threaded SIMD build (src/engine/wasm-threads.ts). Run in
// a child process: the backend is chosen once per process, and the child must exit by itself (the XNNPACK
// pool's worker threads must not keep Node alive).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { requestedThreads } from '../../src/engine/wasm-threads.js';

const engineUrl = new URL('../../src/engine/index.js', import.meta.url).href;

const child = `
import { tf, initEngine } from ${JSON.stringify(engineUrl)};
const info = await initEngine();
let s = 7;
const rand = (n) => Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5);
const [m, k, n] = [256, 200, 300];
const a = rand(m * k), b = rand(k * n);
const got = tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync();
let maxErr = 0;
for (let i = 0; i < m; i++)
  for (let j = 0; j < n; j++) {
    let acc = 0;
    for (let p = 0; p < k; p++) acc += a[i * k + p] * b[p * n + j];
    maxErr = Math.max(maxErr, Math.abs(acc - got[i * n + j]));
  }
const pthread = tf.backend().wasm?.PThread;
console.log(JSON.stringify({ info, backend: tf.getBackend(), maxErr, running: pthread ? pthread.runningWorkers.length : -1 }));
`;

test('NLP_BACKDOOR_THREADS parses a positive integer, default 1', () => {
  assert.equal(requestedThreads({}), 1);
  assert.equal(requestedThreads({ NLP_BACKDOOR_THREADS: '' }), 1);
  assert.equal(requestedThreads({ NLP_BACKDOOR_THREADS: '3' }), 3);
  assert.throws(() => requestedThreads({ NLP_BACKDOOR_THREADS: '0' }), /positive integer/);
  assert.throws(() => requestedThreads({ NLP_BACKDOOR_THREADS: 'two' }), /positive integer/);
});

test('threaded wasm matMul equals a plain JS matmul, reports 2 threads, and the process exits', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
    encoding: 'utf8',
    env: { ...process.env, NLP_BACKDOOR_THREADS: '2', NLP_BACKDOOR_BACKEND: 'wasm' },
    // only turns a hang into a failure (no speed is checked here): generous, so a loaded machine cannot fail it
    timeout: 600_000,
  });
  assert.equal(r.error, undefined, `child did not exit by itself: ${String(r.error)}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    info: { backend: string; threads: number; reason: string };
    backend: string;
    maxErr: number;
    running: number;
  };
  assert.equal(out.backend, 'wasm');
  assert.equal(out.info.threads, 2, out.info.reason);
  assert.match(out.info.reason, /threaded SIMD build, 2 threads/);
  assert.equal(out.running, 1, 'XNNPACK pool of 2 = the calling thread + 1 pthread worker');
  assert.ok(out.maxErr < 1e-3, `max abs error ${out.maxErr}`);
});
