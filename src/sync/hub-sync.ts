/**
 * The collection and a hub: `publish` (collection → hub), `fetch` (hub → collection, three-way merged
 * by the one resolver, `core/resolve.ts`, against the base recorded at the last fetch/publish, labels
 * `collection` / `hub`; `--strategy prompt` asks per file through a prompter), hub drift for
 * `status`, and the offline outbox. Remotes and login: `hub-remotes.ts`.
 *
 * Guarantees:
 * - A publish never overwrites a hub change it has not seen: every write carries `If-Match` with the
 *   base revision (or `If-None-Match: *` to create); a `409` is reported as a conflict (run `fetch`,
 *   which merges, then publish again), never retried as an overwrite.
 * - When the hub is unreachable, `publish` queues the change in the outbox (`state.db`) and succeeds.
 *   Queued changes to the same artifact coalesce (latest content, first base revision), and are
 *   replayed in order by the next `publish`, `fetch` or `sync` that reaches the hub.
 * - `fetch` writes nothing for an artifact whose merge has conflicts (with `--auto-resolve abort`);
 *   it stays pending and is retried by the next fetch, so no change is skipped by the cursor.
 */
import { existsSync } from "node:fs";
import { SkillsyncError } from "../core/errors.js";
import type { Kind } from "../core/names.js";
import { type ConflictQuestion, type PromptAnswer, resolveAsking } from "../core/resolve.js";
import type { AutoResolve, Strategy, SyncResult } from "../core/sync-result.js";
import { treeHashOfFiles as hashOf } from "../core/tree-hash.js";
import { discoverArtifacts, type Located, locate } from "../store/collection.js";
import { findLockEntry, readLockFile, removeLockEntry, upsertLockEntry } from "../store/lock-file.js";
import { type HubBase, readHubBase, writeHubBase } from "../store/state/hub-bases.js";
import { listPendingFetches, readHubCursor, saveFetchProgress } from "../store/state/hub-cursor.js";
import {
  deleteOutboxItem,
  enqueueOutbox,
  listOutbox,
  type OutboxItem,
  recordOutboxFailure,
} from "../store/state/outbox.js";
import { openStateDb, type StateDb } from "../store/state-db.js";
import { loadTreeFiles, type TreeFile } from "../store/tree-read.js";
import { readArtifactTree, treeMeta, validateLocated } from "./artifact-info.js";
import { stageLock, toWrite } from "./collection-ops.js";
import {
  type HubArtifact,
  type HubClient,
  HubConflictError,
  type HubKey,
  isHubUnreachable,
} from "./hub-client.js";
import { clientFor, type Remote, resolveRemote } from "./hub-remotes.js";
import { takeSnapshot } from "./snapshot.js";
import {
  collectionLock,
  isoNow,
  locked,
  openWorkspace,
  requireCollection,
  transaction,
  type Workspace,
} from "./workspace.js";

/** Remotes and login live in `hub-remotes.ts`; re-exported for callers. */
export { addRemote, listRemotes, login, removeRemote } from "./hub-remotes.js";
export type { Remote };
export { resolveRemote };

function db(ws: Workspace): StateDb {
  return openStateDb(ws.paths.stateDb);
}

function getBase(ws: Workspace, remote: string, kind: Kind, name: string): HubBase | undefined {
  return readHubBase(db(ws), { remote, kind, name });
}

function setBase(ws: Workspace, remote: string, kind: Kind, name: string, b: HubBase | null): void {
  writeHubBase(db(ws), { remote, kind, name }, b);
}

// ---------------------------------------------------------------------------------------------
// Publish and the outbox

function filesOfLoc(loc: Located, tree: NonNullable<ReturnType<typeof readArtifactTree>>): TreeFile[] {
  const files = loadTreeFiles(tree);
  return loc.form === "file" ? files.map((f) => ({ ...f, path: `${loc.name}.md` })) : files;
}

function result(name: string, partial: Partial<SyncResult>): SyncResult {
  return {
    artifact_name: name,
    success: true,
    direction: "push",
    strategy_used: "none",
    conflicts_resolved: 0,
    conflicts_remaining: 0,
    previous_hash: null,
    new_hash: null,
    snapshot_id: null,
    error: null,
    ...partial,
  };
}

type OutboxRow = OutboxItem;

