/**
 * Printing of sync results (DESIGN.md's sync JSON objects) for pull, push, sync, deploy, update,
 * publish and fetch: one table, the error lines, the plan with diffs for `--preview`, and the exit
 * status (1 when anything is blocked or left in conflict).
 */
import { EXIT } from "../core/errors.js";
import type { SyncResult } from "../core/sync-result.js";
import { shortHash } from "../core/tree-hash.js";
import { color, type Output } from "./output.js";

/** What an operation reports; every field but `results` is optional. */
export interface SyncReportLike {
  results: SyncResult[];
  preview?: { artifact: string; action: string; reason: string; diff: string }[];
  snapshots?: string[];
  notes?: string[];
}

/** Prints the table of results that did something (and the error lines); returns how many rows. */
export function printSyncResults(out: Output, results: SyncResult[]): number {
  const withTarget = results.some((x) => x.target);
  const rows = results
    .filter((x) => x.direction !== "none" || !x.success || x.new_hash || x.error)
    .map((x) => [
      ...(withTarget ? [x.target?.join(",") ?? ""] : []),
      x.artifact_name,
      x.success && x.conflicts_remaining === 0
        ? color.green("ok")
        : color.red(x.conflicts_remaining > 0 ? "conflict" : "blocked"),
      x.direction,
      x.strategy_used,
      x.conflicts_remaining ? String(x.conflicts_remaining) : "",
      `${shortHash(x.previous_hash)} → ${shortHash(x.new_hash)}`,
    ]);
  if (rows.length > 0 && !out.jsonMode)
    out.line(
      boxTable(
        [
          ...(withTarget ? ["target"] : []),
          "artifact",
          "result",
          "direction",
          "strategy",
          "conflicts",
          "change",
        ].map((h) => color.bold(h)),
        rows,
      ),
    );
  for (const x of results)
    if (x.error)
      out.line(`${color.yellow(x.artifact_name)}${x.target ? ` [${x.target.join(",")}]` : ""}: ${x.error}`);
  return rows.length;
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** The width of `s` on a terminal: its length without colour sequences (table cells are ASCII here). */
function visibleWidth(s: string): number {
  return s.includes("\x1b") ? s.replace(ANSI, "").length : s.length;
}

/**
 * `head` and `rows` as a boxed table, the layout `cli-table3` gave this report (a border around the
 * whole, one between columns, none between rows; one space of padding), built directly: issue 13
 * measured cli-table3 at ~90 ms for a deploy's 181 rows, this at about a millisecond. Cells may carry
 * colour sequences; they do not count towards a column's width. No trailing newline.
 */
export function boxTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ""))));
  const rule = (l: string, m: string, r: string) => `${l}${widths.map((w) => "─".repeat(w + 2)).join(m)}${r}`;
  const line = (cells: string[]) =>
    `│${widths
      .map((w, i) => {
        const c = cells[i] ?? "";
        return ` ${c}${" ".repeat(w - visibleWidth(c))} `;
      })
      .join("│")}│`;
  return [rule("┌", "┬", "┐"), line(head), ...rows.map(line), rule("└", "┴", "┘")].join("\n");
}

/** The exit status for `results`: 1 when any is blocked or has conflicts left, else 0. */
export function syncExitCode(results: SyncResult[]): number {
  return results.some((x) => !x.success || x.conflicts_remaining > 0) ? EXIT.drift : EXIT.ok;
}

/**
 * Prints a report as JSON or for people (`--preview`: the plan and unified diffs) and returns the
 * exit status. `empty` is said when nothing happened.
 */
export function printSyncReport(
  out: Output,
  r: SyncReportLike,
  opts: { preview: boolean; empty: string },
): number {
  for (const n of r.notes ?? []) out.warn(n);
  if (out.jsonMode) out.json(opts.preview ? { preview: r.preview ?? [], results: r.results } : r.results);
  else if (opts.preview) {
    for (const p of r.preview ?? []) {
      out.line(`${color.bold(p.artifact)}: ${p.action} (${p.reason})`);
      if (p.diff) out.line(p.diff.trimEnd());
    }
    out.line(color.dim("preview: nothing was written"));
  } else {
    if (printSyncResults(out, r.results) === 0) out.line(opts.empty);
    if (r.snapshots && r.snapshots.length > 0)
      out.line(
        color.dim(`snapshot ${r.snapshots.join(", ")} taken first ('skillsync rollback ID' restores)`),
      );
  }
  return syncExitCode(r.results);
}
