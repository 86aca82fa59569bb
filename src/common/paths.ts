// Checks on paths the program will create, made before any work starts.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The nearest existing path at or above `p` that is not a folder, if any (creating `p` as a folder would fail on it). */
export function fileInTheWay(p: string): string | undefined {
  for (let q = path.resolve(p); ; q = path.dirname(q)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(q);
    } catch {
      st = undefined;
    }
    if (st) return st.isDirectory() ? undefined : q;
    if (path.dirname(q) === q) return undefined;
  }
}
