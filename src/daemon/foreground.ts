/**
 * Running the daemon in the foreground until SIGINT or SIGTERM: the first signal stops it cleanly
 * (the sync in flight is aborted through its AbortSignal and awaited, so every artifact is left old
 * or new), and the process exits 0. A second signal while stopping exits at once with status 130.
 */

/** Options of {@link runUntilSignal}. */
export interface ForegroundOptions {
  /** Stops the daemon (e.g. {@link import("./daemon.js").DaemonHandle.stop}). */
  stop(): Promise<void>;
  /** Told which signal arrived (for a "stopping…" line). */
  onSignal?(signal: NodeJS.Signals, forced: boolean): void;
}

/**
 * Waits for SIGINT/SIGTERM, then stops.
 * @returns the exit status: 0 after a clean stop
 */
export function runUntilSignal(opts: ForegroundOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) {
        opts.onSignal?.(signal, true);
        process.exit(130);
      }
      stopping = true;
      opts.onSignal?.(signal, false);
      opts.stop().then(
        () => {
          process.off("SIGINT", handler);
          process.off("SIGTERM", handler);
          resolve(0);
        },
        (e: unknown) => reject(e),
      );
    };
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
  });
}
