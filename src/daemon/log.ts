/**
 * The daemon's structured log: one JSON object per line (`{"t": ISO time, "level", "msg", …fields}`)
 * appended to `$SKILLSYNC_HOME/logs/daemon.log`, rotated by size (`daemon.log` → `daemon.log.1` → …).
 * Log files are not user data, so this one file appends and renames with `node:fs` directly.
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A structured logger. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Options of {@link createFileLogger}. */
export interface FileLoggerOptions {
  /** Folder of the log files (`$SKILLSYNC_HOME/logs`). */
  dir: string;
  /** File name, default `daemon.log`. */
  name?: string;
  /** Rotate when the file would pass this size (bytes), default 5 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one, default 3. */
  keep?: number;
  /** Also write each line to stderr (`--verbose`); debug lines are written only then. */
  verbose?: boolean;
  /** ISO timestamp source; default the wall clock. */
  now?: () => Date;
}

/** A logger that drops everything. */
export const nullLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Creates the file logger. Writes are synchronous (lines are small and rare), so nothing is lost on
 * exit and lines keep their order. A write error is reported once on stderr and then ignored: logging
 * never stops the daemon.
 */
export function createFileLogger(opts: FileLoggerOptions): Logger & { file: string } {
  const file = join(opts.dir, opts.name ?? "daemon.log");
  const maxBytes = opts.maxBytes ?? 5 * 1024 * 1024;
  const keep = opts.keep ?? 3;
  const now = opts.now ?? (() => new Date());
  let size = -1;
  let broken = false;

  const rotate = () => {
    rmSync(`${file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      try {
        renameSync(`${file}.${i}`, `${file}.${i + 1}`);
      } catch {}
    }
    try {
      renameSync(file, keep >= 1 ? `${file}.1` : `${file}.old`);
    } catch {}
    if (keep < 1) rmSync(`${file}.old`, { force: true });
    size = 0;
  };

  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (level === "debug" && !opts.verbose) return;
    const line = `${JSON.stringify({ t: now().toISOString(), level, msg, ...fields })}\n`;
    if (opts.verbose) process.stderr.write(line);
    if (broken) return;
    try {
      if (size < 0) {
        mkdirSync(opts.dir, { recursive: true });
        try {
          size = statSync(file).size;
        } catch {
          size = 0;
        }
      }
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > maxBytes) rotate();
      appendFileSync(file, line);
      size += bytes;
    } catch (e) {
      broken = true;
      process.stderr.write(`skillsync daemon: cannot write log ${file}: ${(e as Error).message}\n`);
    }
  };
  return {
    file,
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}
