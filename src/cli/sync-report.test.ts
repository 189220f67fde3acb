import { stripVTControlCharacters } from "node:util";
import Table from "cli-table3";
import { describe, expect, it } from "vitest";
import type { SyncResult } from "../core/sync-result.js";
import type { Output } from "./output.js";
import { boxTable, printSyncResults, syncExitCode } from "./sync-report.js";

const r = (over: Partial<SyncResult>): SyncResult => ({
  artifact_name: "skill/a",
  success: true,
  direction: "push",
  strategy_used: "merge",
  conflicts_resolved: 0,
  conflicts_remaining: 0,
  previous_hash: null,
  new_hash: null,
  snapshot_id: null,
  error: null,
  ...over,
});

describe("sync exit status", () => {
  it("is 0 when everything succeeded without conflicts left", () => {
    expect(syncExitCode([r({}), r({ conflicts_resolved: 2 })])).toBe(0);
    expect(syncExitCode([])).toBe(0);
  });
  it("is 1 when anything is blocked, or written with conflict markers left in it", () => {
    expect(syncExitCode([r({}), r({ success: false })])).toBe(1);
    expect(syncExitCode([r({ conflicts_remaining: 1 })])).toBe(1);
  });
});

/** The table as cli-table3 drew it for this report before (the layout boxTable keeps). */
const cliTable3 = (head: string[], rows: string[][]): string => {
  const t = new Table({
    head,
    style: { head: [], border: [] },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  for (const row of rows) t.push(row);
  return t.toString();
};

describe("the results table", () => {
  it("is laid out as cli-table3 laid it out, colour sequences not counted in widths", () => {
    const green = (s: string) => `\x1b[32m${s}\x1b[39m`;
    const head = ["artifact", "result", "change"].map((h) => `\x1b[1m${h}\x1b[22m`);
    const rows = [
      ["skill/a", green("ok"), "- → 74c013ea309e"],
      ["skill/a-much-longer-name", "\x1b[31mblocked\x1b[39m", ""],
    ];
    expect(boxTable(head, rows)).toBe(cliTable3(head, rows));
    expect(boxTable(["a", "b"], [["xy", ""]])).toBe(
      ["┌────┬───┐", "│ a  │ b │", "│ xy │   │", "└────┴───┘"].join("\n"),
    );
  });

  it("prints the rows that did something, with the target column when results name targets", () => {
    const lines: string[] = [];
    const out = { jsonMode: false, line: (t = "") => lines.push(t) } as unknown as Output;
    const n = printSyncResults(out, [
      r({ new_hash: "74c013ea309e0000", target: ["claude"] }),
      r({ direction: "none", artifact_name: "skill/quiet" }),
      r({ success: false, artifact_name: "skill/b", error: "refused" }),
    ]);
    expect(n).toBe(2);
    // colours are on under CI=true (picocolors); the layout is what is checked here
    const text = stripVTControlCharacters(lines.join("\n"));
    expect(text).toMatch(/│ target +│ artifact +│ result +│ direction │ strategy │ conflicts │ change +│/);
    expect(text).toContain("│ claude │ skill/a ");
    expect(text).toContain("- → 74c013ea309e │");
    expect(text).not.toContain("skill/quiet");
    expect(lines.at(-1)).toMatch(/skill\/b.*: refused/);
    const quiet = { jsonMode: true, line: () => lines.push("json mode printed") } as unknown as Output;
    lines.length = 0;
    printSyncResults(quiet, [r({ new_hash: "x" })]);
    expect(lines).toEqual([]);
  });
});
