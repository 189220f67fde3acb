import { describe, expect, it } from "vitest";
import { type ResolveInput, resolveArtifact, resolveAsking } from "./resolve.js";
import type { AutoResolve, Strategy } from "./sync-result.js";
import { type TreeFile, treeHashOfFiles } from "./tree-hash.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

function file(path: string, text: string | Uint8Array): TreeFile {
  return { path, mode: "644", data: typeof text === "string" ? enc.encode(text) : text };
}
function skill(body: string, extra: TreeFile[] = []): TreeFile[] {
  return [file("SKILL.md", `---\nname: demo\ndescription: d\n---\n${body}`), ...extra];
}
function text(files: readonly TreeFile[] | undefined, path = "SKILL.md"): string {
  const f = files?.find((x) => x.path === path);
  return f ? dec.decode(f.data) : "";
}

const BASE = skill("one\ntwo\nthree\n");
const OURS_CLEAN = skill("ONE\ntwo\nthree\n");
const THEIRS_CLEAN = skill("one\ntwo\nTHREE\n");
const OURS_CONFLICT = skill("one\nours\nthree\n");
const THEIRS_CONFLICT = skill("one\ntheirs\nthree\n");

function input(over: Partial<ResolveInput>): ResolveInput {
  return {
    artifact: "skill/demo",
    name: "demo",
    form: "folder",
    base: BASE,
    ours: OURS_CONFLICT,
    theirs: THEIRS_CONFLICT,
    strategy: "merge",
    autoResolve: "abort",
    labels: { ours: "collection", theirs: "upstream" },
    forkName: "demo-upstream",
    direction: "pull",
    ...over,
  };
}

describe("resolveArtifact: fast-forward cases", () => {
  it("nothing to bring when theirs equals ours or did not change; ours unchanged fast-forwards", () => {
    const same = resolveArtifact(input({ ours: THEIRS_CLEAN, theirs: THEIRS_CLEAN }));
    expect(same.case).toBe("same");
    expect(same.ours).toBeUndefined();
    expect(same.newBase?.hash).toBe(treeHashOfFiles(THEIRS_CLEAN));
    const still = resolveArtifact(input({ ours: OURS_CLEAN, theirs: BASE }));
    expect(still.case).toBe("theirs-unchanged");
    expect(still.ours).toBeUndefined();
    const ff = resolveArtifact(input({ ours: BASE, theirs: THEIRS_CLEAN }));
    expect(ff.case).toBe("fast-forward");
    expect(ff.result).toMatchObject({ success: true, strategy_used: "fast-forward" });
    expect(text(ff.ours)).toBe(text(THEIRS_CLEAN));
    expect(ff.result.new_hash).toBe(treeHashOfFiles(THEIRS_CLEAN));
    expect(ff.result.previous_hash).toBe(treeHashOfFiles(BASE));
  });

  it("a side that differs from the base only in preserved sections has not changed", () => {
    const base = skill("body\n\n## Memory\nold\n");
    const ours = skill("body\n\n## Memory\nmine\n");
    const theirs = skill("new body\n\n## Memory\nold\n");
    const r = resolveArtifact(input({ base, ours, theirs, preserve: ["Memory"] }));
    expect(r.case).toBe("fast-forward");
    expect(text(r.ours)).toBe(text(skill("new body\n\n## Memory\nmine\n")));
    // Without preserved sections the same input diverges.
    expect(resolveArtifact(input({ base, ours, theirs })).case).toBe("diverged");
  });
});

