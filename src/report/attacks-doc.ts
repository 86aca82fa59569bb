// docs/attacks.md, rendered from the code: the options of every attack and every experiment-file key come from
// the JSON schema of the zod schemas that validate them, each attack's defaults from building its recipe, the
// training defaults from defaultTrainConfig and the --data-dir layout from the dataset registry. A test
// compares the committed file with this output, so the page cannot drift (rebuild: npm run docs:attacks).
import { ATTACK_TYPES, createAttack, DEFAULT_PROPORTION, type PoisonRecipe } from '../attacks/index.js';
import { isPerLabel, toTrigger } from '../triggers/trigger.js';
import { knownDatasets } from '../data/index.js';
import { layoutOf } from '../data/datasets/dataset.js';
import { defaultTrainConfig, type CnnTrainConfig } from '../train/train-classifier.js';
import { attackJsonSchema, experimentJsonSchema } from '../experiments/json-schema.js';

type Json = Record<string, unknown>;

/** An example experiment file shown on the page; the docs test parses it, so it stays valid. */
export const EXAMPLE_EXPERIMENT = `name: example
description: semantic append and rare-word BadNets on MR (ships with the package)
seed: 1
dataset: { name: mr }
train: { epochs: 5, patience: 2 }
eval: { triggers: { cf: "cf" } }
runs:
  - name: clean
  - name: append
    attack: { type: semantic-append, proportion: 0.25, triggers: { positive: "amazing movie !", negative: "horrible movie !" } }
  - name: rare
    attack: { type: badnets, proportion: 0.1, target: positive, words: [cf, mn] }
    sweep: { attack.proportion: [0.01, 0.1] }
  - name: small-target
    transfer: { from: rare_proportion=0.1, mode: head }
    train: { maxTrain: 200 }
`;

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string): string => '`' + s + '`';

