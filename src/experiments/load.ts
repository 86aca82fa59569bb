// Read and validate an experiment file. YAML positions let every schema error name the file, line and key.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument, LineCounter, isMap, isSeq, type Node } from 'yaml';
import { z } from 'zod';
import { experimentSchema, type ExperimentConfig } from './schema.js';
import { attackConfigSchema } from '../attacks/config.js';
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

/** Parse experiment text (YAML; JSON is YAML). `file` is used in messages and to resolve relative paths. */
export function parseExperiment(text: string, file: string): ExperimentConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new InputError(`invalid YAML: ${e.message.split('\n')[0]}`, file, line);
  }
  const raw = doc.toJS() as unknown;
  if (raw === null || typeof raw !== 'object') throw new InputError('an experiment file must be a mapping with name, dataset and runs', file, 1);
  const lineOf = (p: (string | number)[]): number | undefined => {
    for (let i = p.length; i >= 0; i--) {
      const n = nodeAt(doc.contents as Node, p.slice(0, i));
      if (n?.range) return lc.linePos(n.range[0]).line;
    }
    return undefined;
  };
  const fail = (issues: z.core.$ZodIssue[], prefix: (string | number)[] = []) => {
    const lines = issues.map((i) => {
      const p = [...prefix, ...(i.path as (string | number)[])];
      const l = lineOf(p);
      return `${file}${l ? `:${l}` : ''}: ${p.length ? p.join('.') : '(top level)'}: ${i.message}`;
    });
    const first = issues[0]!;
    const p = [...prefix, ...(first.path as (string | number)[])];
    throw new InputError(`invalid experiment:\n${lines.join('\n')}`, file, lineOf(p), p.join('.'));
  };
  const r = experimentSchema.safeParse(raw);
  if (!r.success) fail(r.error.issues);
  const cfg = r.data!;
  // attacks are checked here too (with proportion 0 allowed for sweeps' clean baselines)
  cfg.runs.forEach((run, i) => {
    if (!run.attack) return;
    const a = { ...(run.attack as Record<string, unknown>) };
    if (a['proportion'] === 0) a['proportion'] = 1;
    const ar = attackConfigSchema.safeParse(a);
    if (!ar.success) fail(ar.error.issues, ['runs', i, 'attack']);
  });
  const names = new Set<string>();
  cfg.runs.forEach((run, i) => {
    if (names.has(run.name)) throw new InputError(`duplicate run name "${run.name}"`, file, lineOf(['runs', i, 'name']), `runs.${i}.name`);
    names.add(run.name);
  });
  return cfg;
}

export function loadExperiment(file: string): { config: ExperimentConfig; baseDir: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read experiment file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
  }
  return { config: parseExperiment(text.replace(/^\uFEFF/, ''), file), baseDir: path.dirname(path.resolve(file)) };
}
