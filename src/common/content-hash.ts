// Content identity: SHA-256 of file bytes and of text. Caches and resumable runs key on these rather than on
// file times or sizes, which copies (`cp -p`, `rsync -a`, `tar x`) and same-length edits leave unchanged.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

/** Hex SHA-256 of a file's bytes, read in chunks (model weights can be hundreds of MB). */
export function sha256File(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Hex SHA-256 of strings (or bytes), each part length-prefixed so ["ab", "c"] and ["a", "bc"] differ. */
export function sha256Of(parts: Iterable<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    h.update(`${b.length}:`);
    h.update(b);
  }
  return h.digest('hex');
}
