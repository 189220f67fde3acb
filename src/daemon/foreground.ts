/**
 * Running the daemon in the foreground until SIGINT or SIGTERM: the first signal stops it cleanly
 * (the sync in flight is aborted through its AbortSignal and awaited, so every artifact is left old
 * or new), and the process exits 0. A second signal while stopping exits at once with status 130.
 * The handlers are installed before the daemon starts, so a signal during start-up also stops it
 * cleanly (as soon as it has started) instead of killing it half-way.
 */

/** Something that can be stopped (a started daemon). */
export interface Stoppable {
  stop(): Promise<void>;
}

/** Options of {@link runUntilSignal}. */
export interface ForegroundOptions {
  /** Starts the daemon (e.g. `() => startDaemon(…)`); a rejection is passed on. */
  start(): Promise<Stoppable>;
  /** Told which signal arrived (for a "stopping…" line); `forced` for the second one. */
  onSignal?(signal: NodeJS.Signals, forced: boolean): void;
}

/**
 * Installs the signal handlers, starts the daemon, and waits for SIGINT/SIGTERM, then stops it.
 * @returns the exit status: 0 after a clean stop
 * @throws whatever `start` or `stop` throws (the handlers are removed first)
 */
export async function runUntilSignal(opts: ForegroundOptions): Promise<number> {
  let stopping = false;
  let signalled!: () => void;
  const signal = new Promise<void>((resolve) => {
    signalled = resolve;
  });
  const handler = (sig: NodeJS.Signals) => {
    if (stopping) {
      opts.onSignal?.(sig, true);
      process.exit(130);
    }
    stopping = true;
    opts.onSignal?.(sig, false);
    signalled();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  try {
    const daemon = await opts.start();
    await signal;
    await daemon.stop();
    return 0;
  } finally {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  }
}
