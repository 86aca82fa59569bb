// A progress line on stderr: redrawn in place on a terminal, one line per update otherwise (logs, CI).
export class Progress {
  private last = 0;
  private readonly tty: boolean;
  private readonly start = performance.now();
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream | null = process.stderr,
  ) {
    this.tty = !!stream?.isTTY;
  }
  update(done: number, info: Record<string, string | number> = {}): void {
    if (!this.stream) return;
    const now = performance.now();
    const final = done >= this.total;
    if (!final && now - this.last < (this.tty ? 100 : 10000)) return;
    this.last = now;
    const frac = this.total > 0 ? done / this.total : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const secs = (now - this.start) / 1000;
    const eta = frac > 0 && !final ? ` eta ${Math.round((secs / frac) * (1 - frac))}s` : '';
    const extra = Object.entries(info).map(([k, v]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(4)) : v}`).join(' ');
    const line = `${this.label} ${bar} ${done}/${this.total} ${secs.toFixed(0)}s${eta} ${extra}`;
    if (this.tty) this.stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else this.stream.write(line + '\n');
  }
}