describe("resolveArtifact: every strategy × auto-resolve on diverged sides", () => {
  const strategies: Strategy[] = ["overwrite", "merge", "prompt", "fork"];
  const modes: AutoResolve[] = ["abort", "ours", "theirs"];
  for (const strategy of strategies)
    for (const autoResolve of modes)
      it(`${strategy} + ${autoResolve}`, () => {
        const r = resolveArtifact(input({ strategy, autoResolve }));
        expect(r.case).toBe("diverged");
        expect(r.result.strategy_used).toBe(strategy);
        if (strategy === "overwrite") {
          expect(text(r.ours)).toBe(text(THEIRS_CONFLICT));
          expect(r.newBase?.from).toBe("theirs");
          expect(r.result).toMatchObject({ success: true, conflicts_remaining: 0 });
        } else if (strategy === "fork") {
          expect(r.ours).toBeUndefined();
          expect(r.newBase).toBeUndefined();
          expect(r.fork?.name).toBe("demo-upstream");
          expect(text(r.fork?.files)).toContain("name: demo-upstream\n");
          expect(text(r.fork?.files)).toContain("theirs");
          expect(r.result.new_hash).toBe(treeHashOfFiles(r.fork!.files));
        } else if (autoResolve === "abort") {
          expect(r.ours).toBeUndefined();
          expect(r.newBase).toBeUndefined();
          expect(r.result).toMatchObject({ success: false, conflicts_remaining: 1, conflicts_resolved: 0 });
          expect(text(r.merged)).toContain("<<<<<<< collection");
          if (strategy === "prompt") {
            expect(r.questions.map((q) => q.path)).toEqual(["SKILL.md"]);
            expect(r.questions[0]!.diff).toContain("-ours");
            expect(r.questions[0]!.diff).toContain("+theirs");
          } else {
            expect(r.questions).toEqual([]);
            expect(r.result.error).toMatch(/merge conflict in SKILL.md/);
          }
        } else {
          expect(r.questions).toEqual([]);
          expect(r.result).toMatchObject({ success: true, conflicts_resolved: 1, conflicts_remaining: 0 });
          expect(text(r.ours)).toContain(autoResolve === "ours" ? "\nours\n" : "\ntheirs\n");
          expect(r.newBase?.from).toBe("theirs");
        }
      });

  it("merge of non-overlapping edits is clean and counts nothing", () => {
    const r = resolveArtifact(input({ ours: OURS_CLEAN, theirs: THEIRS_CLEAN }));
    expect(r.result).toMatchObject({ success: true, conflicts_resolved: 0, conflicts_remaining: 0 });
    expect(text(r.ours)).toBe(text(skill("ONE\ntwo\nTHREE\n")));
    expect(r.newBase?.hash).toBe(treeHashOfFiles(THEIRS_CLEAN));
  });

  it("into both: both sides get the merge (with their own preserved sections); the base is the merge", () => {
    const base = skill("a\nb\nc\n\n## Memory\nbase\n");
    const ours = skill("A\nb\nc\n\n## Memory\nproject notes\n");
    const theirs = skill("a\nb\nC\n\n## Memory\nbase\n");
    const r = resolveArtifact(
      input({ base, ours, theirs, into: "both", preserve: ["Memory"], diverged: true }),
    );
    expect(text(r.ours)).toBe(text(skill("A\nb\nC\n\n## Memory\nproject notes\n")));
    expect(text(r.theirs)).toBe(text(skill("A\nb\nC\n\n## Memory\nbase\n")));
    expect(r.newBase).toMatchObject({ from: "merged", hash: treeHashOfFiles(r.theirs!) });
  });

  it("a missing base refuses a merge but not overwrite or fork", () => {
    const r = resolveArtifact(input({ base: undefined, missingBase: "no base here" }));
    expect(r.result).toMatchObject({ success: false, conflicts_remaining: 1, error: "no base here" });
    expect(resolveArtifact(input({ base: undefined, strategy: "overwrite" })).result.success).toBe(true);
    expect(resolveArtifact(input({ base: undefined, strategy: "fork" })).fork).toBeDefined();
  });

  it("overwrite keeps the preserved sections of the side written to", () => {
    const ours = skill("mine\n\n## Memory\nkeep me\n");
    const theirs = skill("theirs\n\n## Memory\nincoming\n");
    const r = resolveArtifact(input({ ours, theirs, strategy: "overwrite", preserve: ["Memory"] }));
    expect(text(r.ours)).toBe(text(skill("theirs\n\n## Memory\nkeep me\n")));
  });

  it("fork of a one-file artifact renames the file and the frontmatter name", () => {
    const one = (body: string) => [file("demo.md", `---\nname: demo\n---\n${body}`)];
    const r = resolveArtifact(
      input({ form: "file", base: one("x\n"), ours: one("o\n"), theirs: one("t\n"), strategy: "fork" }),
    );
    expect(r.fork?.files.map((f) => f.path)).toEqual(["demo-upstream.md"]);
    expect(text(r.fork?.files, "demo-upstream.md")).toBe("---\nname: demo-upstream\n---\nt\n");
  });
});

