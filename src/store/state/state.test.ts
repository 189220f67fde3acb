import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeStateDbs, ensureSchema, openStateDb, STATE_SCHEMA, type StateDb } from "../state-db.js";
import { readGitBase, writeGitBases } from "./git-bases.js";
import { forgetHubRemote, readHubBase, writeHubBase } from "./hub-bases.js";
import { listPendingFetches, readHubCursor, saveFetchProgress } from "./hub-cursor.js";
import { countOutbox, deleteOutboxItem, enqueueOutbox, listOutbox, recordOutboxFailure } from "./outbox.js";

let dir: string;
let db: StateDb;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "state-"));
  db = openStateDb(join(dir, "state.db"));
});
afterEach(() => {
  closeStateDbs();
  rmSync(dir, { recursive: true, force: true });
});

describe("state.db modules", () => {
  it("the outbox coalesces changes to one artifact into its first row and replays in order", () => {
    const change = { op: "put" as const, kind: "skill" as const, tree: "t1", version: "1.0.0" };
    enqueueOutbox(db, {
      remote: "hub",
      change: { ...change, owner: "alice", name: "a", base_revision: 3 },
      createdAt: "2026-01-01T00:00:00Z",
    });
    enqueueOutbox(db, {
      remote: "hub",
      change: { ...change, owner: null, name: "b", base_revision: null },
      createdAt: "2026-01-01T00:00:01Z",
    });
    enqueueOutbox(db, {
      remote: "hub",
      change: { ...change, owner: null, name: "a", tree: "t2", base_revision: 7 },
      createdAt: "2026-01-01T00:00:02Z",
    });
    const items = listOutbox(db, "hub");
    expect(items.map((i) => [i.name, i.tree, i.owner, i.base_revision])).toEqual([
      ["a", "t2", "alice", 3], // latest content, first base revision, owner kept
      ["b", "t1", null, null],
    ]);
    recordOutboxFailure(db, items[0]!.id, "ECONNREFUSED");
    deleteOutboxItem(db, items[1]!.id);
    expect(countOutbox(db, "hub")).toBe(1);
    expect(countOutbox(db, "other")).toBe(0);
  });

  it("a fetch's cursor and pending set are saved together; forgetting a remote clears all four tables", () => {
    expect(readHubCursor(db, "hub")).toBe(0);
    saveFetchProgress(db, { remote: "hub", cursor: 12, pending: [{ owner: "a", kind: "skill", name: "x" }] });
    saveFetchProgress(db, { remote: "hub", cursor: 15, pending: [{ owner: "a", kind: "skill", name: "y" }] });
    expect(readHubCursor(db, "hub")).toBe(15);
    expect(listPendingFetches(db, "hub")).toEqual([{ owner: "a", kind: "skill", name: "y" }]);
    const key = { remote: "hub", kind: "skill" as const, name: "y" };
    writeHubBase(db, key, { owner: "a", revision: 2, tree: "t" });
    expect(readHubBase(db, key)).toEqual({ owner: "a", revision: 2, tree: "t" });
    enqueueOutbox(db, {
      remote: "hub",
      change: {
        op: "delete",
        owner: "a",
        kind: "skill",
        name: "y",
        tree: null,
        version: null,
        base_revision: 2,
      },
      createdAt: "2026-01-01T00:00:00Z",
    });
    forgetHubRemote(db, "hub");
    expect([
      readHubCursor(db, "hub"),
      listPendingFetches(db, "hub"),
      readHubBase(db, key),
      countOutbox(db, "hub"),
    ]).toEqual([0, [], undefined, 0]);
  });

  it("reads a state.db written before the tables moved to store/state (same module names and versions)", () => {
    closeStateDbs();
    const path = join(dir, "old.db");
    // what the previous code wrote: its own migration arrays under the same module names
    const raw = new Database(path);
    raw.exec("CREATE TABLE schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL)");
    ensureSchema(raw, "git-source", STATE_SCHEMA["git-source"]);
    raw
      .prepare("INSERT INTO git_base (collection, kind, name, tree, commit_id) VALUES (?, ?, ?, ?, ?)")
      .run("default", "skill", "pdf", "tree1", "c".repeat(40));
    raw.close();
    const old = openStateDb(path);
    expect(readGitBase(old, { collection: "default", kind: "skill", name: "pdf" })).toEqual({
      tree: "tree1",
      commit: "c".repeat(40),
    });
    writeGitBases(old, "default", [{ kind: "skill", name: "pdf", tree: "tree2", commit: "d".repeat(40) }]);
    expect(readGitBase(old, { collection: "default", kind: "skill", name: "pdf" })?.tree).toBe("tree2");
    const versions = old.prepare("SELECT module, version FROM schema_versions ORDER BY module").all();
    expect(versions).toEqual([{ module: "git-source", version: 1 }]);
  });
});
