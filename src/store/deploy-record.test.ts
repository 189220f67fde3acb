import { describe, expect, it } from "vitest";
import { skillsyncErrorOf } from "../../test/helpers/errors.js";
import {
  entryTargets,
  parseDeployRecord,
  RECORD_VERSION,
  recordForTarget,
  serializeDeployRecord,
  withTarget,
} from "./deploy-record.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const HEAD = `[deployment]
collection = "default"
deployed-at = "2026-01-01T00:00:00Z"
skillsync-version = "0.1.0"
`;
const ENTRY = `[[artifacts]]
name = "pdf"
type = "skill"
source = "local:/src/pdf"
version = "1.0.0"
sha = "${A}"
deployed-at = "2026-01-01T00:00:00Z"
deployed-from = "/c"
`;
const legacy = (e: { name: string }) => `.claude/skills/${e.name}`;

const err = skillsyncErrorOf;

describe("deployment record version 2", () => {
  it("reads a version 1 record as one Claude Code target per artifact and writes it back as version 2", () => {
    const v1 = parseDeployRecord(`version = 1\n${HEAD}\n${ENTRY}`, "R");
    const e = v1.artifacts[0]!;
    expect(e.targets).toBeUndefined();
    expect(entryTargets(e, legacy(e))).toEqual([
      { path: ".claude/skills/pdf", agents: ["claude-code"], sha: A },
    ]);
    const text = serializeDeployRecord(v1);
    expect(RECORD_VERSION).toBe(2);
    expect(text).toMatch(/^version = 2$/m);
    // Without targets nothing is invented: the legacy reading still applies after a round trip.
    expect(parseDeployRecord(text, "R").artifacts[0]!.targets).toBeUndefined();
  });

  it("keeps a base per target; the artifact's sha is its first target's (by path)", () => {
    const v1 = parseDeployRecord(`version = 1\n${HEAD}\n${ENTRY}`, "R");
    const e = v1.artifacts[0]!;
    const two = withTarget(e, legacy(e), ".agents/skills/pdf", {
      path: ".agents/skills/pdf",
      agents: ["cursor", "codex"],
      sha: B,
    })!;
    expect(two.targets?.map((t) => [t.path, t.sha])).toEqual([
      [".agents/skills/pdf", B],
      [".claude/skills/pdf", A],
    ]);
    expect(two.sha).toBe(B);
    const rec = { ...v1, artifacts: [two] };
    const back = parseDeployRecord(serializeDeployRecord(rec), "R");
    expect(back.artifacts[0]).toEqual(two);
    // Each target sees its own base.
    const claude = recordForTarget(back, (x) => `.claude/skills/${x.name}`, legacy);
    const agents = recordForTarget(back, (x) => `.agents/skills/${x.name}`, legacy);
    const wind = recordForTarget(back, (x) => `.windsurf/skills/${x.name}`, legacy);
    expect(claude?.artifacts[0]?.sha).toBe(A);
    expect(agents?.artifacts[0]?.sha).toBe(B);
    expect(wind?.artifacts).toEqual([]);
    // Removing one target keeps the other; removing the last drops the entry.
    const one = withTarget(two, legacy(two), ".agents/skills/pdf", null)!;
    expect(one.targets?.map((t) => t.path)).toEqual([".claude/skills/pdf"]);
    expect(one.sha).toBe(A);
    expect(withTarget(one, legacy(one), ".claude/skills/pdf", null)).toBeUndefined();
  });

  it("refuses a newer version, a target path that escapes, and a target without agents", () => {
    expect(err(() => parseDeployRecord(`version = 3\n${HEAD}`, "R")).code).toBe("UNSUPPORTED_VERSION");
    const target = (path: string, agents: string) =>
      `version = 2\n${HEAD}\n${ENTRY}\n[[artifacts.targets]]\npath = "${path}"\nagents = ${agents}\nsha = "${A}"\n`;
    expect(
      parseDeployRecord(target(".agents/skills/pdf", '["cursor"]'), "R").artifacts[0]!.targets,
    ).toHaveLength(1);
    expect(err(() => parseDeployRecord(target("../outside/pdf", '["cursor"]'), "R")).code).toBe(
      "INVALID_RECORD",
    );
    expect(err(() => parseDeployRecord(target("/abs/pdf", '["cursor"]'), "R")).code).toBe("INVALID_RECORD");
    expect(err(() => parseDeployRecord(target(".agents/skills/pdf", "[]"), "R")).code).toBe("INVALID_RECORD");
  });
});
