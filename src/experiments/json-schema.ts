// The experiment file and the attack config as JSON Schema (draft 2020-12), straight from the zod schemas that
// validate them (z.toJSONSchema), so editors can check files and docs/attacks.md cannot drift from the code.
import { z } from 'zod';
import { attackConfigSchema } from '../attacks/config.js';
import { experimentSchema, runSchema } from './schema.js';
import { defenseConfigSchema } from '../defenses/config.js';

const titled = (title: string, j: Record<string, unknown>): Record<string, unknown> => ({ $schema: j['$schema'], title, ...j });

/** What `poison --attack` and a run's `attack:` take. */
export function attackJsonSchema(): Record<string, unknown> {
  return titled('nlp-backdoor attack', z.toJSONSchema(attackConfigSchema, { io: 'input' }));
}

/**
 * An experiment file. The run schema validates `attack` and `defense` in a second step (so a sweep may set
 * proportion 0, or defense.type); here they are the attack and defense schemas themselves, which is what a file may hold.
 */
export function experimentJsonSchema(): Record<string, unknown> {
  const run = runSchema.extend({
    attack: attackConfigSchema.nullable().optional().describe(runSchema.shape.attack.description ?? ''),
    defense: defenseConfigSchema.nullable().optional().describe(runSchema.shape.defense.description ?? ''),
  });
  const doc = experimentSchema.extend({ runs: z.array(run).min(1).describe(experimentSchema.shape.runs.description ?? '') });
  return titled('nlp-backdoor experiment file', z.toJSONSchema(doc, { io: 'input' }));
}