function enqueue(ws: Workspace, remote: string, row: Omit<OutboxRow, "id">): void {
  enqueueOutbox(db(ws), { remote, change: row, createdAt: isoNow(ws) });
}

/** The changes waiting for `remote`, oldest first. */
export function outboxItems(ws: Workspace, remote: string): OutboxRow[] {
  return listOutbox(db(ws), remote);
}

async function ownerFor(remote: Remote, client: HubClient): Promise<string> {
  if (remote.user) return remote.user;
  return (await client.me()).user.name;
}

/**
 * Replays the outbox of `remote` in order. Stops (keeping the rest) when the hub is unreachable.
 * A `409` becomes a conflict result (the local content stays in the collection; `fetch` merges it).
 */
export async function replayOutbox(
  ws: Workspace,
  remote: Remote,
  client: HubClient,
): Promise<{ results: SyncResult[]; unreachable: boolean }> {
  const results: SyncResult[] = [];
  const d = db(ws);
  for (const item of outboxItems(ws, remote.name)) {
    const id = `${item.kind}/${item.name}`;
    try {
      const owner = item.owner ?? (await ownerFor(remote, client));
      const key: HubKey = { owner, kind: item.kind, name: item.name };
      if (item.op === "put" && item.tree) {
        const files = ws.objects.readTree(item.tree);
        const w = await client.put(key, {
          files,
          version: item.version ?? "0.0.0",
          treeHash: item.tree,
          ...(item.base_revision === null ? { ifNoneMatch: true as const } : { ifMatch: item.base_revision }),
        });
        setBase(ws, remote.name, item.kind, item.name, {
          owner,
          revision: w.artifact.revision,
          tree: item.tree,
        });
        results.push(result(id, { strategy_used: "fast-forward", new_hash: item.tree }));
      } else if (item.op === "delete" && item.base_revision !== null) {
        await client.delete(key, { ifMatch: item.base_revision });
        setBase(ws, remote.name, item.kind, item.name, null);
        results.push(result(id, { strategy_used: "fast-forward" }));
      }
      deleteOutboxItem(d, item.id);
    } catch (e) {
      if (isHubUnreachable(e)) {
        recordOutboxFailure(d, item.id, (e as Error).message);
        return { results, unreachable: true };
      }
      if (e instanceof HubConflictError) {
        deleteOutboxItem(d, item.id);
        results.push(
          result(id, {
            success: false,
            conflicts_remaining: 1,
            error: `queued change conflicts with revision ${e.currentRevision ?? "(deleted)"} on the hub; run 'skillsync fetch' to merge, then publish`,
          }),
        );
        continue;
      }
      throw e;
    }
  }
  return { results, unreachable: false };
}

/** Replays the outbox of the remote named `remoteName` (for `sync`). */
export async function replayOutboxFor(
  ws: Workspace,
  remoteName: string,
): Promise<{ results: SyncResult[]; unreachable: boolean }> {
  const remote = resolveRemote(ws, remoteName);
  return replayOutbox(ws, remote, clientFor(remote));
}

/** Options for {@link publish}. */
export interface PublishOptions {
  names?: string[];
  all?: boolean;
  remote?: string;
  /** Publish as this team (owner) instead of the token's user. */
  team?: string;
}

/** The outcome of {@link publish}. */
export interface PublishReport {
  remote: string;
  results: SyncResult[];
  /** Changes queued because the hub was unreachable. */
  queued: number;
  /** Results of replaying earlier queued changes. */
  replayed: SyncResult[];
}

/**
 * Publishes collection artifacts to the hub (see the module comment for the guarantees).
 * @throws SkillsyncError USAGE (no remote / not logged in), HubError for refusals (401, 403, 413)
 */
