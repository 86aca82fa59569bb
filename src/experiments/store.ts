// The result store of an experiment folder: DIR/store.jsonl, an append-only log of run outcomes, one JSON
// object a line. A run counts as finished once its line is written and fsync'ed; results.json and report.md
// are views rebuilt from it. Why a JSONL log rather than SQLite (docs/sweeps.md): one process writes it (the
// coordinator: workers hand their results over), so the log needs no locking; appending a line and fsync'ing
// is the whole durability story (a kill leaves at most a torn last line, which has no newline and is cut
// off on the next open); it needs no native module (better-sqlite3 must match the Node ABI and v13 crashes
// on Node 20 here); and it stays readable with `tail`/`jq` and mergeable with `cat`.
//
// Line 1 is a header naming the experiment, so a folder written by another experiment file is refused
// before anything runs. Every later line is an outcome: `done` (with the full RunResult) or `failed` (with
// the error) for a run key (expand.ts). A key's latest `done` line whose fingerprint matches the run is its
// result; a rerun retries keys whose latest line is `failed` and never appends a second `done` for a key
// that has one with the same fingerprint.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../common/errors.js';
import type { RunResult } from './runner.js';

export const STORE_FILE = 'store.jsonl';
/** held by the process writing the store: a second `run` into the same folder is refused while it lives */
export const LOCK_FILE = 'store.lock';
const FORMAT = 'nlp-backdoor-store/1';

export interface StoreHeader {
  type: 'header';
  format: typeof FORMAT;
  experiment: string;
  /** the experiment file's name (no folder: the store may move between machines) */
  file: string | null;
  created: string;
}

export interface DoneOutcome {
  type: 'done';
  key: string;
  id: string;
  fingerprint: string;
  result: RunResult;
  /** which process finished it: "local", "worker <pid>", or a queue worker's name */
  by: string;
  at: string;
}

export interface FailedOutcome {
  type: 'failed';
  key: string;
  id: string;
  fingerprint: string;
  error: string;
  by: string;
  at: string;
}

export type Outcome = DoneOutcome | FailedOutcome;

export class ResultStore {
  readonly file: string;
  private readonly lines: Outcome[] = [];
  private fd: number;
  private readonly release: () => void;

  private constructor(file: string, fd: number, lines: Outcome[], release: () => void) {
    this.file = file;
    this.fd = fd;
    this.lines = lines;
    this.release = release;
  }

  /**
   * Open (or create) DIR/store.jsonl for experiment `name`. A store written for another experiment is an
   * error naming the store and both experiments; a torn last line (a kill during an append) is cut off.
   */
  static open(dir: string, experiment: { name: string; file?: string }, opts: { readOnly?: boolean } = {}): ResultStore {
    const file = path.join(dir, STORE_FILE);
    if (opts.readOnly && !fs.existsSync(file)) throw new InputError('no result store here', file);
    if (!opts.readOnly) fs.mkdirSync(dir, { recursive: true });
    // one writer at a time: a second `run` into the same folder would train the same runs twice
    const release = opts.readOnly ? () => {} : lock(path.join(dir, LOCK_FILE));
    let fd = -1;
    try {
      fd = fs.openSync(file, opts.readOnly ? 'r' : fs.existsSync(file) ? 'r+' : 'w+');
      const text = fs.readFileSync(fd, 'utf8');
      // everything after the last newline is a line whose append never finished: never counted, dropped
      const whole = text.lastIndexOf('\n') + 1;
      if (whole < text.length && !opts.readOnly) fs.ftruncateSync(fd, Buffer.byteLength(text.slice(0, whole)));
      const rows = text.slice(0, whole).split('\n').slice(0, -1);
      const parsed = rows.map((l, i) => {
        try {
          return JSON.parse(l) as StoreHeader | Outcome;
        } catch (e) {
          throw new InputError(`not a result store line (${(e as Error).message}); the store is damaged: move it away to start over`, file, i + 1);
        }
      });
      const fileName = experiment.file ? path.basename(experiment.file) : null;
      if (parsed.length === 0) {
        if (opts.readOnly) throw new InputError('an empty result store', file);
        const header: StoreHeader = { type: 'header', format: FORMAT, experiment: experiment.name, file: fileName, created: new Date().toISOString() };
        appendLine(fd, header);
      } else {
        const h = parsed[0] as StoreHeader;
        if (h.type !== 'header' || h.format !== FORMAT) throw new InputError(`not an nlp-backdoor result store (expected a ${FORMAT} header)`, file, 1);
        if (h.experiment !== experiment.name) {
          throw new InputError(
            `this folder holds the results of experiment "${h.experiment}"${h.file ? ` (${h.file})` : ''}, not of "${experiment.name}"${fileName ? ` (${fileName})` : ''}; give another --out (its finished runs are left untouched)`,
            file,
            1,
          );
        }
      }
      const outcomes = parsed.slice(1).map((o, i) => {
        if (o.type !== 'done' && o.type !== 'failed') throw new InputError(`unknown line type ${JSON.stringify((o as { type?: unknown }).type)}`, file, i + 2);
        return o;
      });
      return new ResultStore(file, fd, outcomes, release);
    } catch (e) {
      if (fd >= 0) fs.closeSync(fd);
      release();
      throw e;
    }
  }

  /** Every outcome, in the order written. */
  all(): readonly Outcome[] {
    return this.lines;
  }

  /** The latest outcome of a run key, if any. */
  latest(key: string): Outcome | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) if (this.lines[i]!.key === key) return this.lines[i];
    return undefined;
  }

  /** The run's result when it finished under this fingerprint (same data, configuration, versions). */
  done(key: string, fingerprint: string): DoneOutcome | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const o = this.lines[i]!;
      if (o.key === key && o.type === 'done' && o.fingerprint === fingerprint) return o;
    }
    return undefined;
  }

  /**
   * Append an outcome durably: one write of the whole line, then fsync; only then does it count. A second
   * `done` for a key already done under the same fingerprint is not written (exactly one stored outcome).
   */
  record(o: Outcome): boolean {
    if (o.type === 'done' && this.done(o.key, o.fingerprint)) return false;
    appendLine(this.fd, o);
    this.lines.push(o);
    return true;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    this.release();
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Take DIR/store.lock (created exclusively, naming this process). A lock whose process is gone (a killed
 * `run`, same machine) is taken over; a live one is an error naming its holder.
 */
function lock(file: string): () => void {
  const me = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx' });
      let released = false;
      return () => {
        if (!released) fs.rmSync(file, { force: true });
        released = true;
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: { pid?: number; host?: string; since?: string } = {};
    try {
      holder = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof holder;
    } catch {
      // a lock file torn by a kill between create and write: its writer is gone
    }
    const stale = holder.pid === undefined || (holder.host === me.host && !alive(holder.pid));
    if (!stale) {
      throw new InputError(`another nlp-backdoor process (pid ${holder.pid} on ${holder.host}, since ${holder.since}) is writing this folder; wait for it to finish or stop it (a lock left by a process on another machine: delete this file)`, file);
    }
    fs.rmSync(file, { force: true });
  }
  throw new InputError('cannot take the lock of this folder', file);
}

function appendLine(fd: number, value: unknown): void {
  const buf = Buffer.from(JSON.stringify(value) + '\n', 'utf8');
  // positionless writes on an fd opened without O_APPEND continue at the current offset: go to the end first
  const end = fs.fstatSync(fd).size;
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off, end + off);
  fs.fsyncSync(fd);
}
