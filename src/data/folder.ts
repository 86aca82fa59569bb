// Folder-per-label trees (ACL IMDB's train/pos/0_9.txt): each subfolder is a label, each file one example.
// Names are sorted so the example order, and with it every seeded split, is the same on every file system.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../common/errors.js';
import type { EmptyTexts } from './empty-text.js';
import type { RawExample } from './raw.js';
import { readText, type TextEncoding } from './read-text.js';

const visible = (name: string): boolean => !name.startsWith('.');

function entries(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => visible(d.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'folder not found' : code === 'ENOTDIR' ? 'is a file, not a folder' : `cannot read folder (${code ?? String(e)})`, dir);
  }
}

const isDir = (dir: string, d: fs.Dirent): boolean => d.isDirectory() || (d.isSymbolicLink() && fs.statSync(path.join(dir, d.name)).isDirectory());
const isFile = (dir: string, d: fs.Dirent): boolean => d.isFile() || (d.isSymbolicLink() && fs.statSync(path.join(dir, d.name)).isFile());

export function subfolders(dir: string): string[] {
  return entries(dir).filter((d) => isDir(dir, d)).map((d) => d.name);
}

export function filesIn(dir: string): string[] {
  return entries(dir).filter((d) => isFile(dir, d)).map((d) => d.name);
}

export interface FolderOptions {
  encoding?: TextEncoding;
  /** only these label folders (IMDB's train/ also holds unsup/); default: every subfolder */
  labels?: readonly string[];
  /** applied to each file's text before the empty-text check (IMDB's <br /> markup) */
  clean?: (text: string) => string;
}

export function readLabelFolders(dir: string, empties: EmptyTexts, opts: FolderOptions = {}): RawExample[] {
  const labels = opts.labels ?? subfolders(dir);
  if (labels.length === 0) throw new InputError('no label subfolders (expected one folder per label, one file per example)', dir);
  const out: RawExample[] = [];
  for (const label of labels) {
    const sub = path.join(dir, label);
    const files = filesIn(sub);
    // an empty label folder would drop its class without a word (and shift every label index after it)
    if (files.length === 0) throw new InputError(`label folder "${label}" has no files (one file per example expected); add its examples or remove the folder`, sub);
    for (const name of files) {
      const file = path.join(sub, name);
      const text = readText(file, opts.encoding);
      const raw = empties.example(opts.clean ? opts.clean(text) : text, label, file);
      if (raw) out.push(raw);
    }
  }
  return out;
}