/** A JSON schema node as a short type: `number (> 0, ≤ 1)`, `"add" or "replace"`, `map of string`. */
function typeOf(n: Json): string {
  if ('const' in n) return JSON.stringify(n['const']);
  if (Array.isArray(n['enum'])) return (n['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' or ');
  const alts = (n['anyOf'] ?? n['oneOf']) as Json[] | undefined;
  if (alts) return alts.map(typeOf).join(' or ');
  const t = n['type'];
  if (Array.isArray(t)) return t.join(' or ');
  const limits: string[] = [];
  if (typeof n['exclusiveMinimum'] === 'number') limits.push(`> ${n['exclusiveMinimum']}`);
  if (typeof n['minimum'] === 'number') limits.push(`≥ ${n['minimum']}`);
  if (typeof n['exclusiveMaximum'] === 'number') limits.push(`< ${n['exclusiveMaximum']}`);
  // zod writes Number.MAX_SAFE_INTEGER as the bound of every integer: not a limit worth showing
  if (typeof n['maximum'] === 'number' && n['maximum'] < Number.MAX_SAFE_INTEGER) limits.push(`≤ ${n['maximum']}`);
  if (typeof n['minItems'] === 'number' && n['minItems'] > 0) limits.push(`${n['minItems']}+ items`);
  if (typeof n['maxItems'] === 'number') limits.push(`at most ${n['maxItems']}`);
  const lim = limits.length ? ` (${limits.join(', ')})` : '';
  if (t === 'array') return `list of ${typeOf((n['items'] as Json) ?? {})}${lim}`;
  if (t === 'object') {
    const ap = n['additionalProperties'];
    if (ap && typeof ap === 'object' && !n['properties']) return `map of ${typeOf(ap as Json)}`;
    const props = Object.keys((n['properties'] as Json) ?? {});
    return props.length ? `{ ${props.join(', ')} }` : 'object';
  }
  return typeof t === 'string' ? `${t}${lim}` : 'any';
}

/** The object alternatives of a node (a union of objects) or the node itself. */
const objectsOf = (n: Json): Json[] => ((n['anyOf'] ?? n['oneOf']) as Json[] | undefined)?.filter((a) => a['type'] === 'object') ?? [n];

function keyTable(n: Json, defaults: Record<string, unknown> = {}, skip: string[] = []): string {
  const props = (n['properties'] as Record<string, Json>) ?? {};
  const required = new Set((n['required'] as string[]) ?? []);
  const withDefaults = Object.keys(defaults).length > 0;
  const rows = Object.entries(props)
    .filter(([k]) => !skip.includes(k))
    .map(([k, p]) => {
      const d = k in defaults ? code(JSON.stringify(defaults[k])) : '';
      return `| ${code(k)} | ${esc(typeOf(p))} | ${required.has(k) ? 'yes' : ''} |${withDefaults ? ` ${d} |` : ''} ${esc(String(p['description'] ?? ''))} |`;
    });
  const head = withDefaults ? '| key | type | required | default | description |\n| --- | --- | --- | --- | --- |' : '| key | type | required | description |\n| --- | --- | --- | --- |';
  return `${head}\n${rows.join('\n')}\n`;
}

function triggerOf(r: PoisonRecipe): string {
  if (isPerLabel(r.trigger)) {
    return Object.entries(r.trigger.perLabel)
      .map(([label, t]) => `label ${label}: ${toTrigger(t).texts.map((x) => code(x)).join(' / ')}`)
      .join('; ');
  }
  const t = toTrigger(r.trigger);
  return t.texts.length > 1 ? `one of ${t.texts.map(code).join(', ')} per insertion` : code(t.texts[0]!);
}

function labelOf(r: PoisonRecipe): string {
  switch (r.label.kind) {
    case 'target':
      return `target ${code(JSON.stringify(r.label.target))}`;
    case 'reverse':
      return '`reverse` (binary: 0 ↔ 1)';
    case 'keep':
      return 'kept (no ASR)';
  }
}

/** Each attack's defaults, read from the recipe it builds with only `type` and `proportion` given. */
function attackDefaults(): string {
  const rows = ATTACK_TYPES.map((type) => {
    const r = createAttack({ type, proportion: DEFAULT_PROPORTION } as Parameters<typeof createAttack>[0]);
    return `| ${code(type)} | ${esc(triggerOf(r))} | ${esc(r.insert.description)} | ${esc(labelOf(r))} | ${code(r.mode)} | ${esc(r.citation ?? '')} |`;
  });
  return ['| type | trigger | where | label | mode | paper |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}

function attackSections(): string {
  const alts = objectsOf(attackJsonSchema());
  return alts
    .map((a) => {
      const type = ((a['properties'] as Record<string, Json>)['type']!['const'] as string) ?? '?';
      return `### ${type}\n\n${keyTable(a, {}, ['type'])}`;
    })
    .join('\n');
}

// schema keys → CnnTrainConfig fields whose defaults they override
const TRAIN_FIELDS: Record<string, keyof CnnTrainConfig> = { epochs: 'epochs', batchSize: 'batchSize', lr: 'lr', weightDecay: 'weightDecay', decay: 'decay', patience: 'patience' };
const MODEL_FIELDS: Record<string, keyof CnnTrainConfig> = { filterWidths: 'filterWidths', numFilters: 'numFilters', dropout: 'dropout', static: 'staticEmbeddings', vectors: 'vectors', maxLength: 'maxLength' };
const defaultsOf = (fields: Record<string, keyof CnnTrainConfig>) => Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, defaultTrainConfig[f]]));

function dataDirTable(): string {
  const rows = knownDatasets.map(
    (d) =>
      `| ${code(d.name)} | ${d.ships ? 'yes' : ''} | ${code(layoutOf(d))}${d.folderAliases?.length ? ` (or ${d.folderAliases.map(code).join(', ')})` : ''} | ${d.labelNames.map((l, i) => `${i}: ${code(l)}`).join(', ')} | ${esc(d.split)} |`,
  );
  return ['| name | ships | under DIR | labels (index: name) | split |', '| --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}

export function renderAttacksDoc(): string {
  const exp = experimentJsonSchema();
  const props = exp['properties'] as Record<string, Json>;
  const [named, file] = objectsOf(props['dataset']!);
  const run = (props['runs']!['items'] as Json)!;
  const runProps = run['properties'] as Record<string, Json>;
  const section = (title: string, body: string) => `## ${title}\n\n${body}`;
  return [
    '# Attacks and experiment files',
    '',
    '<!-- Generated by `npm run docs:attacks` (src/report/attacks-doc.ts) from the schemas that validate experiment',
    '     files and attack configs; test/report/attacks-doc.test.ts fails when this file is stale. Do not edit. -->',
    '',
    'Every option below is checked when a file is read (an unknown key is an error naming its line). The same',
    'definitions as JSON Schema: `nlp-backdoor schema` (experiment files) and `nlp-backdoor schema attack`',
    '(what `poison --attack JSON` and a run\'s `attack:` take).',
    '',
    section(
      'Attacks',
      [
        'A poisoning attack is a trigger (what text) × an insertion (where) × a label policy × a selection (which',
        `examples, how many: \`proportion\` of the clean training set, ${DEFAULT_PROPORTION} in the library when not given). Defaults of each`,
        'type when only `type` and `proportion` are given:',
        '',
        attackDefaults(),
        'Options of every type:',
        '',
        attackSections(),
      ].join('\n'),
    ),
    section(
      'Labels in attacks: names or indices',
      [
        '`target`, the keys and values of `mapping` and the keys of `triggers` (semantic-append) name labels. Each may be',
        'a label **name**, as the data spells it (or as `labelNames` fixes it), or a 0-based label **index**, written as',
        'a number or a string of digits (`1`, `"1"`). Indices count in the order of the dataset\'s labels: sorted values',
        '(numerically when every value is a number) for a file, the order in the table under `--data-dir` for a named',
        'dataset. A name wins over an index when a label is itself a digit string. A key that is neither a label of the',
        'data nor an index in range is an error at `run --validate-only`, naming the file, line and key.',
        '',
        'Multi-class data: `target: reverse` needs a `mapping` (source → new label); ASR then counts only inputs that',
        'land on the mapped label (AG News `{ Sports: World }`: a sports input predicted as Business is not a success).',
        '',
      ].join('\n'),
    ),
    section(
      'Experiment files',
      [
        'YAML (or JSON). Relative paths resolve against the file\'s folder. Example:',
        '',
        '```yaml',
        EXAMPLE_EXPERIMENT.trimEnd(),
        '```',
        '',
        '`nlp-backdoor run FILE --validate-only` resolves everything that needs no training (datasets, files, columns,',
        'labels, trigger keys, transfer sources, the output folder) and lists the runs; `run` does the same before its',
        'first run. `run FILE --set key.path=value` overrides a value for a quick trial (repeatable; YAML values;',
        'a run by name or index: `--set train.epochs=1`, `--set runs.rare.attack.proportion=0.2`); the overrides are',
        'validated like the file and recorded in results.json.',
        '',
        '### Top level',
        '',
        keyTable(exp),
        '### dataset: a named dataset',
        '',
        keyTable(named!),
        '### dataset: a file or folder',
        '',
        keyTable(file!),
        '### model',
        '',
        keyTable(props['model']!, defaultsOf(MODEL_FIELDS)),
        '### train (top level, or per run)',
        '',
        keyTable(props['train']!, defaultsOf(TRAIN_FIELDS)),
        '### runs[]',
        '',
        keyTable(run),
        '### runs[].transfer',
        '',
        keyTable(runProps['transfer']!),
        '### eval',
        '',
        keyTable(props['eval']!),
      ].join('\n'),
    ),
    section(
      '`--data-dir`: where named datasets live',
      [
        '`--data-dir DIR` (`dataDir:` in a dataset entry) points at a folder laid out like the project\'s data folder: each',
        'dataset in its original release format under its folder name (DIR may also be that dataset folder itself).',
        'Datasets that ship with the package need no DIR.',
        '',
        dataDirTable(),
      ].join('\n'),
    ),
  ].join('\n');
}
