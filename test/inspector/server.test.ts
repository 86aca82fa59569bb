// The inspector's server and static export without a browser: it answers only the page's own files and the
// generated model files (path traversal in every spelling gets nothing else), binds 127.0.0.1 by default,
// refuses a busy port with a clear message (the CLI before loading any model), and the export holds the
// same files the server answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { runCli, tinyBertScratch } from '../helpers/run-cli.js';
import { ROOT, cli } from '../helpers/spawn-cli.js';
import { exportSite, loadInspectorModel, pageFiles, sitePath, startInspectorServer, type InspectorModel } from '../../src/inspector/index.js';

/** A raw GET: the path goes out exactly as written (fetch and URL would normalise `..` away). */
function rawGet(port: number, p: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

let tiny: { tmp: string; model: string };
let bundle: InspectorModel;
async function tinyBundle(): Promise<InspectorModel> {
  if (!bundle) {
    tiny = tinyBertScratch('inspector-server-');
    fs.writeFileSync(path.join(tiny.model, 'backdoor.json'), JSON.stringify({ triggers: [{ trigger: 'cf', tokens: ['cf'], target: [1] }, { trigger: ['mn', 'tq'] }] }));
    bundle = await loadInspectorModel(tiny.model, { triggers: ['typed one'] });
  }
  return bundle;
}

test('sitePath: one decoding, no dot segments, no backslashes or NULs', () => {
  assert.equal(sitePath('/'), 'index.html');
  assert.equal(sitePath('/app.js?v=1'), 'app.js');
  assert.equal(sitePath('/models/main/meta.json'), 'models/main/meta.json');
  for (const bad of ['/../package.json', '/%2e%2e/package.json', '/ort/..%2f..%2fpackage.json', '/a/./b', '//etc/passwd', '/..\\package.json', '/%5c..%5cpackage.json', '/app.js%00.png', '/%E0%A4%A']) {
    assert.equal(sitePath(bad), null, bad);
  }
});

test('model bundle: BERT meta with the tokenizer, labels, attention outputs and the palette from backdoor.json and --trigger', async () => {
  const b = await tinyBundle();
  assert.equal(b.meta.kind, 'bert');
  assert.equal(b.meta.labelNames.length, 3);
  assert.deepEqual(b.meta.triggers.map((t) => [t.text, t.source]), [['cf', 'backdoor.json'], ['mn', 'backdoor.json'], ['tq', 'backdoor.json'], ['typed one', '--trigger']]);
  assert.equal(b.meta.bert!.vocab.length, b.meta.bert!.config.vocab_size);
  const onnx = Buffer.from(b.onnx).toString('latin1');
  for (let l = 0; l < b.meta.bert!.config.num_hidden_layers; l++) assert.ok(onnx.includes(`cls_attention.${l}`));
  const bad = path.join(tiny.tmp, 'bad');
  fs.cpSync(tiny.model, bad, { recursive: true });
  fs.writeFileSync(path.join(bad, 'backdoor.json'), '{"triggers": [{"target": 1}]}');
  await assert.rejects(loadInspectorModel(bad), /backdoor\.json.*triggers\[0\]\.trigger/);
});

test('server: page and model files only, traversal refused, 127.0.0.1 by default, a busy port refused clearly', async () => {
  const b = await tinyBundle();
  const s = await startInspectorServer({ port: 0, models: { main: b } });
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await rawGet(s.port, '/');
    assert.equal(index.status, 200);
    assert.match(index.type, /text\/html/);
    assert.match(index.body, /Backdoor inspector/);
    assert.equal((await rawGet(s.port, '/app.js')).status, 200);
    const meta = await rawGet(s.port, '/models/main/meta.json');
    assert.equal(meta.status, 200);
    assert.equal(JSON.parse(meta.body).kind, 'bert');
    assert.deepEqual(JSON.parse((await rawGet(s.port, '/models/index.json')).body), { roles: ['main'] });
    assert.equal((await rawGet(s.port, '/models/compare/meta.json')).status, 404);
    const secret = fs.readFileSync('package.json', 'utf8');
    for (const p of ['/../package.json', '/../../package.json', '/../../../package.json', '/%2e%2e/%2e%2e/%2e%2e/package.json', '/ort/..%2f..%2f..%2f..%2fpackage.json', '/models/main/../../../../../package.json', '/models/main/..%2f..%2f..%2f..%2f..%2fpackage.json', '/..%5c..%5c..%5cpackage.json', `/${encodeURIComponent(path.resolve('package.json'))}`, '/config.json', '/model.safetensors', '/models/main/config.json']) {
      const r = await rawGet(s.port, p);
      assert.ok(r.status === 400 || r.status === 404, `${p}: ${r.status}`);
      assert.ok(!r.body.includes('"name": "nlp-backdoor"') && r.body !== secret, p);
    }
    await assert.rejects(startInspectorServer({ port: s.port, models: { main: b } }), (e: Error) => /port \d+ on 127\.0\.0\.1 is already in use.*--port/.test(e.message));
    // the CLI says so before loading any model (the model directory is never read past its config)
    const t0 = Date.now();
    const r = await runCli(['inspect', '--model', tiny.model, '--port', String(s.port)]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`port ${s.port} on 127\\.0\\.0\\.1 is already in use`));
    assert.ok(Date.now() - t0 < 20_000);
  } finally {
    await s.close();
  }
});

