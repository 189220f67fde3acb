import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, COMMAND_MODULES, commandNameOf } from "./program.js";

const names = (p: Command) => p.commands.flatMap((c) => [c.name(), ...c.aliases()]).sort();

describe("command table", () => {
  it("names exactly the commands and aliases each module registers", async () => {
    for (const m of COMMAND_MODULES) {
      const p = new Command();
      (await m.load())(p);
      expect(names(p)).toEqual([...m.names].sort());
    }
  });

  it("builds the whole program without argv, and only the named command's module with it", async () => {
    const all = await buildProgram();
    expect(names(all)).toEqual(COMMAND_MODULES.flatMap((m) => m.names).sort());
    expect(new Set(names(all)).size).toBe(names(all).length);
    const status = await buildProgram(["node", "skillsync", "--home", "/h", "status", "--json"]);
    expect(names(status)).toEqual(["status", "sync-check"]);
    const unknown = await buildProgram(["node", "skillsync", "stauts"]);
    expect(names(unknown)).toEqual(names(all));
    expect(names(await buildProgram(["node", "skillsync", "--version"]))).toEqual([]);
    expect(names(await buildProgram(["node", "skillsync", "-V", "--help"]))).toEqual(names(all));
  });

  it("finds the command name after global options only", () => {
    expect(commandNameOf(["node", "s", "status"])).toBe("status");
    expect(commandNameOf(["node", "s", "--home", "status", "list"])).toBe("list");
    expect(commandNameOf(["node", "s", "--collection=work", "add", "x"])).toBe("add");
    expect(commandNameOf(["node", "s", "--help"])).toBeUndefined();
    expect(commandNameOf(["node", "s", "-V"])).toBeUndefined();
    expect(commandNameOf(["node", "s"])).toBeUndefined();
  });
});
