/**
 * Runs the built `skillsync` CLI (`<dist>/cli/main.cjs`, see paths.ts) as a child process with its own
 * `SKILLSYNC_HOME`, and returns its exit status and output.
 */
import { spawn, spawnSync } from "node:child_process";
import { CLI_BIN } from "./paths.js";

/** Options for {@link runCli}. */
export interface RunCliOptions {
  /** `SKILLSYNC_HOME` for the run (required: tests never touch the real `~/.skillsync`). */
  home: string;
  /** Working folder; default the current one. */
  cwd?: string;
  /** Extra environment variables; `undefined` values remove inherited ones. */
  env?: Record<string, string | undefined>;
  /** Text fed to stdin. */
  input?: string;
  /** Kill the child after this many ms (default 60,000). */
  timeoutMs?: number;
}

/** The outcome of one CLI run. `code` is the exit status, or 128 + signal number when killed. */
export interface CliResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };

function childEnv(opts: RunCliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SKILLSYNC_HOME: opts.home, NO_COLOR: "1" };
  // Settings from the developer's shell must not leak into a test run.
  delete env.SKILLSYNC_FAULT;
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function exitCode(status: number | null, signal: NodeJS.Signals | null): number {
  if (status !== null) return status;
  return 128 + ((signal && SIGNALS[signal]) ?? 0);
}

/** Runs `skillsync ARGS…` and waits for it (synchronous). */
export function runCli(args: readonly string[], opts: RunCliOptions): CliResult {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args], {
    cwd: opts.cwd ?? process.cwd(),
    env: childEnv(opts),
    input: opts.input ?? "",
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error && !r.signal) throw r.error;
  return { code: exitCode(r.status, r.signal), signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `skillsync ARGS…` without blocking the event loop (several may run at once). */
export function runCliAsync(args: readonly string[], opts: RunCliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: opts.cwd ?? process.cwd(),
      env: childEnv(opts),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ code: exitCode(status, signal), signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/**
 * Parses the stdout of a `--json` run.
 * @throws Error with the run's output when stdout is not JSON
 */
export function parseJsonOutput<T>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout (exit ${r.code});\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}
