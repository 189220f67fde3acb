import { describe, expect, it } from "vitest";
import { type PlanInput, planArtifact } from "./plan.js";

const t = (i: PlanInput) => planArtifact(i).type;

describe("planner", () => {
  it("deploy: first deploy, same content, untracked different copy, edited copy", () => {
    expect(t({ op: "deploy", collection: "c" })).toBe("to-project");
    expect(t({ op: "deploy", collection: "c", project: "c" })).toBe("record-only");
    expect(t({ op: "deploy", collection: "c", project: "p" })).toBe("refuse");
    expect(t({ op: "deploy", collection: "c", project: "p", base: "b" })).toBe("refuse");
    expect(t({ op: "deploy", collection: "c", project: "b", base: "b" })).toBe("to-project");
    expect(t({ op: "deploy", collection: "b", project: "b", base: "b" })).toBe("none");
  });
  it("push and pull are mirror images; both changed diverges", () => {
    expect(t({ op: "push", collection: "c", project: "b", base: "b" })).toBe("to-project");
    expect(t({ op: "push", collection: "b", project: "p", base: "b" })).toBe("none");
    expect(t({ op: "pull", collection: "b", project: "p", base: "b" })).toBe("to-collection");
    expect(t({ op: "pull", collection: "c", project: "b", base: "b" })).toBe("none");
    expect(planArtifact({ op: "push", collection: "c", project: "p", base: "b" })).toMatchObject({
      type: "diverged",
      into: "project",
    });
    expect(planArtifact({ op: "pull", collection: "c", project: "p", base: "b" })).toMatchObject({
      type: "diverged",
      into: "collection",
    });
    expect(planArtifact({ op: "sync", collection: "c", project: "p", base: "b" })).toMatchObject({
      type: "diverged",
      into: "both",
    });
  });
  it("sync picks the direction from the drift", () => {
    expect(t({ op: "sync", collection: "c", project: "b", base: "b" })).toBe("to-project");
    expect(t({ op: "sync", collection: "b", project: "p", base: "b" })).toBe("to-collection");
    expect(t({ op: "sync", collection: "x", project: "x", base: "b" })).toBe("record-only");
    expect(t({ op: "sync", collection: "c" })).toBe("none");
  });
  it("removed from the collection: delete unchanged project copies, never when the collection is empty", () => {
    expect(t({ op: "push", project: "b", base: "b" })).toBe("delete-in-project");
    expect(t({ op: "push", project: "p", base: "b" })).toBe("none");
    expect(t({ op: "push", project: "b", base: "b", collectionEmpty: true })).toBe("none");
    expect(t({ op: "pull", project: "b", base: "b" })).toBe("none");
  });
  it("differences only in preserved sections are not changes", () => {
    expect(
      t({
        op: "sync",
        collection: "b",
        project: "p",
        base: "b",
        projectChanged: false,
        collectionChanged: false,
      }),
    ).toBe("none");
  });
  it("pull adopts untracked project artifacts", () => {
    expect(t({ op: "pull", project: "p" })).toBe("to-collection");
  });
});
