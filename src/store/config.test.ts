import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema, defaultConfig, isConfigKey, loadConfig, validateConfig } from "./config.js";

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

  it("knows its keys", () => {
    expect(isConfigKey("codex.repo")).toBe(true);
    expect(isConfigKey("daemon.debounce_ms")).toBe(true);
    expect(isConfigKey("remotes.origin.url")).toBe(true);
    expect(isConfigKey("nope")).toBe(false);
  });
});