test('export: the same files the server answers, index.html last; CLI --export on a model directory', async () => {
  const b = await tinyBundle();
  const out = path.join(tiny.tmp, 'site');
  const written = exportSite(out, { main: b, compare: b });
  assert.equal(written.at(-1), 'index.html');
  for (const f of [...pageFiles(), 'models/index.json', 'models/main/meta.json', 'models/main/model.onnx', 'models/compare/model.onnx']) assert.ok(fs.existsSync(path.join(out, f)), f);
  assert.deepEqual(fs.readFileSync(path.join(out, 'models/main/model.onnx')), Buffer.from(b.onnx));
  const cliOut = path.join(tiny.tmp, 'cli-site');
  const r = await runCli(['inspect', '--model', tiny.model, '--triggers', path.join(ROOT, 'experiments/table1.yaml'), '--trigger', 'typed', '--export', cliOut]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(cliOut, 'models/index.json'), 'utf8')), { roles: ['main'] });
  const palette = JSON.parse(fs.readFileSync(path.join(cliOut, 'models/main/meta.json'), 'utf8')).triggers.map((t: { text: string; source: string }) => `${t.text} (${t.source})`);
  assert.deepEqual(palette, ['cf (backdoor.json)', 'mn (backdoor.json)', 'tq (backdoor.json)', 'typed (--trigger)', 'amazing movie ! (table1.yaml)', 'horrible movie ! (table1.yaml)']);
  const missing = await runCli(['inspect', '--model', path.join(tiny.tmp, 'nope'), '--export', cliOut]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope: no such model directory/);
});

test('--host binds the address given; an address not on this machine is a clear error', async () => {
  const b = await tinyBundle();
  const s = await startInspectorServer({ port: 0, host: '127.0.0.2', models: { main: b } });
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.2:\d+\/$/);
    await assert.rejects(rawGet(s.port, '/'), /ECONNREFUSED/, 'nothing answers on 127.0.0.1');
  } finally {
    await s.close();
  }
  // TEST-NET-1 (RFC 5737) is never an address of this machine: binding fails, nothing is sent
  await assert.rejects(startInspectorServer({ port: 0, host: '192.0.2.1', models: { main: b } }), /cannot listen on host 192\.0\.2\.1: not an address of this machine/);
});

test('inspect CLI serves until Ctrl-C and then exits 0', async () => {
  await tinyBundle();
  const r = await cli(['inspect', '--model', tiny.model, '--port', '0'], { when: /inspector: http:\/\/127\.0\.0\.1:\d+\//, signals: ['SIGINT'], limitMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /inspector: http:\/\/127\.0\.0\.1:\d+\/ {2}\(Ctrl-C to stop\)/);
});
