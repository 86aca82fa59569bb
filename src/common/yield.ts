// Give the event loop one turn. Long synchronous loops (a training epoch) call this between steps so that
// signal handlers (Ctrl-C, SIGTERM: src/cli/signals.ts) and timers run; the cost is one macrotask, a few
// microseconds against a training step's milliseconds.
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
