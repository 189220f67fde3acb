import { describe, expect, it } from "vitest";
import { skillsyncErrorOf } from "../../test/helpers/errors.js";
import { PROJECT_PROFILES } from "./layout.js";
import { globalTargets, projectTargets, targetPath } from "./targets.js";

const claude = PROJECT_PROFILES.claude!;

const err = skillsyncErrorOf;

describe("project targets", () => {
  it("one target per distinct folder; agents sharing .agents/skills share one target", () => {
    const { targets, unplaced } = projectTargets(
      ["claude-code", "cursor", "codex", "opencode", "gemini-cli", "github-copilot", "windsurf"],
      claude,
    );
    expect(targets.map((t) => [t.agents, t.layout.skill?.dir])).toEqual([
      [["claude-code"], ".claude/skills"],
      [["cursor", "codex", "opencode", "gemini-cli", "github-copilot"], ".agents/skills"],
      [["windsurf"], ".windsurf/skills"],
    ]);
    expect(unplaced).toEqual([]);
    // Claude Code's target is exactly the configured layout.
    expect(targets[0]!.layout).toEqual(claude);
    expect(targetPath(targets[1]!, "command", "review")).toBeUndefined();
    expect(targetPath(targets[1]!, "skill", "pdf")).toBe(".agents/skills/pdf");
  });

  it("without Claude Code, commands, subagents and prompts have no place", () => {
    expect(projectTargets(["cursor"], claude).unplaced).toEqual(["command", "agent", "prompt"]);
  });

  it("an unknown id is refused", () => {
    expect(err(() => projectTargets(["cursor", "nope"], claude)).message).toContain("'nope'");
  });
});

describe("global targets", () => {
  const g = { env: {}, home: "/home/u" };
  it("universal agents use ~/.agents/skills as skills add -g does; others their global folder", () => {
    const { targets, unplaced } = globalTargets(["claude-code", "cursor", "codex", "windsurf"], g);
    expect(targets.map((t) => [t.agents, t.layout.skill?.dir])).toEqual([
      [["claude-code"], ".claude/skills"],
      [["cursor", "codex"], ".agents/skills"],
      [["windsurf"], ".codeium/windsurf/skills"],
    ]);
    expect(targets[0]!.layout.command?.dir).toBe(".claude/commands");
    expect(unplaced).toEqual(["prompt"]);
  });

  it("CLAUDE_CONFIG_DIR inside the home moves Claude Code's folders; outside it is refused", () => {
    const inside = globalTargets(["claude-code"], {
      env: { CLAUDE_CONFIG_DIR: "/home/u/cfg/claude" },
      home: "/home/u",
    });
    expect(inside.targets[0]!.layout.skill?.dir).toBe("cfg/claude/skills");
    const e = err(() =>
      globalTargets(["claude-code"], { env: { CLAUDE_CONFIG_DIR: "/etc/claude" }, home: "/home/u" }),
    );
    expect(e.code).toBe("USAGE");
    expect(e.message).toContain("outside the home folder");
  });

  it("an agent without a global folder is refused", () => {
    expect(err(() => globalTargets(["eve"], g)).message).toContain("no global skills folder");
    // promptscript reads .agents/skills in projects but has no global folder: refused, as skills add -g does.
    expect(err(() => globalTargets(["promptscript"], g)).message).toContain("no global skills folder");
  });
});
