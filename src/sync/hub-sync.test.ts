/**
 * Hub fetch through the one resolver against a real hub (SQLite): `--strategy prompt` asks per
 * conflicting file and honours the answers; without a prompter it acts as merge + abort, with a note.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../../test/helpers/test-hub.js";
import { closeStateDbs } from "../store/state-db.js";
import { initCollection } from "./collection-ops.js";
import { addRemote, fetchHub, login, publish } from "./hub-sync.js";
import { openWorkspace, type Workspace } from "./workspace.js";

const BODY = "# Title\n\nline 1\nline 2\nline 3\n\n## Usage\n\nuse 1\nuse 2\n";
const skill = (name: string, body: string) =>
  `---\nname: ${name}\ndescription: The ${name} skill for tests.\n---\n\n${body}`;

let hub: TestHub;
let tmp: string;
let n = 0;

async function machine(): Promise<Workspace> {
  const ws = await openWorkspace({ home: path.join(tmp, `home-${n++}`) });
  await initCollection(ws);
  await addRemote(ws, "origin", hub.url);
  await login(ws, "origin", hub.tokens.alice!);
  return ws;
}

function skillFile(ws: Workspace, name: string): string {
  return path.join(ws.collectionDir, "skills", name, "SKILL.md");
}

function put(ws: Workspace, name: string, text: string): void {
  fs.mkdirSync(path.dirname(skillFile(ws, name)), { recursive: true });
  fs.writeFileSync(skillFile(ws, name), text);
}

/** Two machines that share skill `name`, then edit the same line differently (a publishes its edit). */
async function diverged(name: string): Promise<{ a: Workspace; b: Workspace; file: string }> {
  const a = await machine();
  const b = await machine();
  put(a, name, skill(name, BODY));
  await publish(a, { names: [name] });
  await fetchHub(b);
  put(a, name, skill(name, BODY.replace("line 2", "line 2 from a")));
  expect((await publish(a, { names: [name] })).results[0]?.success).toBe(true);
  put(b, name, skill(name, BODY.replace("line 2", "line 2 from b")));
  return { a, b, file: skillFile(b, name) };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-hubsync-"));
  hub = await startTestHub({ users: ["alice"] });
});

afterAll(async () => {
  await hub?.close();
  closeStateDbs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("fetch --strategy prompt", () => {
  it("asks per conflicting file and takes the hub's version when told to", async () => {
    const { b, file } = await diverged("one");
    const asked: string[] = [];
    const r = await fetchHub(b, {
      strategy: "prompt",
      prompter: async (q) => {
        asked.push(`${q.artifact}:${q.path}`);
        expect(q.diff).toContain("+line 2 from a");
        return "hub";
      },
    });
    expect(asked).toEqual(["skill/one:SKILL.md"]);
    expect(r.results[0]).toMatchObject({ success: true, strategy_used: "prompt", conflicts_resolved: 1 });
    expect(fs.readFileSync(file, "utf8")).toContain("line 2 from a\n");
    expect(r.snapshot_id).not.toBeNull();
  });

  it("keeps the collection's file, or writes conflict markers into the collection", async () => {
    const { b, file } = await diverged("two");
    const mine = fs.readFileSync(file, "utf8");
    const kept = await fetchHub(b, { strategy: "prompt", prompter: async () => "collection" });
    expect(kept.results[0]).toMatchObject({ success: true, conflicts_remaining: 0 });
    expect(fs.readFileSync(file, "utf8")).toBe(mine);

    const other = await diverged("three");
    const m = await fetchHub(other.b, { strategy: "prompt", prompter: async () => "markers" });
    expect(m.results[0]).toMatchObject({ success: true, conflicts_remaining: 1 });
    expect(fs.readFileSync(other.file, "utf8")).toContain(
      "<<<<<<< collection\nline 2 from b\n=======\nline 2 from a\n>>>>>>> hub\n",
    );
  });

  it("without a prompter acts as merge + abort and says so; nothing is written", async () => {
    const { b, file } = await diverged("four");
    const mine = fs.readFileSync(file, "utf8");
    const r = await fetchHub(b, { strategy: "prompt", autoResolve: "theirs" });
    expect(r.notes.join("\n")).toMatch(/prompt needs a terminal/);
    expect(r.results[0]).toMatchObject({ success: false, strategy_used: "merge", conflicts_remaining: 1 });
    expect(fs.readFileSync(file, "utf8")).toBe(mine);
  });
});
