// Ctrl-C / SIGTERM handling for long commands (train, run): the first signal asks the work to stop at the next
// safe point (the end of a training step; the last finished epoch's checkpoint and every finished run stay
// intact, and rerunning the same command resumes); a second signal exits at once. Exiting at once cannot
// corrupt a file: every durable write is a synchronous write-to-temp + rename (src/common/fs-atomic.ts), and a
// JavaScript signal handler only runs between tasks, never inside one of those writes.
//
// The handler only runs when the event loop gets a turn, so the training loop yields between steps
// (src/common/yield.ts); without that a synchronous epoch loop never sees the signal (issue 12, item 1).

import { progressLog } from '../common/progress.js';

/** Conventional shell exit codes: 128 + signal number. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface StopRequest {
  shouldStop: () => boolean;
  /** the signal that asked to stop, or null */
  signal: () => StopSignal | null;
  /** 130 after SIGINT, 143 after SIGTERM (0 when no signal came) */
  exitCode: () => number;
  dispose: () => void;
}

export function stopOnSignals(what: string): StopRequest {
  let received: StopSignal | null = null;
  const handlers = (Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]).map((sig) => {
    const handler = () => {
      if (received) process.exit(SIGNAL_EXIT_CODES[sig]);
      received = sig;
      // above the live progress bars when they are drawn (common/progress.ts)
      progressLog(`\n${sig}: stopping ${what} at the next safe point (${sig === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit now)`);
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return {
    shouldStop: () => received !== null,
    signal: () => received,
    exitCode: () => (received ? SIGNAL_EXIT_CODES[received] : 0),
    dispose: () => handlers.forEach(([sig, h]) => process.off(sig, h)),
  };
}
