// Plain-object attack configs (from an experiment file) → recipes. One zod schema, discriminated on `type`,
// gives validation, the config type and readable errors; createAttack maps each type to its recipe.
import { z } from 'zod';
import { InputError } from '../common/errors.js';
import type { PoisonRecipe } from './recipe.js';
import { addsent } from './recipes/addsent.js';
import { badnets } from './recipes/badnets.js';
import { control } from './recipes/control.js';
import { semanticAppend } from './recipes/semantic-append.js';
import { trojannn } from './recipes/trojannn.js';

export const ATTACK_TYPES = ['trojannn', 'semantic-append', 'badnets', 'addsent', 'control'] as const;
export type AttackType = (typeof ATTACK_TYPES)[number];

const triggerText = z
  .string({ error: 'a trigger must be a string' })
  .min(1, 'a trigger must not be empty')
  .refine((s) => s.trim() === s, 'a trigger must not start or end with whitespace');

const label = z.union([z.number().int('a label index must be a whole number').nonnegative('a label index must be 0 or more'), z.string().min(1)], {
  error: 'a label is an index (0, 1, …) or a label name',
});
// Descriptions (.describe) become the JSON schema (`nlp-backdoor schema attack`) and docs/attacks.md.

const common = {
  proportion: z
    .number({ error: 'proportion must be a number in (0, 1], the fraction of the training set to poison' })
    .gt(0, 'proportion must be greater than 0')
    .lte(1, 'proportion must be at most 1 (a fraction of the training set, not a percentage)')
    .describe('fraction of the clean training set to poison: round(p·N) examples (0 is allowed in an experiment sweep: a clean baseline whose ASR is still measured)'),
  mode: z
    .enum(['add', 'replace'], { error: 'mode must be "add" (poisoned copies added) or "replace" (examples replaced)' })
    .optional()
    .describe('add: poisoned copies are appended to the clean set; replace: the chosen examples are replaced'),
};

const labelled = {
  ...common,
  /** target label (index or name), or "reverse" to flip labels */
  target: z
    .union([z.literal('reverse'), label], { error: 'target must be a label index, a label name, or "reverse"' })
    .optional()
    .describe('label poisoned examples get: a label name or 0-based index, or "reverse" to flip labels'),
  /** for "reverse" on multi-class data: source label → new label */
  mapping: z
    .record(z.string(), label)
    .optional()
    .describe('with target "reverse" on multi-class data: source label → new label (names or indices); labels not listed are not poisoned, and ASR counts only inputs landing on the mapped label'),
  /** poison only examples already of the target label */
  cleanLabel: z.boolean({ error: 'cleanLabel must be true or false' }).optional().describe('clean-label poisoning: only examples already of the target label get the trigger'),
};

const word = triggerText;

/** An object schema for one attack type that names the type and its allowed keys when given others. */
function attack<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  const keys = ['type', ...Object.keys(shape)];
  return z.strictObject(
    { type: z.literal(type), ...shape },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `${type} does not take ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}${type === 'control' && iss.keys.includes('target') ? ' (control triggers keep labels)' : ''}; allowed keys: ${keys.join(', ')}`
          : undefined,
    },
  );
}

export const attackConfigSchema = z
  .discriminatedUnion(
    'type',
    [
      attack('trojannn', {
        ...labelled,
        words: z.array(word).min(1, 'trojannn needs at least 1 trigger word').max(5, 'trojannn takes at most 5 trigger words').optional().describe('1 to 5 trigger words, inserted together in this order'),
        position: z.number().int('position must be a whole word index').nonnegative('position must be 0 or more').optional().describe('0-based word position of the trigger (shorter texts get it at the end)'),
      }),
      attack('semantic-append', {
        ...labelled,
        /** trigger per source label, keyed by label name or index */
        triggers: z.record(z.string(), triggerText).optional().describe('trigger text per source label, keyed by label name or 0-based index ("1", "pos")'),
      }),
      attack('badnets', {
        ...labelled,
        words: z.array(word).min(1, 'badnets needs at least 1 trigger word').optional().describe('candidate trigger words, one drawn per insertion'),
        insertions: z
          .union([
            z.number().int().min(1),
            z.strictObject({ min: z.number().int().min(1), max: z.number().int().min(1) }).refine((r) => r.min <= r.max, 'insertions.min must not exceed insertions.max'),
          ], { error: 'insertions must be a whole number ≥ 1 or {min, max}' })
          .optional()
          .describe('insertions per example: a number, or { min, max } drawn uniformly'),
      }),
      attack('addsent', { ...labelled, sentence: triggerText.optional().describe('the trigger sentence, inserted at a random sentence boundary') }),
      attack('control', { ...common, trigger: triggerText.optional().describe('the neutral phrase appended (labels are kept)') }),
    ],
    {
      error: (iss) =>
        iss.code === 'invalid_union' ? `unknown attack type ${JSON.stringify((iss.input as { type?: unknown } | undefined)?.type)}; expected one of ${ATTACK_TYPES.join(', ')}` : undefined,
    },
  )
  .superRefine((c, ctx) => {
    if (c.type === 'control') return;
    const reversing = c.target === 'reverse' || (c.target === undefined && c.type === 'semantic-append');
    if (c.cleanLabel && reversing) {
      ctx.addIssue({ code: 'custom', path: ['cleanLabel'], message: 'cleanLabel needs a target label; label reversal has none' });
    }
    if (c.mapping !== undefined && !reversing) {
      ctx.addIssue({ code: 'custom', path: ['mapping'], message: 'mapping only applies when target is "reverse"' });
    }
  });

/** A validated attack config. */
export type AttackConfig = z.output<typeof attackConfigSchema>;
/** What an experiment file may contain before validation. */
export type AttackConfigInput = z.input<typeof attackConfigSchema>;

/** Validate a config and build its recipe. Throws InputError listing every problem with its key. */
export function createAttack(config: AttackConfigInput): PoisonRecipe {
  const parsed = attackConfigSchema.safeParse(config);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new InputError(`invalid attack config:\n${z.prettifyError(parsed.error)}`, undefined, undefined, first?.path.join('.') || undefined);
  }
  const c = parsed.data;
  switch (c.type) {
    case 'trojannn':
      return trojannn(c);
    case 'semantic-append':
      return semanticAppend(c);
    case 'badnets':
      return badnets(c);
    case 'addsent':
      return addsent(c);
    case 'control':
      return control(c);
  }
}
