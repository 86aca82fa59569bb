// Where the package's own files are, found from this module's location so it works from src/data (tsx,
// tests on sources) and dist/src/data (the build) alike, in a checkout or under node_modules.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The nearest folder above this module that holds a package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The datasets the package ships (MR, SST-2), laid out like a --data-dir. */
export function shippedDataDir(): string {
  return path.join(packageRoot(), 'assets', 'data');
}
