// Errors are values with context, thrown where input enters the program.

/**
 * Input quoted in a message, cut to `max` characters: a 1 MB header line or a whole document in a label
 * column must not be echoed whole into an error.
 */
export function quote(s: string, max = 60): string {
  if (s.length <= max) return JSON.stringify(s);
  return `${JSON.stringify(s.slice(0, max))}… (${s.length.toLocaleString('en-US')} characters)`;
}

/** A list of quoted inputs, the first `max` of them. */
export function quoteList(xs: readonly string[], max = 12): string {
  const shown = xs.slice(0, max).map((x) => quote(x)).join(', ');
  return xs.length > max ? `${shown}, … (${xs.length} in all)` : shown;
}
export class InputError extends Error {
  /** the message without the location prefix */
  public readonly detail: string;
  constructor(
    message: string,
    public readonly file?: string,
    public readonly line?: number,
    public readonly key?: string,
  ) {
    const where = [file, line != null ? `line ${line}` : undefined, key ? `key "${key}"` : undefined].filter(Boolean).join(', ');
    super(where ? `${where}: ${message}` : message);
    this.name = 'InputError';
    this.detail = message;
  }
}
