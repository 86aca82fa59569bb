// Running CLI commands inside a test: exit code (a thrown error counts as 1, as bin/ reports it), stdout and
// stderr captured; and a scratch copy of the committed tiny BERT classifier to run them on.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const [log, error, write] = [console.log, console.error, process.stderr.write.bind(process.stderr)];
  let out = '';
  let err = '';
  console.log = (m: unknown) => void (out += String(m) + '\n');
  console.error = (m: unknown) => void (err += String(m) + '\n');
  process.stderr.write = ((m: string | Uint8Array) => ((err += String(m)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), out, err };
  } catch (e) {
    return { code: 1, out, err: err + (e as Error).message };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}

/** A temporary folder with a copy of test/fixtures/bert/tiny as tmp/model (3 labels, 2 layers, 4 heads). */
export function tinyBertScratch(prefix: string): { tmp: string; model: string } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const model = path.join(tmp, 'model');
  fs.cpSync(path.join(root, 'test/fixtures/bert/tiny'), model, { recursive: true });
  return { tmp, model };
}
