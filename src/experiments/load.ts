// Read and validate an experiment file. YAML positions let every schema error name the file, line and key.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseDocument, LineCounter, isMap, isSeq, type Node } from 'yaml';
import { z } from 'zod';
import { experimentSchema, type ExperimentConfig } from './schema.js';
import { attackConfigSchema } from '../attacks/config.js';
import { setPath } from './expand.js';
import { InputError } from '../common/errors.js';

function nodeAt(doc: Node | null | undefined, keyPath: (string | number)[]): Node | null {
  let n: Node | null | undefined = doc;
  for (const k of keyPath) {
    if (!n) return null;
    if (isMap(n)) n = n.get(k, true) as Node | undefined;
    else if (isSeq(n)) n = n.get(Number(k), true) as Node | undefined;
    else return null;
  }
  return n ?? null;
}

/** The line of a key path in the experiment file (the nearest enclosing key that has one). */
export type LineOf = (keyPath: readonly (string | number)[]) => number | undefined;

export interface ParseOptions {
  /**
   * `key.path=value` overrides applied before validation (the CLI's `run --set`), e.g. "train.epochs=1" or
   * "runs.append.attack.proportion=0.5" (a run by name or index). Values are YAML scalars or flow
   * collections ("1" a number, "true" a boolean, "[0.1, 0.2]" a list). Each is validated like the file.
   * A key of a map that itself contains dots (a sweep's "attack.proportion") cannot be addressed: set the
   * whole map instead ("runs.rare.sweep={ attack.proportion: [0.1] }").
   */
  set?: readonly string[];
}

export interface ParsedExperiment {
  config: ExperimentConfig;
  lineOf: LineOf;
  /** the overrides, as given, in the order applied */
  overrides: string[];
}

interface Override {
  text: string;
  path: (string | number)[];
}

