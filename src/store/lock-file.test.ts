import { describe, expect, it } from "vitest";
import { skillsyncErrorOf } from "../../test/helpers/errors.js";
import { parseDeployRecord, serializeDeployRecord } from "./deploy-record.js";
import { emptyLock, parseLockFile, serializeLockFile, upsertLockEntry } from "./lock-file.js";

const sha = "a".repeat(64);
const entry = (name: string) => ({
  name,
  type: "skill" as const,
  source: `local:/src/${name}`,
  version: "1.0.0",
  sha,
  "added-at": "2026-01-01T00:00:00Z",
  "updated-at": "2026-01-02T00:00:00Z",
});

const err = skillsyncErrorOf;

describe("lock file", () => {
  it("serialises deterministically and round-trips byte-identically", () => {
    const a = upsertLockEntry(upsertLockEntry(emptyLock(), entry("zeta")), entry("alpha"));
    const b = upsertLockEntry(upsertLockEntry(emptyLock(), entry("alpha")), entry("zeta"));
    const text = serializeLockFile(a);
    expect(serializeLockFile(b)).toBe(text);
    expect(serializeLockFile(parseLockFile(text, "skillsync.lock"))).toBe(text);
    expect(text.indexOf("alpha")).toBeLessThan(text.indexOf("zeta"));
    expect(text).toMatch(/^version = 1$/m);
  });
  it("names the file and line of a TOML syntax error", () => {
    const e = err(() => parseLockFile('version = 1\n[[artifact]]\nname = "x\n', "/c/skillsync.lock"));
    expect(e.code).toBe("INVALID_LOCK");
    expect(e.toLine()).toMatch(/^\/c\/skillsync\.lock:3: lock file is not valid TOML/);
  });
  it("names the entry and field that is missing, with the entry's line", () => {
    const text = serializeLockFile(upsertLockEntry(emptyLock(), entry("x"))).replace(/^sha = .*\n/m, "");
    const e = err(() => parseLockFile(text, "L"));
    expect(e.message).toContain("[[artifact]] #1 field 'sha'");
    expect(e.line).toBe(text.split("\n").indexOf("[[artifact]]") + 1);
  });
  it("refuses a newer version", () => {
    const e = err(() => parseLockFile("version = 2\n", "L"));
    expect(e.code).toBe("UNSUPPORTED_VERSION");
    expect(e.message).toContain("upgrade skillsync");
  });
  it("refuses bad values", () => {
    const text = serializeLockFile(upsertLockEntry(emptyLock(), entry("x"))).replace(
      'type = "skill"',
      'type = "plugin"',
    );
    expect(err(() => parseLockFile(text, "L")).message).toContain("field 'type'");
  });
});

describe("deployment record", () => {
  const rec = {
    version: 1,
    deployment: {
      collection: "default",
      "deployed-at": "2026-01-01T00:00:00Z",
      "skillsync-version": "0.1.0",
    },
    artifacts: [
      {
        name: "x",
        type: "skill" as const,
        source: "local:/a",
        version: "0.0.0",
        sha,
        "deployed-at": "2026-01-01T00:00:00Z",
        "deployed-from": "/home/me/.skillsync/collections/default",
      },
    ],
  };
  it("round-trips in the seed schema", () => {
    const text = serializeDeployRecord(rec);
    expect(text).toContain("[deployment]");
    expect(text).toContain("[[artifacts]]");
    expect(text).toContain("deployed-from");
    // Written as the current version (2), whatever the record was read as.
    expect(parseDeployRecord(text, "R")).toEqual({ ...rec, version: 2 });
  });
  it("refuses a record without [deployment]", () => {
    const e = err(() => parseDeployRecord("version = 1\n", "R"));
    expect(e.code).toBe("INVALID_RECORD");
    expect(e.message).toContain("deployment");
  });
});
