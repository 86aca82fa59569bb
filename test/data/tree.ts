// Writes a small file tree into a fresh temp folder: { 'a/b.txt': 'text' | bytes }.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { InputError } from '../../src/common/errors.js';

export function tree(files: Record<string, string | Uint8Array>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nlp-backdoor-data-'));
  for (const [rel, body] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, body);
  }
  return root;
}

export const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** An assert.throws validator: an InputError with this file/line/key and a message matching `message`. */
export function inputError(expect: { file?: string; line?: number; key?: string; message?: RegExp }): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    if ('file' in expect) assert.equal(e.file, expect.file, e.message);
    if ('line' in expect) assert.equal(e.line, expect.line, e.message);
    if ('key' in expect) assert.equal(e.key, expect.key, e.message);
    if (expect.message) assert.match(e.message, expect.message);
    return true;
  };
}
