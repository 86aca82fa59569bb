// The trigger palette's sources: the triggers `inject` recorded beside a model (backdoor.json), and any file
// that names triggers: a backdoor.json or `trigger-metrics` result (JSON, a "triggers" list of
// {trigger: ...}), or an experiment file (YAML), whose attacks name theirs under `triggers` (a list of
// strings or {text}, or a label -> text map) or `trigger`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument, isMap, isSeq, isScalar, isPair, type Node as YamlNode } from 'yaml';
import { BACKDOOR_FILE } from '../train/inject.js';
import { InputError } from '../common/errors.js';

/** A trigger offered in the page's palette, and where it was recorded. */
export interface PaletteTrigger {
  text: string;
  source: string;
  /** the label (or target) the backdoor maps it to, when recorded */
  target?: unknown;
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
  }
}

/** Triggers of a JSON file with a "triggers" list whose entries have a "trigger" string (or list of strings). */
function jsonTriggers(file: string, text: string, source: string): PaletteTrigger[] {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not valid JSON (${(e as Error).message})`, file);
  }
  const list = (j as { triggers?: unknown })?.triggers;
  if (!Array.isArray(list)) throw new InputError('expected a "triggers" list (as `inject` and `trigger-metrics` write)', file, undefined, 'triggers');
  const out: PaletteTrigger[] = [];
  list.forEach((t: unknown, i) => {
    const v = (t as { trigger?: unknown })?.trigger;
    const texts = typeof v === 'string' ? [v] : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
    if (!texts) throw new InputError('each trigger needs a "trigger" string (or list of strings)', file, undefined, `triggers[${i}].trigger`);
    for (const s of texts) out.push({ text: s, source, ...((t as { target?: unknown }).target !== undefined ? { target: (t as { target?: unknown }).target } : {}) });
  });
  return out;
}

/** Every string under a `triggers`/`trigger` key of a YAML document (with {text} objects read as their text). */
function yamlTriggers(file: string, text: string, source: string): PaletteTrigger[] {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new InputError(e.message.split('\n')[0]!, file, e.linePos?.[0]?.line);
  }
  const out: PaletteTrigger[] = [];
  const strings = (n: unknown): void => {
    if (isScalar(n)) {
      if (typeof n.value === 'string' && n.value.trim() !== '') out.push({ text: n.value, source });
    } else if (isSeq(n)) n.items.forEach(strings);
    else if (isMap(n)) {
      const t = n.get('text', true);
      if (t !== undefined) strings(t);
      else n.items.forEach((p) => isPair(p) && strings(p.value));
    }
  };
  const walk = (n: YamlNode | null | undefined | unknown): void => {
    if (isSeq(n)) n.items.forEach(walk);
    else if (isMap(n)) {
      for (const p of n.items) {
        const k = isScalar(p.key) ? p.key.value : p.key;
        if (k === 'triggers' || k === 'trigger') strings(p.value);
        else walk(p.value);
      }
    }
  };
  walk(doc.contents);
  return out;
}

/** The triggers a file names (backdoor.json, a trigger-metrics result, an experiment file); an error when none. */
export function triggersFromFile(file: string): PaletteTrigger[] {
  const text = read(file);
  const source = path.basename(file);
  const found = /\.ya?ml$/i.test(file) ? yamlTriggers(file, text, source) : jsonTriggers(file, text, source);
  if (found.length === 0) throw new InputError('names no trigger (expected a backdoor.json, a trigger-metrics result or an experiment file with attack triggers)', file);
  const seen = new Set<string>();
  return found.filter((t) => !seen.has(t.text) && seen.add(t.text));
}

/** The triggers `inject` recorded in the directory's backdoor.json (none when there is no such file). */
export function recordedTriggers(dir: string): PaletteTrigger[] {
  const file = path.join(dir, BACKDOOR_FILE);
  return fs.existsSync(file) ? jsonTriggers(file, read(file), BACKDOOR_FILE) : [];
}
