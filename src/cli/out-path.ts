// `--out` checked before any work: a folder flag pointing at a file (or below one) and a file flag pointing at
// a folder are usage errors naming the flag, instead of a raw ENOTDIR/EEXIST/EISDIR after minutes of loading.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileInTheWay } from '../common/paths.js';
import { requireStr, str, UsageError, type ParsedArgs } from './args.js';

/** Check a path that will be created as a folder; returns it. */
export function checkOutFolder(p: string, flag = 'out'): string {
  const f = fileInTheWay(p);
  if (f === path.resolve(p)) throw new UsageError(`--${flag} ${p} is an existing file; give a folder (new or existing) for the results`);
  if (f) throw new UsageError(`--${flag} ${p}: ${f} is a file, so no folder can be created below it`);
  return p;
}

/** Check a path that will be written as a file; returns it. */
export function checkOutFile(p: string, flag = 'out'): string {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(p);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new UsageError(`--${flag} ${p} is a folder; give a file name (e.g. ${path.join(p, 'out.jsonl')})`);
  const f = fileInTheWay(path.dirname(path.resolve(p)));
  if (f) throw new UsageError(`--${flag} ${p}: ${f} is a file, so it cannot hold ${path.basename(p)}`);
  return p;
}

/** The required folder flag, checked. */
export function outFolderFlag(args: ParsedArgs, flag = 'out'): string {
  return checkOutFolder(requireStr(args, flag), flag);
}

/** An optional file flag, checked. */
export function outFileFlag(args: ParsedArgs, flag = 'out'): string | undefined {
  const v = str(args, flag);
  return v === undefined ? undefined : checkOutFile(v, flag);
}
