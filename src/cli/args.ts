// Minimal flag parser for the CLI: `--key value`, `--key=value`, boolean `--flag`, positionals.
// Each command declares its flags so unknown flags and missing values are reported by name.

export interface FlagSpec {
  /** 'string' takes a value, 'boolean' does not; 'list' may repeat and collects values */
  type: 'string' | 'boolean' | 'list';
  description: string;
  default?: string;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: string[], specs: Record<string, FlagSpec>): ParsedArgs {
  const positionals: string[] = [];
  const flags: ParsedArgs['flags'] = {};
  for (const [k, s] of Object.entries(specs)) {
    if (s.default !== undefined) flags[k] = s.default;
    if (s.type === 'list') flags[k] = [];
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const spec = specs[name];
    if (!spec) {
      const known = Object.keys(specs).map((k) => `--${k}`).join(', ');
      throw new UsageError(`unknown option --${name} (known: ${known || 'none'})`);
    }
    if (spec.type === 'boolean') {
      if (eq >= 0) {
        const v = a.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(`--${name} takes no value or true/false, got "${v}"`);
        flags[name] = v === 'true';
      } else flags[name] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (spec.type === 'list') (flags[name] as string[]).push(value);
    else flags[name] = value;
  }
  return { positionals, flags };
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function requireStr(args: ParsedArgs, name: string): string {
  const v = str(args, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function bool(args: ParsedArgs, name: string): boolean {
  return args.flags[name] === true;
}

export function list(args: ParsedArgs, name: string): string[] {
  const v = args.flags[name];
  return Array.isArray(v) ? v : [];
}

export function num(args: ParsedArgs, name: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (opts.int && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${opts.int ? 'an integer' : 'a number'}, got "${v}"`);
  }
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${name} must be >= ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`--${name} must be <= ${opts.max}, got ${n}`);
  return n;
}

export function formatFlags(specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([k, s]) => {
    const left = `  --${k}${s.type === 'boolean' ? '' : ' <value>'}`;
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    return `${left.padEnd(30)} ${s.description}${def}`;
  });
  return rows.join('\n');
}
