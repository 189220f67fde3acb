import { describe, expect, it } from "vitest";
import { classifyDrift } from "./drift.js";

const c = (x: Partial<Parameters<typeof classifyDrift>[0]>) => {
  const d = classifyDrift({ kind: "skill", name: "s", ...x });
  return [d.driftType, d.driftSide, d.recommendation];
};

describe("drift classification", () => {
  it.each([
    [{ collectionSha: "c" }, ["added", null, "deploy_to_project"]],
    [{ projectSha: "p" }, ["untracked", null, "pull_from_project"]],
    [{ collectionSha: "x", projectSha: "x" }, ["untracked", null, "deploy_to_project"]],
    [{ collectionSha: "c", projectSha: "p" }, ["untracked", null, "review_manually"]],
    [{ projectSha: "b", baseSha: "b" }, ["removed", null, "review_manually"]],
    [{ collectionSha: "b", baseSha: "b" }, ["modified", "project", "review_manually"]],
    [{ collectionSha: "b", projectSha: "b", baseSha: "b" }, ["in-sync", null, null]],
    [
      { collectionSha: "c", projectSha: "b", baseSha: "b" },
      ["modified", "collection", "push_from_collection"],
    ],
    [{ collectionSha: "b", projectSha: "p", baseSha: "b" }, ["modified", "project", "pull_from_project"]],
    [{ collectionSha: "c", projectSha: "p", baseSha: "b" }, ["modified", "both", "merge"]],
    [{ collectionSha: "x", projectSha: "x", baseSha: "b" }, ["in-sync", null, null]],
    [
      { collectionSha: "b", projectSha: "b", baseSha: "b", collectionVersion: "2.0.0", baseVersion: "1.0.0" },
      ["version_mismatch", null, "deploy_to_project"],
    ],
  ])("%j → %j", (input, expected) => {
    expect(c(input)).toEqual(expected);
  });
});