describe("resolveArtifact: binary files and file sets", () => {
  const bin = (n: number) => new Uint8Array([0, 1, 2, n]);
  it("a binary file changed on both sides is one conflict; auto-resolve picks a side", () => {
    const base = skill("x\n", [file("assets/logo.png", bin(1))]);
    const ours = skill("x\n", [file("assets/logo.png", bin(2))]);
    const theirs = skill("x\n", [file("assets/logo.png", bin(3))]);
    const r = resolveArtifact(input({ base, ours, theirs }));
    expect(r.result).toMatchObject({ success: false, conflicts_remaining: 1 });
    const t = resolveArtifact(input({ base, ours, theirs, autoResolve: "theirs" }));
    expect(t.ours?.find((f) => f.path === "assets/logo.png")?.data).toEqual(bin(3));
    expect(t.result.conflicts_resolved).toBe(1);
  });

  it("files added on one side and deleted on the other merge cleanly", () => {
    const base = skill("x\n", [file("old.txt", "old\n")]);
    const ours = skill("x\n", [file("old.txt", "old\n"), file("mine.txt", "m\n")]);
    const theirs = skill("x\n");
    const r = resolveArtifact(input({ base, ours, theirs }));
    expect(r.ours?.map((f) => f.path)).toEqual(["SKILL.md", "mine.txt"]);
  });
});

describe("prompts: open questions out, answers in", () => {
  const two = {
    base: skill("one\ntwo\nthree\n", [file("notes.md", "a\n")]),
    ours: skill("one\nours\nthree\n", [file("notes.md", "a-ours\n")]),
    theirs: skill("one\ntheirs\nthree\n", [file("notes.md", "a-theirs\n")]),
    strategy: "prompt" as const,
  };

  it("answers pick a side per file; nothing is written while a question is open", () => {
    const q = resolveArtifact(input(two));
    expect(q.questions.map((x) => x.path)).toEqual(["SKILL.md", "notes.md"]);
    expect(q.ours).toBeUndefined();
    const half = resolveArtifact(input({ ...two, answers: { "SKILL.md": "ours" } }));
    expect(half.questions.map((x) => x.path)).toEqual(["notes.md"]);
    expect(half.ours).toBeUndefined();
    const done = resolveArtifact(input({ ...two, answers: { "SKILL.md": "ours", "notes.md": "theirs" } }));
    expect(done.questions).toEqual([]);
    expect(text(done.ours)).toContain("\nours\n");
    expect(text(done.ours, "notes.md")).toBe("a-theirs\n");
    expect(done.result).toMatchObject({ success: true, conflicts_resolved: 2, conflicts_remaining: 0 });
    expect(done.newBase?.from).toBe("theirs");
  });

  it("markers: the merge with markers goes into markersInto and the base moves to the other side", () => {
    const answers = { "SKILL.md": "markers", "notes.md": "ours" } as const;
    const r = resolveArtifact(input({ ...two, answers }));
    expect(text(r.ours)).toContain("<<<<<<< collection");
    expect(r.result).toMatchObject({ success: true, conflicts_remaining: 1, conflicts_resolved: 1 });
    expect(r.newBase?.from).toBe("theirs");
    const other = resolveArtifact(input({ ...two, answers, markersInto: "theirs" }));
    expect(other.ours).toBeUndefined();
    expect(text(other.theirs)).toContain("<<<<<<< collection");
    expect(other.newBase?.hash).toBe(treeHashOfFiles(two.ours));
  });

  it("resolveAsking loops over the prompter; without one prompt is merge + abort", async () => {
    const asked: string[] = [];
    const r = await resolveAsking(input(two), async (q) => {
      asked.push(q.path);
      return "theirs";
    });
    expect(asked).toEqual(["SKILL.md", "notes.md"]);
    expect(text(r.ours)).toBe(text(two.theirs));
    const none = await resolveAsking(input({ ...two, autoResolve: "theirs" }), undefined);
    expect(none.result).toMatchObject({ success: false, strategy_used: "merge", conflicts_remaining: 2 });
  });
});
