import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileLogger } from "./log.js";

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

describe("createFileLogger", () => {
  it("writes one JSON object per line and rotates by size, keeping `keep` old files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-log-"));
    temps.push(dir);
    const log = createFileLogger({ dir, maxBytes: 400, keep: 2, now: () => new Date(0) });
    for (let i = 0; i < 40; i++) log.info("line", { i });
    log.debug("hidden"); // debug only with verbose
    expect(fs.readdirSync(dir).sort()).toEqual(["daemon.log", "daemon.log.1", "daemon.log.2"]);
    for (const f of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(400);
    const lines = fs.readFileSync(path.join(dir, "daemon.log"), "utf8").trim().split("\n");
    const last = JSON.parse(lines.at(-1)!) as { t: string; level: string; msg: string; i: number };
    expect(last).toEqual({ t: "1970-01-01T00:00:00.000Z", level: "info", msg: "line", i: 39 });
    const all = ["daemon.log.2", "daemon.log.1", "daemon.log"].flatMap((f) =>
      fs.readFileSync(path.join(dir, f), "utf8").trim().split("\n"),
    );
    const ids = all.map((l) => (JSON.parse(l) as { i: number }).i);
    expect(ids).toEqual([...ids].sort((a, b) => a - b)); // order kept across files
    expect(all.join("")).not.toContain("hidden");
  });
});
