// Ctrl-C handling for long commands: the first SIGINT asks the work to stop at the next safe point (the last
// checkpoint stays intact and a rerun resumes); a second one exits at once.
export function stopOnSigint(what: string): { shouldStop: () => boolean; dispose: () => void } {
  let stop = false;
  const handler = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write(`\ninterrupt: stopping ${what} at the next safe point (Ctrl-C again to quit now)\n`);
  };
  process.on('SIGINT', handler);
  return { shouldStop: () => stop, dispose: () => process.off('SIGINT', handler) };
}
