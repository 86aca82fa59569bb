// Progress bars on stderr, drawn by cli-progress (3.12.0) and only where someone watches: never in CI (the `CI`
// variable) nor when stdout or stderr is not a terminal (a log file or a pipe would get escape codes or a line
// per redraw). One live display at a time per process: the sweep view (cli/sweep-view.ts) opens it, and a
// run's own bar (the trainer's epochs, in a sweep trained in this process) is drawn under the sweep's while it
// is open; lines logged meanwhile go above the bars (progressLog) instead of through them.
import cliProgress from 'cli-progress';

interface Tty {
  isTTY?: boolean;
}

/** Whether to draw progress: not in CI (`CI` set and not "false"/"0"), and only when stdout and the bar's stream are terminals. */
export function progressEnabled(opts: { env?: NodeJS.ProcessEnv; stdout?: Tty; stream?: Tty } = {}): boolean {
  const ci = (opts.env ?? process.env)['CI'];
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') return false;
  return !!(opts.stdout ?? process.stdout).isTTY && !!(opts.stream ?? process.stderr).isTTY;
}

type Payload = { label: string; info: string };
const FORMAT = '{label} [{bar}] {value}/{total} {info}';
const barOptions = (stream: NodeJS.WriteStream): cliProgress.Options => ({
  stream,
  format: FORMAT,
  barsize: 24,
  hideCursor: true,
  clearOnComplete: false,
  // redraw on our updates only: the ETA is ours (cli-progress's would average batches, not runs)
  fps: 5,
});

let display: cliProgress.MultiBar | null = null;

/** Open the process's live display (null when progress is off here); close it with closeDisplay. */
export function openDisplay(stream: NodeJS.WriteStream = process.stderr): cliProgress.MultiBar | null {
  if (!progressEnabled({ stream })) return null;
  if (!display) {
    display = new cliProgress.MultiBar(barOptions(stream), cliProgress.Presets.shades_classic);
    // a second Ctrl-C exits at once (cli/signals.ts): give the terminal its cursor and line wrapping back
    process.once('exit', closeDisplay);
  }
  return display;
}

export function closeDisplay(): void {
  if (!display) return;
  process.off('exit', closeDisplay);
  // lines logged since the last redraw are written by a redraw: flush them before the final frame
  display.update();
  display.stop();
  display = null;
}

/** A log line: above the live bars while they are drawn, else straight to stderr. */
export function progressLog(line: string): void {
  if (display) display.log(line + '\n');
  else process.stderr.write(line + '\n');
}

const formatInfo = (info: Record<string, string | number>) =>
  Object.entries(info)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(4)) : v}`)
    .join(' ');

/** One bar (e.g. a training epoch's batches): under the live display when one is open, else on its own. */
export class Progress {
  private readonly bar: cliProgress.SingleBar | null;
  private readonly inDisplay: cliProgress.MultiBar | null;
  private readonly start = performance.now();
  private stopped = false;
  constructor(
    private readonly label: string,
    private readonly total: number,
    stream: NodeJS.WriteStream | null = process.stderr,
  ) {
    this.inDisplay = stream ? display : null;
    const payload: Payload = { label, info: '' };
    if (this.inDisplay) {
      this.bar = this.inDisplay.create(total, 0, payload);
      // drawn at once, not at the display's next tick: a short epoch would otherwise never show
      this.inDisplay.update();
    }
    else if (stream && progressEnabled({ stream })) {
      this.bar = new cliProgress.SingleBar(barOptions(stream), cliProgress.Presets.shades_classic);
      this.bar.start(total, 0, payload);
    } else this.bar = null;
  }
  update(done: number, info: Record<string, string | number> = {}): void {
    if (!this.bar) return;
    const secs = (performance.now() - this.start) / 1000;
    const frac = this.total > 0 ? done / this.total : 1;
    const eta = frac > 0 && done < this.total ? ` eta ${Math.round((secs / frac) * (1 - frac))}s` : '';
    this.bar.update(done, { label: this.label, info: `${secs.toFixed(0)}s${eta} ${formatInfo(info)}` } satisfies Payload);
    if (done >= this.total) this.stop();
  }
  /** Take the bar down (at the end, or when the work stops early); later calls do nothing. */
  stop(): void {
    if (!this.bar || this.stopped) return;
    this.stopped = true;
    if (this.inDisplay) this.inDisplay.remove(this.bar);
    else this.bar.stop();
  }
}