/** Parse "a.b=value" and apply it to the raw document, creating mappings on the way. */
function applyOverride(raw: Record<string, unknown>, text: string): Override {
  const eq = text.indexOf('=');
  const key = eq > 0 ? text.slice(0, eq).trim() : '';
  if (!key || key.split('.').some((k) => k === '')) throw new InputError(`--set ${text}: expected key.path=value (e.g. train.epochs=1)`);
  let value: unknown;
  try {
    value = parse(text.slice(eq + 1));
  } catch (e) {
    throw new InputError(`--set ${text}: the value is not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  const segs = key.split('.');
  const resolved: (string | number)[] = [];
  let o: unknown = raw;
  segs.forEach((seg, i) => {
    const last = i === segs.length - 1;
    const where = resolved.length ? resolved.join('.') : '(top level)';
    let k: string | number = seg;
    if (Array.isArray(o)) {
      // a run by its name or its index
      const byName = o.findIndex((x) => x && typeof x === 'object' && (x as { name?: unknown }).name === seg);
      k = byName >= 0 ? byName : /^\d+$/.test(seg) && Number(seg) < o.length ? Number(seg) : -1;
      if (k === -1) {
        const names = o.map((x) => (x as { name?: unknown })?.name).filter((n) => typeof n === 'string');
        throw new InputError(`--set ${text}: ${where} has no entry "${seg}" (give an index below ${o.length}${names.length ? ` or a name: ${names.join(', ')}` : ''})`);
      }
    } else if (o === null || typeof o !== 'object') {
      throw new InputError(`--set ${text}: ${where} is ${JSON.stringify(o)}, not a mapping, so it has no key "${seg}"`);
    }
    resolved.push(k);
    const container = o as Record<string | number, unknown>;
    if (last) container[k] = value;
    else {
      if (container[k] === undefined || container[k] === null) container[k] = {};
      o = container[k];
    }
  });
  return { text, path: resolved };
}

/** Parse experiment text (YAML; JSON is YAML). `file` is used in messages and to resolve relative paths. */
export function parseExperiment(text: string, file: string, opts: ParseOptions = {}): ExperimentConfig {
  return readExperiment(text, file, opts).config;
}

/** parseExperiment, with the line lookup of the file (for later errors: datasets, labels, trigger keys). */
export function readExperiment(text: string, file: string, opts: ParseOptions = {}): ParsedExperiment {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    // prettyErrors is off (its messages quote the source), so the position comes from the line counter
    const e = doc.errors[0]!;
    const { line, col } = lc.linePos(e.pos[0]);
    throw new InputError(`invalid YAML at line ${line}, column ${col}: ${e.message.split('\n')[0]}`, file, line);
  }
  const raw = doc.toJS() as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError('an experiment file must be a mapping with name, dataset and runs', file, 1);
  const overrides = (opts.set ?? []).map((t) => applyOverride(raw as Record<string, unknown>, t));
  const lineOf = (p: readonly (string | number)[]): number | undefined => {
    for (let i = p.length; i >= 0; i--) {
      const n = nodeAt(doc.contents as Node, p.slice(0, i));
      if (n?.range) return lc.linePos(n.range[0]).line;
    }
    return undefined;
  };
  const fail = (issues: z.core.$ZodIssue[], prefix: (string | number)[] = []) => {
    // an issue inside a value an override set is reported at the override, not at a line of the file
    const overrideOf = (i: z.core.$ZodIssue): Override | undefined => {
      const p = [...prefix, ...(i.path as (string | number)[])];
      const full = i.code === 'unrecognized_keys' ? i.keys.map((k) => [...p, k]) : [p];
      return [...overrides].reverse().find((o) => full.some((f) => o.path.every((s, j) => String(f[j]) === String(s))));
    };
    const lines = issues.map((i) => {
      const p = [...prefix, ...(i.path as (string | number)[])];
      const o = overrideOf(i);
      const l = o ? undefined : lineOf(p);
      return `${o ? `--set ${o.text}` : `${file}${l ? `:${l}` : ''}`}: ${p.length ? p.join('.') : '(top level)'}: ${i.message}`;
    });
    const first = issues[0]!;
    const p = [...prefix, ...(first.path as (string | number)[])];
    throw new InputError(`invalid experiment:\n${lines.join('\n')}`, file, overrideOf(first) ? undefined : lineOf(p), p.join('.'));
  };
  const r = experimentSchema.safeParse(raw);
  if (!r.success) fail(r.error.issues);
  const cfg = r.data!;
  // attacks are checked here too (with proportion 0 allowed for sweeps' clean baselines)
  cfg.runs.forEach((run, i) => {
    if (!run.attack) return;
    const a = { ...(run.attack as Record<string, unknown>) };
    // a key the run's sweep sets may be absent from the attack itself (the issue's example sweeps the
    // proportion of an attack that names none): it is checked here with its first swept value, every
    // other value when validation expands the sweep
    for (const [k, values] of Object.entries(run.sweep ?? {})) if (k.startsWith('attack.')) setPath(a, k.slice('attack.'.length), values[0]);
    if (a['proportion'] === 0) a['proportion'] = 1;
    const ar = attackConfigSchema.safeParse(a);
    if (!ar.success) fail(ar.error.issues, ['runs', i, 'attack']);
  });
  const names = new Set<string>();
  cfg.runs.forEach((run, i) => {
    if (names.has(run.name)) throw new InputError(`duplicate run name "${run.name}"`, file, lineOf(['runs', i, 'name']), `runs.${i}.name`);
    names.add(run.name);
  });
  return { config: cfg, lineOf, overrides: overrides.map((o) => o.text) };
}

export function loadExperiment(file: string, opts: ParseOptions = {}): ParsedExperiment & { baseDir: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read experiment file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
  }
  return { ...readExperiment(text.replace(/^\uFEFF/, ''), file, opts), baseDir: path.dirname(path.resolve(file)) };
}
