/**
 * Printing for the CLI: tables, JSON, colour (picocolors honours `NO_COLOR` and non-TTY output)
 * and progress that shows only on a TTY and never in `--json` mode.
 */
import Table from "cli-table3";
import pc from "picocolors";

/** Where and how a command prints. */
export interface Output {
  /** True in `--json` mode: only {@link Output.json} prints to stdout. */
  jsonMode: boolean;
  /** Prints a line to stdout (suppressed in JSON mode). */
  line(text?: string): void;
  /** Prints a warning line to stderr. */
  warn(text: string): void;
  /** Prints a value as pretty JSON to stdout. */
  json(value: unknown): void;
  /** Prints a table (suppressed in JSON mode). */
  table(head: string[], rows: (string | number)[][]): void;
  /** A progress reporter: shows `label n/total` on a TTY stderr only. */
  progress(label: string, total: number): Progress;
}

/** A progress reporter handed into long operations. */
export interface Progress {
  tick(n?: number): void;
  done(): void;
}

/** A progress reporter that does nothing. */
export const noProgress: Progress = { tick() {}, done() {} };

/** Colours (no-ops when `NO_COLOR` is set or stdout is not a TTY). */
export const color = pc;

/** Creates the CLI's output for `--json` or human mode. */
export function createOutput(jsonMode: boolean): Output {
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  return {
    jsonMode,
    line(text = "") {
      if (!jsonMode) process.stdout.write(`${text}\n`);
    },
    warn(text) {
      process.stderr.write(`${pc.yellow("warning:")} ${text}\n`);
    },
    json(value) {
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    table(head, rows) {
      if (jsonMode) return;
      const t = new Table({
        head: head.map((h) => pc.bold(h)),
        style: { head: [], border: [] },
        chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
      });
      for (const r of rows) t.push(r.map(String));
      process.stdout.write(`${t.toString()}\n`);
    },
    progress(label, total) {
      if (jsonMode || !tty || total < 50) return noProgress;
      let n = 0;
      let last = 0;
      return {
        tick(k = 1) {
          n += k;
          const now = Date.now();
          if (now - last < 100 && n < total) return;
          last = now;
          process.stderr.write(`\r${label} ${n}/${total}`);
        },
        done() {
          process.stderr.write(`\r${label} ${total}/${total}\n`);
        },
      };
    },
  };
}