export async function publish(ws: Workspace, opts: PublishOptions): Promise<PublishReport> {
  requireCollection(ws);
  const remote = resolveRemote(ws, opts.remote);
  const client = clientFor(remote);
  const present = discoverArtifacts(ws.collectionDir, ws.layout);
  const targets = opts.all
    ? present
    : (opts.names ?? []).map((n) => {
        const hit = present.filter((l) => l.name === n || `${l.kind}/${l.name}` === n);
        if (hit.length !== 1)
          throw new SkillsyncError(
            hit.length ? "USAGE" : "NOT_FOUND",
            hit.length ? `'${n}' is ambiguous; use KIND/NAME` : `'${n}' is not in the collection`,
          );
        return hit[0]!;
      });
  if (!opts.all && targets.length === 0)
    throw new SkillsyncError("USAGE", "name the artifacts to publish, or pass --all");
  const replay = await replayOutbox(ws, remote, client);
  let unreachable = replay.unreachable;
  const results: SyncResult[] = [];
  let queued = 0;
  for (const loc of targets) {
    const id = `${loc.kind}/${loc.name}`;
    const problems = validateLocated(loc).problems.filter((p) => p.severity === "error");
    if (problems.length > 0) {
      results.push(result(id, { success: false, error: `not published: invalid: ${problems[0]!.message}` }));
      continue;
    }
    const tree = readArtifactTree(ws, loc);
    if (!tree) continue;
    await ws.objects.putDiskTree(tree);
    const base = getBase(ws, remote.name, loc.kind, loc.name);
    const version = treeMeta(ws, loc, tree).version;
    if (base && base.tree === tree.sha && !opts.team) {
      results.push(result(id, { previous_hash: base.tree, new_hash: tree.sha }));
      continue;
    }
    const queue = () => {
      enqueue(ws, remote.name, {
        op: "put",
        owner: opts.team ?? base?.owner ?? remote.user ?? null,
        kind: loc.kind,
        name: loc.name,
        tree: tree.sha,
        version,
        base_revision: base?.revision ?? null,
      });
      queued++;
      results.push(
        result(id, {
          strategy_used: "none",
          previous_hash: base?.tree ?? null,
          new_hash: tree.sha,
          error: null,
        }),
      );
    };
    if (unreachable || outboxItems(ws, remote.name).some((i) => i.kind === loc.kind && i.name === loc.name)) {
      queue();
      continue;
    }
    try {
      const owner = opts.team ?? base?.owner ?? (await ownerFor(remote, client));
      const files = filesOfLoc(loc, tree);
      const w = await client.put(
        { owner, kind: loc.kind, name: loc.name },
        {
          files,
          version,
          treeHash: tree.sha,
          ...(base && base.owner === owner ? { ifMatch: base.revision } : { ifNoneMatch: true as const }),
        },
      );
      setBase(ws, remote.name, loc.kind, loc.name, { owner, revision: w.artifact.revision, tree: tree.sha });
      results.push(
        result(id, { strategy_used: "fast-forward", previous_hash: base?.tree ?? null, new_hash: tree.sha }),
      );
    } catch (e) {
      if (isHubUnreachable(e)) {
        unreachable = true;
        queue();
      } else if (e instanceof HubConflictError) {
        results.push(
          result(id, {
            success: false,
            conflicts_remaining: 1,
            previous_hash: base?.tree ?? null,
            error: `the hub has a newer version (revision ${e.currentRevision ?? "?"}) than this collection last saw; run 'skillsync fetch' to merge it, then publish again`,
          }),
        );
      } else throw e;
    }
  }
  ws.statCache.flush();
  return { remote: remote.name, results, queued, replayed: replay.results };
}

// ---------------------------------------------------------------------------------------------
// Fetch

/** Options for {@link fetchHub}. */
export interface FetchOptions {
  remote?: string;
  strategy?: Strategy;
  autoResolve?: AutoResolve;
  /** Show what would change, write nothing (the cursor does not move). */
  preview?: boolean;
  /** Asks per conflicting file for `--strategy prompt`; without it prompt acts as merge + abort. */
  prompter?: HubPrompter;
}

/** A choice for one conflicting file with `--strategy prompt` on a terminal. */
export type HubPromptChoice = "collection" | "hub" | "markers";

/** Asks the user about one conflicting file (the CLI provides it on a TTY). */
export type HubPrompter = (q: { artifact: string; path: string; diff: string }) => Promise<HubPromptChoice>;

function hubAsker(prompter: HubPrompter): (q: ConflictQuestion) => Promise<PromptAnswer> {
  return async (q) => {
    const choice = await prompter({ artifact: q.artifact, path: q.path, diff: q.diff });
    return choice === "markers" ? "markers" : choice === "collection" ? "ours" : "theirs";
  };
}

