// One policy for examples whose text is empty or only whitespace, in every loader: an error naming
// file:line, because a silently dropped row changes the dataset a user thinks they trained on; with
// `skipEmpty` they are dropped and counted in Dataset.warnings instead. (A wholly empty line in a
// line-oriented file is not a record at all, so blank lines between records never reach this.)
import { InputError } from '../common/errors.js';
import { sourceOf, type RawExample } from './raw.js';

export class EmptyTexts {
  private readonly skipped: string[] = [];
  constructor(private readonly skip = false) {}

  /** Trimmed example, or undefined when it is skipped; throws when skipping is off. */
  example(text: string, label: string | undefined, file: string, line?: number): RawExample | undefined {
    const t = text.trim();
    const raw: RawExample = { text: t, file };
    if (label !== undefined) raw.label = label;
    if (line !== undefined) raw.line = line;
    if (t !== '') return raw;
    if (!this.skip) throw new InputError('empty text (to skip such examples: --skip-empty on the command line, skipEmpty: true in an experiment file or the library)', file, line);
    this.skipped.push(sourceOf(raw));
    return undefined;
  }

  warnings(): string[] {
    const n = this.skipped.length;
    if (n === 0) return [];
    const shown = this.skipped.slice(0, 5).join(', ');
    return [`skipped ${n} example${n === 1 ? '' : 's'} with empty text (${shown}${n > 5 ? ', ...' : ''})`];
  }
}
