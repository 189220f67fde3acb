import { describe, expect, it } from "vitest";
import type { SyncResult } from "../core/sync-result.js";
import { syncExitCode } from "./sync-report.js";

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
