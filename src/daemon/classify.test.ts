import { describe, expect, it } from "vitest";
import { COLLECTION_LAYOUT, PROJECT_PROFILES } from "../core/layout.js";
import { defaultConfig } from "../store/config.js";
import { createClassifier } from "./classify.js";
import { artifactForPath } from "./scan.js";
import { statusColor } from "./status-color.js";
import { onWatchedPath, watchedDirs } from "./watcher.js";

describe("createClassifier", () => {
  it("uses the default triggers and exclusions", () => {
    const c = createClassifier(defaultConfig().daemon);
    expect(c.classify("skills/pdf/SKILL.md")).toBe("high");
    expect(c.classify(".claude/skills/pdf/scripts/run.py")).toBe("high");
    expect(c.classify("commands/deploy.md")).toBe("high");
    expect(c.classify("commands/nested/deploy.md")).toBeUndefined();
    expect(c.classify("skills/pdf/debug.log")).toBeUndefined();
    expect(c.classify("skills/pdf/node_modules/x/index.js")).toBeUndefined();
    expect(c.classify("README.md")).toBeUndefined();
  });

  it("lets the highest matching priority win and exclusions beat triggers", () => {
    const c = createClassifier({
      ...defaultConfig().daemon,
      triggers: [
        { pattern: "skills/**", priority: "low" },
        { pattern: "skills/*/SKILL.md", priority: "high" },
        { pattern: "skills/*/references/**", priority: "medium" },
      ],
      exclusions: ["**/*.tmp"],
    });
    expect(c.classify("skills/a/SKILL.md")).toBe("high");
    expect(c.classify("skills/a/references/x.md")).toBe("medium");
    expect(c.classify("skills/a/notes.txt")).toBe("low");
    expect(c.classify("skills/a/SKILL.md.tmp")).toBeUndefined();
  });
});

describe("artifactForPath", () => {
  const roots = [
    { location: "collection", root: "/h/collections/default", layout: COLLECTION_LAYOUT },
    { location: "/p", root: "/p", layout: PROJECT_PROFILES.claude! },
  ];
  it("maps a changed file to its artifact", () => {
    expect(artifactForPath(roots, "/h/collections/default/skills/pdf/scripts/a.py")?.loc).toMatchObject({
      kind: "skill",
      name: "pdf",
      path: "/h/collections/default/skills/pdf",
    });
    expect(artifactForPath(roots, "/p/.claude/commands/deploy.md")?.loc).toMatchObject({
      kind: "command",
      name: "deploy",
    });
    expect(artifactForPath(roots, "/p/.claude/commands/x/deploy.md")).toBeUndefined();
    expect(artifactForPath(roots, "/p/.claude/skills/.hidden/SKILL.md")).toBeUndefined();
    expect(artifactForPath(roots, "/elsewhere/skills/a/SKILL.md")).toBeUndefined();
  });
});

describe("watchedDirs", () => {
  it("watches layout folders, trigger bases and their ancestors only", () => {
    const dirs = watchedDirs({ location: "/p", root: "/p", layout: PROJECT_PROFILES.claude! }, [
      ".claude/skills/**",
    ]);
    expect(onWatchedPath(".claude", dirs)).toBe(true);
    expect(onWatchedPath(".claude/skills/a/SKILL.md", dirs)).toBe(true);
    expect(onWatchedPath("src/index.ts", dirs)).toBe(false);
    expect(onWatchedPath(".claude/settings.json", dirs)).toBe(false);
  });
});

describe("statusColor", () => {
  const base = { lastOutcome: "ok" as const, conflicts: 0, pending: 0, invalid: 0, busy: false };
  it("is green, yellow or red", () => {
    expect(statusColor(base)).toBe("green");
    expect(statusColor({ ...base, pending: 1 })).toBe("yellow");
    expect(statusColor({ ...base, invalid: 1 })).toBe("yellow");
    expect(statusColor({ ...base, lastOutcome: null })).toBe("yellow");
    expect(statusColor({ ...base, lastOutcome: "failed" })).toBe("red");
    expect(statusColor({ ...base, conflicts: 2, pending: 3 })).toBe("red");
  });
});
