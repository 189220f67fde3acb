import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { COLLECTION_LAYOUT, PROJECT_PROFILES } from "../core/layout.js";
import { defaultConfig } from "../store/config.js";
import { createClassifier } from "./classify.js";
import { startWatcher, type WatchedChange, type Watcher } from "./watcher.js";

const temps: string[] = [];
const open: Watcher[] = [];
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

async function waitFor(what: string, f: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(["folders", "chokidar"] as const)("startWatcher (%s)", (backend) => {
  it("reports edits, new folders and removals in artifact folders only", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-watch-"));
    temps.push(tmp);
    const col = path.join(tmp, "col");
    const proj = path.join(tmp, "proj");
    fs.mkdirSync(path.join(col, "skills", "a"), { recursive: true });
    fs.writeFileSync(path.join(col, "skills", "a", "SKILL.md"), "a\n");
    fs.mkdirSync(path.join(proj, "src"), { recursive: true });
    fs.mkdirSync(path.join(proj, ".claude"), { recursive: true });
    const seen: WatchedChange[] = [];
    const daemon = defaultConfig().daemon;
    const w = await startWatcher({
      roots: [
        { location: "collection", root: col, layout: COLLECTION_LAYOUT },
        { location: proj, root: proj, layout: PROJECT_PROFILES.claude! },
      ],
      classifier: createClassifier(daemon),
      triggerPatterns: daemon.triggers.map((t) => t.pattern),
      onChange: (c) => seen.push(c),
      onError: (e) => {
        throw e;
      },
      backend,
    });
    open.push(w);
    await w.ready;
    const rels = () => seen.map((c) => c.rel);

    fs.appendFileSync(path.join(col, "skills", "a", "SKILL.md"), "edit\n");
    await waitFor("edit", () => rels().includes("skills/a/SKILL.md"));

    // a skill folder created inside a project folder that did not exist at start
    const b = path.join(proj, ".claude", "skills", "b");
    fs.mkdirSync(path.join(b, "scripts"), { recursive: true });
    await new Promise((r) => setTimeout(r, 150));
    fs.writeFileSync(path.join(b, "scripts", "run.sh"), "echo\n");
    await waitFor("new folder", () => rels().some((r) => r.startsWith(".claude/skills/b")));
    await waitFor("file in new folder", () => rels().includes(".claude/skills/b/scripts/run.sh"));

    const before = seen.length;
    fs.writeFileSync(path.join(proj, "src", "index.ts"), "x\n"); // not an artifact folder
    fs.writeFileSync(path.join(col, "skills", "a", "trace.log"), "x\n"); // excluded
    fs.writeFileSync(path.join(proj, ".claude", "settings.json"), "{}\n"); // not a trigger
    await new Promise((r) => setTimeout(r, 400));
    expect(seen.slice(before)).toEqual([]);

    fs.rmSync(path.join(col, "skills", "a"), { recursive: true });
    await waitFor("removal", () => seen.slice(before).some((c) => c.rel.startsWith("skills/a")));
    expect(seen.every((c) => c.priority === "high")).toBe(true);
  });
});

describe("queue overflow guard (folders)", () => {
  it("reports a watcher error when half the kernel's event queue arrives in one read", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-watch-burst-"));
    temps.push(tmp);
    const col = path.join(tmp, "col");
    fs.mkdirSync(path.join(col, "skills", "a"), { recursive: true });
    const errors: Error[] = [];
    const daemon = defaultConfig().daemon;
    const prev = process.env.SKILLSYNC_WATCH_QUEUE;
    process.env.SKILLSYNC_WATCH_QUEUE = "200"; // a 200-event queue: the guard fires at 100 in one read
    try {
      const w = await startWatcher({
        roots: [{ location: "collection", root: col, layout: COLLECTION_LAYOUT }],
        classifier: createClassifier(daemon),
        triggerPatterns: daemon.triggers.map((t) => t.pattern),
        onChange: () => {},
        onError: (e) => errors.push(e),
        backend: "folders",
      });
      open.push(w);
      await w.ready;
      // A few events: no alarm.
      for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(col, "skills", "a", `f${i}.md`), "x");
      await new Promise((r) => setTimeout(r, 300));
      expect(errors).toEqual([]);
      // 300 files written before the loop reads any event: they arrive together.
      for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(col, "skills", "a", `g${i}.md`), "x");
      await waitFor("overflow alarm", () => errors.length > 0);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(/may have overflowed/);
    } finally {
      if (prev === undefined) delete process.env.SKILLSYNC_WATCH_QUEUE;
      else process.env.SKILLSYNC_WATCH_QUEUE = prev;
    }
  });
});
