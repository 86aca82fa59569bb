// Poisoned sets as TSV for inspection and for other toolkits: text, label (name), poisoned, trigger.
import type { Example } from '../data/types.js';
import { InputError } from '../common/errors.js';

/** Backslash, tab, newline and carriage return are escaped as \\ \t \n \r so every example is one line. */
function escapeField(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

/**
 * Header "text\tlabel\tpoisoned\ttrigger", one row per example. poisoned is 1 or 0; trigger lists the
 * inserted trigger strings in text order, joined with " | " (empty for clean examples).
 */
export function toTsv(examples: readonly Example[], labelNames: readonly string[]): string {
  const lines = ['text\tlabel\tpoisoned\ttrigger'];
  examples.forEach((e, i) => {
    const name = labelNames[e.label];
    if (name === undefined) throw new InputError(`example ${i}: label ${e.label} has no name (${labelNames.length} labels)`, e.source);
    const triggers = [...(e.triggers ?? [])].sort((a, b) => a.start - b.start).map((t) => t.trigger);
    lines.push([escapeField(e.text), escapeField(name), e.poisoned ? '1' : '0', escapeField(triggers.join(' | '))].join('\t'));
  });
  return lines.join('\n') + '\n';
}
