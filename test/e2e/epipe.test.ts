/**
 * A reader that stops early (`skillsync … | head`) is not an error: like git, skillsync ends quietly
 * instead of crashing with an EPIPE stack trace.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI_BIN, requireBuild } from "../helpers/paths.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";

afterAll(() => cleanupTempDirs());

describe("output into a closed pipe", () => {
  it("ends quietly when the reader goes away", () => {
    requireBuild();
    const dir = tempDir("skillsync-epipe-").path;
    // 2 MB of output: far more than a pipe holds, so writes go on after `head` has exited.
    const text = Array.from({ length: 40_000 }, (_, i) => `line ${i} of a long file to merge\n`).join("");
    for (const f of ["ours.md", "base.md", "theirs.md"]) writeFileSync(join(dir, f), text);
    const r = spawnSync(
      "bash",
      [
        "-c",
        `set -o pipefail; "${process.execPath}" "${CLI_BIN}" merge-file -p ours.md base.md theirs.md | head -c 100 > /dev/null`,
      ],
      { cwd: dir, encoding: "utf8", env: { ...process.env, SKILLSYNC_HOME: join(dir, "home") } },
    );
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.status).toBe(0);
  });
});
