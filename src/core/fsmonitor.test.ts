import { describe, expect, it } from "vitest";
import { placeChange } from "./fsmonitor.js";
import { COLLECTION_LAYOUT, PROJECT_PROFILES } from "./layout.js";

const project = PROJECT_PROFILES.claude!;

describe("placeChange", () => {
  it("maps a file inside a skill folder to the skill folder", () => {
    expect(placeChange(project, ".claude/skills/pdf/references/a.md")).toEqual({
      place: "artifact",
      location: ".claude/skills/pdf",
    });
    expect(placeChange(COLLECTION_LAYOUT, "skills/pdf")).toEqual({
      place: "artifact",
      location: "skills/pdf",
    });
  });
  it("maps a direct entry of a file-form folder to itself, deeper paths to outside", () => {
    expect(placeChange(project, ".claude/commands/review.md")).toEqual({
      place: "artifact",
      location: ".claude/commands/review.md",
    });
    expect(placeChange(project, "prompts/x.txt")).toEqual({ place: "artifact", location: "prompts/x.txt" });
    expect(placeChange(project, ".claude/commands/sub/x.md")).toEqual({ place: "outside" });
  });
  it("calls layout folders and their ancestors above", () => {
    for (const rel of ["", ".claude", ".claude/skills", "prompts"])
      expect(placeChange(project, rel)).toEqual({ place: "above" });
    expect(placeChange(COLLECTION_LAYOUT, "skills")).toEqual({ place: "above" });
  });
  it("ignores what no artifact is made of", () => {
    expect(placeChange(project, "src/index.ts")).toEqual({ place: "outside" });
    expect(placeChange(project, ".claude/settings.json")).toEqual({ place: "outside" });
    expect(placeChange(project, ".claude/skillsX/a")).toEqual({ place: "outside" });
  });
});
