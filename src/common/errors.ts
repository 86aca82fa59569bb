// Errors are values with context, thrown where input enters the program.
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
