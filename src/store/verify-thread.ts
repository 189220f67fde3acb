/**
 * The worker thread that helps check folder artifacts with `lstat` calls (parallel-verify.ts), started
 * as early as a command knows it will want one: booting a thread takes ~30–80 ms, which the caller can
 * spend finding artifacts and reading stat-cache rows instead of waiting (`startVerifyWorkerFor`). The
 * worker loads nothing but `node:fs` and waits for one message with the shared claims and the rows.
 */
import { Worker } from "node:worker_threads";

let started: Worker | undefined;

/** Starts the worker now, unless one is already waiting; silently does nothing when it cannot be started. */
export function startVerifyWorker(): void {
  if (started) return;
  try {
    const w = new Worker(new URL("./verify-worker.js", import.meta.url));
    w.unref(); // one nobody asked for must not keep the process alive
    w.on("error", () => {}); // whoever uses it re-checks the rows it did not finish
    started = w;
  } catch {
    started = undefined;
  }
}

/** The worker started by {@link startVerifyWorker} (starting one now if none is waiting); each is used once. */
export function takeVerifyWorker(): Worker | undefined {
  startVerifyWorker();
  const w = started;
  started = undefined;
  return w;
}
