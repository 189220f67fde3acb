/**
 * The worker thread that helps check folder artifacts with `lstat` calls (parallel-verify.ts), started
 * as early as a command knows it will want one: booting a thread takes ~30–80 ms, which the caller can
 * spend loading modules, finding artifacts and listing rows instead of waiting (main.ts for `status`,
 * `startVerifyWorkerFor` in parallel-verify.ts). The worker waits for one message with its job; one
 * started early with the roots the command will likely check checks their rows meanwhile
 * (verify-worker.ts).
 */
import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { EarlyCheck, VerifyWorkerData } from "./verify-worker.js";

let started: Worker | undefined;

/**
 * Starts the worker now, unless one is already waiting; silently does nothing when it cannot be
 * started. With `early`, the worker checks those rows until its job arrives.
 */
export function startVerifyWorker(early?: EarlyCheck): void {
  if (started) return;
  try {
    const workerData: VerifyWorkerData = early ? { early } : {};
    // node:worker_threads is required here, on first use (a status with a small stat cache starts no
    // thread); the file is the build's CommonJS bundle of verify-worker.ts (scripts/bundle-cli.mjs),
    // which boots without the ES module loader, ~6 ms of a status sooner on two cores.
    const { Worker: WorkerThread } = createRequire(import.meta.url)(
      "node:worker_threads",
    ) as typeof import("node:worker_threads");
    const w = new WorkerThread(new URL("./verify-worker.cjs", import.meta.url), { workerData });
    w.unref(); // one nobody asked for must not keep the process alive
    w.on("error", () => {}); // whoever uses it re-checks the rows it did not finish
    started = w;
  } catch {
    started = undefined;
  }
}

/**
 * A state database at least this large (bytes) holds enough stat-cache rows (~1.7 KB per artifact) for
 * a status to share its check with the worker.
 */
export const EARLY_MIN_STATE_DB_BYTES = 512 * 1024;

/**
 * Starts the worker at once when `stateDb` is at least {@link EARLY_MIN_STATE_DB_BYTES} large and
 * there are two or more CPUs: for `status`, called before the command's modules load (main.ts), so the
 * thread has booted, and checked rows under `roots` (absolute folders: the likely project and the
 * collections), by the time the caller lists its rows. One `stat` call; a missing file starts nothing.
 */
export function startVerifyWorkerEarly(stateDb: string, roots: readonly string[] = []): void {
  if (availableParallelism() < 2) return;
  const size = statSync(stateDb, { throwIfNoEntry: false })?.size ?? 0;
  if (size >= EARLY_MIN_STATE_DB_BYTES)
    startVerifyWorker(roots.length > 0 ? { dbPath: stateDb, roots: [...roots] } : undefined);
}

/** Stops a started worker nobody has taken (it may be checking rows early); nothing if there is none. */
export function dismissVerifyWorker(): void {
  const w = started;
  started = undefined;
  if (w) void w.terminate().catch(() => {});
}

/** The worker started by {@link startVerifyWorker} (starting one now if none is waiting); each is used once. */
export function takeVerifyWorker(): Worker | undefined {
  startVerifyWorker();
  const w = started;
  started = undefined;
  return w;
}
