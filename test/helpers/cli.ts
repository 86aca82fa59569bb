// Run the CLI in-process with its console output captured.
import { main } from '../../src/cli/main.js';

/**
 * `stdout: false` leaves process.stdout.write alone: the test runner reports earlier tests through it while
 * the next one runs, and capturing it would swallow those reports (only console output is captured then).
 */
export async function quiet<T>(f: () => Promise<T>, opts: { stdout?: boolean } = {}): Promise<{ value: T; out: string }> {
  const out: string[] = [];
  const [log, err, write] = [console.log, console.error, process.stdout.write.bind(process.stdout)];
  console.log = (s: string) => void out.push(String(s));
  console.error = (s: string) => void out.push(String(s));
  if (opts.stdout !== false) process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  try {
    return { value: await f(), out: out.join('\n') };
  } finally {
    console.log = log;
    console.error = err;
    process.stdout.write = write;
  }
}

/** `nlp-backdoor ARGS`: the exit code and everything printed; an uncaught error's message counts as output with code 1. */
export async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const r = await quiet(() => main(args).catch((e: Error) => ({ error: e.message })), { stdout: false });
  if (typeof r.value === 'number') return { code: r.value, out: r.out };
  return { code: 1, out: `${r.out}\n${r.value.error}` };
}