/** The outcome of {@link fetchHub}. */
export interface FetchReport {
  remote: string;
  cursor: number;
  results: SyncResult[];
  replayed: SyncResult[];
  snapshot_id: string | null;
  /** E.g. that `--strategy prompt` acted as merge + abort without a terminal. */
  notes: string[];
}

interface Incoming {
  owner: string;
  kind: Kind;
  name: string;
  op: "put" | "delete";
  revision: number;
}

/**
 * Brings every hub change after the stored cursor into the collection (see the module comment).
 * @throws SkillsyncError USAGE (no remote / not logged in), HubError (unreachable, refused)
 */
export async function fetchHub(ws: Workspace, opts: FetchOptions = {}): Promise<FetchReport> {
  requireCollection(ws);
  const remote = resolveRemote(ws, opts.remote);
  const client = clientFor(remote);
  const d = db(ws);
  const notes: string[] = [];
  const strategy: Strategy = opts.strategy ?? "merge";
  const autoResolve: AutoResolve = opts.autoResolve ?? "abort";
  const prompter = opts.prompter;
  if (strategy === "prompt" && !prompter)
    notes.push("--strategy prompt needs a terminal: acting as --strategy merge --auto-resolve abort");
  const replay = opts.preview ? { results: [] } : await replayOutbox(ws, remote, client);
  let cursor = readHubCursor(d, remote.name);
  const latest = new Map<string, Incoming>();
  for (const p of listPendingFetches(d, remote.name))
    latest.set(`${p.owner}/${p.kind}/${p.name}`, { ...p, op: "put", revision: 0 });
  for (;;) {
    const page = await client.changes({ after: cursor });
    for (const c of page.changes)
      latest.set(`${c.owner}/${c.kind}/${c.name}`, {
        owner: c.owner,
        kind: c.kind,
        name: c.name,
        op: c.op,
        revision: c.revision,
      });
    cursor = page.cursor;
    if (!page.more) break;
  }
  return locked(ws, [collectionLock(ws)], async () => {
    const results: SyncResult[] = [];
    const writes: {
      loc: Located;
      files: TreeFile[] | null;
      lockSource: string;
      base: HubBase | null;
      id: string;
      version: string;
      pendingKey: Incoming;
    }[] = [];
    const pending: Incoming[] = [];
    for (const inc of latest.values()) {
      const id = `${inc.kind}/${inc.name}`;
      const base = getBase(ws, remote.name, inc.kind, inc.name);
      if (base && base.owner !== inc.owner) {
        results.push(
          result(id, {
            direction: "pull",
            success: false,
            error: `also published by '${base.owner}'; only that one is fetched`,
          }),
        );
        continue;
      }
      const loc = locate(ws.collectionDir, ws.layout, inc.kind, inc.name);
      const localTree = readArtifactTree(ws, loc);
      const local = localTree ? filesOfLoc(loc, localTree) : undefined;
      let hub: HubArtifact | undefined;
      if (inc.op === "put") {
        if (base && inc.revision > 0 && base.revision >= inc.revision) continue; // our own write
        hub = await client.get({ owner: inc.owner, kind: inc.kind, name: inc.name });
      }
      const lockSource = `hub:${remote.name}/${inc.kind}/${inc.name}`;
      if (!hub) {
        // Deleted on the hub (or no longer shared).
        if (!base || !localTree) {
          if (base)
            writes.push({ loc, files: null, lockSource, base: null, id, version: "0.0.0", pendingKey: inc });
          continue;
        }
        if (localTree.sha === base.tree) {
          writes.push({ loc, files: null, lockSource, base: null, id, version: "0.0.0", pendingKey: inc });
          results.push(
            result(id, { direction: "pull", strategy_used: "fast-forward", previous_hash: localTree.sha }),
          );
        } else {
          if (!opts.preview) setBase(ws, remote.name, inc.kind, inc.name, null);
          results.push(
            result(id, {
              direction: "pull",
              success: false,
              conflicts_remaining: 1,
              previous_hash: localTree.sha,
              error:
                "deleted on the hub but modified in the collection: kept; publish to restore it on the hub, or remove it",
            }),
          );
        }
        continue;
      }
      const hubFiles: TreeFile[] = hub.files.map((f) => ({ path: f.path, mode: f.mode, data: f.data }));
      const hubTree = hashOf(hubFiles);
      const newBase: HubBase = { owner: inc.owner, revision: hub.revision, tree: hubTree };
      await ws.objects.putTree(hubFiles);
      const prev = localTree?.sha ?? null;
      // The hub's version replaces the collection's (whole: preserved sections belong to deployment
      // targets, not to the collection, which is the user's master copy).
      const takeHub = (strategyUsed: SyncResult["strategy_used"]) => {
        const h = hub!;
        writes.push({
          loc,
          files: hubFiles,
          lockSource,
          base: newBase,
          id,
          version: h.version,
          pendingKey: inc,
        });
        results.push(
          result(id, {
            direction: "pull",
            strategy_used: strategyUsed,
            previous_hash: prev,
            new_hash: hubTree,
          }),
        );
      };
      if (!local || !localTree) {
        takeHub("fast-forward");
        continue;
      }
      if (localTree.sha === hubTree) {
        if (!opts.preview) setBase(ws, remote.name, inc.kind, inc.name, newBase);
        continue;
      }
      if (base && localTree.sha === base.tree) {
        takeHub("fast-forward");
        continue;
      }
      const baseFiles = base && (await ws.objects.hasTree(base.tree)) ? ws.objects.readTree(base.tree) : [];
      const res = await resolveAsking(
        {
          artifact: id,
          name: inc.name,
          form: loc.form,
          // A base the object store lost merges as if both sides added the files.
          base: baseFiles,
          ours: local,
          theirs: hubFiles,
          strategy,
          autoResolve,
          labels: { ours: "collection", theirs: "hub", base: "base" },
          // No preserved sections: the collection is the user's master copy, not a deployment target.
          forkName: `${inc.name}-hub`,
          direction: "pull",
        },
        prompter ? hubAsker(prompter) : undefined,
      );
      res.result.previous_hash = prev;
      if (res.case === "same" || res.case === "theirs-unchanged") {
        if (!opts.preview) setBase(ws, remote.name, inc.kind, inc.name, newBase);
        continue;
      }
      if (res.fork) {
        writes.push({
          loc: locate(ws.collectionDir, ws.layout, inc.kind, res.fork.name),
          files: res.fork.files,
          lockSource,
          base: null,
          id: `${inc.kind}/${res.fork.name}`,
          version: hub.version,
          pendingKey: inc,
        });
        // The hub's revision has been seen: the original keeps its edit, the fork holds the hub's.
        if (!opts.preview) setBase(ws, remote.name, inc.kind, inc.name, newBase);
        results.push(res.result);
        continue;
      }
      if (!res.result.success) {
        if (res.result.conflicts_remaining > 0) pending.push(inc);
        results.push(res.result);
        continue;
      }
      if (res.ours)
        writes.push({
          loc,
          files: res.ours,
          lockSource,
          base: newBase,
          id,
          version: hub.version,
          pendingKey: inc,
        });
      results.push(res.result);
    }
    let snapshotId: string | null = null;
    if (!opts.preview && writes.length > 0) {
      if (writes.some((w) => existsSync(w.loc.path)))
        snapshotId = await takeSnapshot(ws, {
          scope: { type: "collection" },
          message: `before fetch from ${remote.name}`,
          auto: true,
        });
      let lock = readLockFile(ws.lockPath, ws.parsedCache);
      const tx = transaction(ws);
      const now = isoNow(ws);
      try {
        for (const w of writes) {
          if (w.files === null) {
            if (existsSync(w.loc.path)) await tx.remove(w.loc.path);
            lock = removeLockEntry(lock, w.loc.kind, w.loc.name);
          } else {
            if (w.loc.form === "folder") await tx.replaceDir(w.loc.path, w.files.map(toWrite));
            else await tx.stageFile(w.loc.path, w.files[0]!.data, w.files[0]!.mode === "755" ? 0o755 : 0o644);
            await ws.objects.putTree(w.files);
            const prevEntry = findLockEntry(lock, w.loc.kind, w.loc.name);
            lock = upsertLockEntry(lock, {
              name: w.loc.name,
              type: w.loc.kind,
              source: prevEntry?.source ?? w.lockSource,
              version: w.version,
              sha: hashOf(w.files),
              "added-at": prevEntry?.["added-at"] ?? now,
              "updated-at": now,
            });
          }
        }
        await stageLock(ws, tx, lock);
        await tx.commit();
      } catch (e) {
        await tx.abort();
        throw e;
      }
      for (const w of writes) setBase(ws, remote.name, w.pendingKey.kind, w.pendingKey.name, w.base);
    }
    if (!opts.preview) {
      saveFetchProgress(d, { remote: remote.name, cursor, pending });
    }
    ws.statCache.flush();
    for (const r of results) r.snapshot_id = snapshotId;
    return { remote: remote.name, cursor, results, replayed: replay.results, snapshot_id: snapshotId, notes };
  });
}

