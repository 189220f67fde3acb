import { existsSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema, defaultConfig, isConfigKey, loadConfig, validateConfig } from "./config.js";
import { closeStateDbs, openStateDb } from "./state-db.js";

describe("config", () => {
  it("defaultConfig() is what the schema gives for an empty config", () => {
    expect(defaultConfig()).toEqual(configSchema().parse({}));
  });

  it("defaultConfig() returns a new object each time", () => {
    const a = defaultConfig();
    a.daemon.triggers.push({ pattern: "x", priority: "low" });
    a.preserve_sections.push("x");
    expect(defaultConfig()).toEqual(configSchema().parse({}));
  });

  it("a missing file gives the defaults", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skillsync-config-"));
    expect(await loadConfig(join(dir, "config.toml"))).toEqual(defaultConfig());
  });

  it("bad values and unknown keys are refused with one line naming the key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skillsync-config-"));
    const file = join(dir, "config.toml");
    writeFileSync(file, "[daemon]\nwatcher = 'nope'\n");
    await expect(loadConfig(file)).rejects.toMatchObject({
      code: "INVALID_CONFIG",
      message: expect.stringContaining("daemon.watcher: must be one of"),
    });
    expect(() => validateConfig({ bogus: 1 }, file)).toThrow(/unknown key bogus/);
    writeFileSync(file, "status = [\n");
    await expect(loadConfig(file)).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });

  it("with the home's state.db, an unchanged config is read from the parsed cache", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skillsync-config-"));
    const file = join(dir, "config.toml");
    const stateDb = join(dir, "state.db");
    writeFileSync(file, "[status]\nfsmonitor = true\n");
    const past = new Date(Date.now() - 10_000); // older than the second a row is stored in
    utimesSync(file, past, past);
    // No state.db yet: the file is parsed and the database is not created for it.
    expect((await loadConfig(file, stateDb)).status.fsmonitor).toBe(true);
    expect(existsSync(stateDb)).toBe(false);

    openStateDb(stateDb);
    expect((await loadConfig(file, stateDb)).status.fsmonitor).toBe(true);
    // The stored result is what a later run gets: altered in the database, it is what is returned.
    openStateDb(stateDb)
      .prepare("UPDATE parsed_files SET json = ? WHERE path = ? AND what = 'config'")
      .run(JSON.stringify({ ...defaultConfig(), collection: "from-cache" }), file);
    closeStateDbs(); // a new process: nothing memoized
    expect((await loadConfig(file, stateDb)).collection).toBe("from-cache");

    // An edit is seen; an invalid edit is refused as without the cache, and nothing is stored for it.
    writeFileSync(file, "collection = 'edited'\n");
    expect((await loadConfig(file, stateDb)).collection).toBe("edited");
    writeFileSync(file, "[daemon]\nwatcher = 'nope'\n");
    await expect(loadConfig(file, stateDb)).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    writeFileSync(file, "status = [\n");
    await expect(loadConfig(file, stateDb)).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    closeStateDbs();

    // A state.db that is not a database: the config is read without the cache.
    const other = join(dir, "other.db");
    writeFileSync(other, "not a database, just text long enough to be read as a header\n".repeat(4));
    writeFileSync(file, "collection = 'plain'\n");
    expect((await loadConfig(file, other)).collection).toBe("plain");
    closeStateDbs();
  });

  it("knows its keys", () => {
    expect(isConfigKey("codex.repo")).toBe(true);
    expect(isConfigKey("daemon.debounce_ms")).toBe(true);
    expect(isConfigKey("remotes.origin.url")).toBe(true);
    expect(isConfigKey("nope")).toBe(false);
  });
});
