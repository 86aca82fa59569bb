// Where a sweep stands, from the coordinator's events (runner.ts `onProgress`): runs done, running, failed,
// found finished before, and an ETA. Pure state, no terminal: the CLI's live view (cli/sweep-view.ts) draws it,
// and tests drive it with made-up times.

export type SweepEvent =
  | { type: 'start'; total: number; workers: number }
  /** a run whose result was already known (the store, an older result.json, the cache): nothing to train */
  | { type: 'skipped'; id: string }
  | { type: 'run-start'; id: string }
  | { type: 'run-end'; id: string; status: 'done' | 'failed' | 'interrupted' };

export class SweepProgressState {
  total = 0;
  workers = 1;
  done = 0;
  failed = 0;
  skipped = 0;
  interrupted = 0;
  /** runs in progress and when each started (ms) */
  readonly running = new Map<string, number>();
  /** wall seconds of each run trained to the end here (done or failed after starting) */
  private readonly durations: number[] = [];

  apply(ev: SweepEvent, now: number): void {
    switch (ev.type) {
      case 'start':
        this.total = ev.total;
        this.workers = Math.max(1, ev.workers);
        break;
      case 'skipped':
        this.skipped++;
        break;
      case 'run-start':
        this.running.set(ev.id, now);
        break;
      case 'run-end': {
        const t0 = this.running.get(ev.id);
        this.running.delete(ev.id);
        if (ev.status === 'interrupted') this.interrupted++;
        else if (ev.status === 'done') this.done++;
        else this.failed++;
        // a run that failed before it started (its transfer source failed) took no time: not an estimate
        if (t0 !== undefined && ev.status !== 'interrupted') this.durations.push((now - t0) / 1000);
        break;
      }
    }
  }

  /** runs with an outcome: trained here (done or failed) or known before */
  get finished(): number {
    return this.done + this.failed + this.skipped;
  }

  /** runs neither finished nor running */
  get queued(): number {
    return Math.max(0, this.total - this.finished - this.interrupted - this.running.size);
  }

  /**
   * Seconds until every run has an outcome, or null before any run has finished here: the mean duration of
   * the runs trained so far for each queued run, plus what the running ones have left of that mean, spread
   * over the workers (`workers` runs at a time).
   */
  eta(now: number): number | null {
    if (this.durations.length === 0) return null;
    const mean = this.durations.reduce((a, b) => a + b, 0) / this.durations.length;
    let left = this.queued * mean;
    for (const t0 of this.running.values()) left += Math.max(0, mean - (now - t0) / 1000);
    const parallel = Math.max(1, Math.min(this.workers, this.queued + this.running.size));
    return left / parallel;
  }

  /** `12/72 done · 2 running · 1 failed · 30 before · eta 5m 03s` (done counts the runs finished before) */
  summary(now: number): string {
    const parts = [`${this.done + this.skipped}/${this.total} done`, `${this.running.size} running`, `${this.failed} failed`];
    if (this.skipped) parts.push(`${this.skipped} before`);
    const eta = this.eta(now);
    parts.push(`eta ${eta === null ? '?' : formatSeconds(eta)}`);
    return parts.join(' · ');
  }
}

/** 45s, 5m 03s, 2h 07m */
export function formatSeconds(s: number): string {
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m ${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}
