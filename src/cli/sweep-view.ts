// The live terminal view of `run`: one bar for the sweep (done / running / failed, ETA; the state is
// experiments/sweep-progress.ts) drawn by cli-progress, the runs in progress beside it, log lines above it,
// and, when the runs train in this process (--workers 1), the running run's epoch bar under it. Only on a
// terminal and not in CI (common/progress.ts progressEnabled); elsewhere `run` prints its plain log lines.
import type cliProgress from 'cli-progress';
import { openDisplay, closeDisplay, progressLog } from '../common/progress.js';
import { SweepProgressState, type SweepEvent } from '../experiments/sweep-progress.js';

export class SweepView {
  private readonly state = new SweepProgressState();
  private bar: cliProgress.SingleBar | null = null;
  private readonly timer: NodeJS.Timeout;

  private constructor(private readonly display: cliProgress.MultiBar) {
    // the ETA and the running runs' times move between events too
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  /** The view, or null where progress is not drawn (CI, not a terminal). */
  static open(stream: NodeJS.WriteStream = process.stderr): SweepView | null {
    const display = openDisplay(stream);
    return display ? new SweepView(display) : null;
  }

  readonly onEvent = (ev: SweepEvent): void => {
    const now = Date.now();
    this.state.apply(ev, now);
    this.bar ??= this.display.create(Math.max(1, this.state.total), 0, { label: 'sweep', info: '' });
    this.draw();
  };

  readonly log = (line: string): void => progressLog(line);

  private draw(): void {
    if (!this.bar) return;
    const now = Date.now();
    const running = [...this.state.running.keys()];
    const shown = running.length > 3 ? `${running.slice(0, 3).join(', ')}, …` : running.join(', ');
    this.bar.setTotal(Math.max(1, this.state.total));
    this.bar.update(this.state.finished, { label: 'sweep', info: `${this.state.summary(now)}${shown ? ` | ${shown}` : ''}` });
  }

  close(): void {
    clearInterval(this.timer);
    this.draw();
    closeDisplay();
  }
}