/**
 * The daemon's hub fetcher: fetch with merge + abort (conflicts stay pending for the UI).
 */
export async function fetchFromHub(input: {
  home: string;
  config: import("../store/config.js").Config;
  collection: string;
  remote: string;
}): Promise<SyncResult[]> {
  const ws = await openWorkspace({ home: input.home, collection: input.collection, config: input.config });
  const r = await fetchHub(ws, { remote: input.remote });
  return [...r.replayed, ...r.results];
}

// ---------------------------------------------------------------------------------------------
// Hub drift

/** One artifact's drift against the hub. */
export interface HubDrift {
  name: string;
  type: Kind;
  drift_type: "in-sync" | "modified" | "added" | "removed";
  /** `collection`: local changes not published; `hub`: hub changes not fetched; `both`. */
  drift_side: "collection" | "hub" | "both" | null;
  recommendation: "publish" | "fetch" | "merge" | null;
  hub_revision: number | null;
  base_revision: number | null;
  queued: boolean;
}

/** Drift of the collection against `remote`; `reachable: false` when the hub could not be asked. */
export async function hubStatus(
  ws: Workspace,
  remoteName?: string,
): Promise<{ remote: string; reachable: boolean; queued: number; artifacts: HubDrift[] }> {
  requireCollection(ws);
  const remote = resolveRemote(ws, remoteName);
  const client = clientFor(remote, 0);
  const queuedItems = outboxItems(ws, remote.name);
  let hubList: { owner: string; kind: Kind; name: string; revision: number }[] | undefined;
  try {
    hubList = await client.list();
  } catch (e) {
    if (!isHubUnreachable(e)) throw e;
  }
  const out: HubDrift[] = [];
  const seen = new Set<string>();
  for (const loc of discoverArtifacts(ws.collectionDir, ws.layout)) {
    const id = `${loc.kind}/${loc.name}`;
    seen.add(id);
    const tree = readArtifactTree(ws, loc);
    if (!tree) continue;
    const base = getBase(ws, remote.name, loc.kind, loc.name);
    const onHub = hubList?.find(
      (h) => h.kind === loc.kind && h.name === loc.name && (!base || h.owner === base.owner),
    );
    const localChanged = !base || tree.sha !== base.tree;
    const hubChanged =
      hubList !== undefined && base !== undefined && (onHub?.revision ?? -1) !== base.revision;
    let drift: HubDrift["drift_type"] = "in-sync";
    let side: HubDrift["drift_side"] = null;
    let rec: HubDrift["recommendation"] = null;
    if (!base && !onHub) {
      drift = "added";
      side = "collection";
      rec = "publish";
    } else if (localChanged && hubChanged) {
      drift = "modified";
      side = "both";
      rec = "merge";
    } else if (localChanged) {
      drift = "modified";
      side = "collection";
      rec = "publish";
    } else if (hubChanged) {
      drift = onHub ? "modified" : "removed";
      side = "hub";
      rec = "fetch";
    }
    out.push({
      name: loc.name,
      type: loc.kind,
      drift_type: drift,
      drift_side: side,
      recommendation: rec,
      hub_revision: onHub?.revision ?? null,
      base_revision: base?.revision ?? null,
      queued: queuedItems.some((q) => q.kind === loc.kind && q.name === loc.name),
    });
  }
  for (const h of hubList ?? []) {
    const id = `${h.kind}/${h.name}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({
      name: h.name,
      type: h.kind,
      drift_type: "added",
      drift_side: "hub",
      recommendation: "fetch",
      hub_revision: h.revision,
      base_revision: null,
      queued: false,
    });
  }
  ws.statCache.flush();
  return {
    remote: remote.name,
    reachable: hubList !== undefined,
    queued: queuedItems.length,
    artifacts: out,
  };
}
