import { existsSync } from "node:fs";
import { SkillsyncError } from "../core/errors.js";
import { remoteKey } from "../core/git-spec.js";
import type { Kind } from "../core/names.js";
import { type ConflictQuestion, type PromptAnswer, resolveAsking } from "../core/resolve.js";
import {
  type AutoResolve,
  emptySyncResult as emptyResult,
  type Strategy,
  type SyncResult,
} from "../core/sync-result.js";
import { diffTrees } from "../core/tree-diff.js";
import { treeHashOfFiles as hashFiles } from "../core/tree-hash.js";
import { versionOfFiles } from "../core/version.js";
import { type Located, locate } from "../store/collection.js";
import { withLocks } from "../store/lock.js";
import { findLockEntry, readLockFile, upsertLockEntry } from "../store/lock-file.js";
import { loadTreeFiles, type TreeFile } from "../store/tree-read.js";
import { readArtifactTree } from "./artifact-info.js";
import { modeBits, stageLock, toWrite } from "./collection-ops.js";
import {
  type Clone,
  cacheLock,
  checkout,
  ensureClone,
  type GitEntry,
  gitEntries,
  latestCommits,
  objectType,
  readCheckedOut,
  readGitBase,
  writeGitBase,
} from "./git-source.js";
import { takeSnapshot } from "./snapshot.js";
import { collectionLock, isoNow, requireCollection, transaction, type Workspace } from "./workspace.js";

/** A choice for one conflicting file with `--strategy prompt` on a terminal. */
export type UpdatePromptChoice = "collection" | "upstream" | "markers";

/** Asks the user about one conflicting file (the CLI provides it on a TTY). */
export type UpdatePrompter = (q: {
  artifact: string;
  path: string;
  diff: string;
}) => Promise<UpdatePromptChoice>;

/** Options for {@link updateFromGit}. */
export interface UpdateOptions {
  /** NAME or KIND/NAME of git-sourced artifacts; empty with `all` (or `frozen`) for every one. */
  names?: string[];
  all?: boolean;
  /** When both the collection and upstream changed: default `merge`. */
  strategy?: Strategy;
  /** Merge conflicts: default `abort`. */
  autoResolve?: AutoResolve;
  /** Compute and show the diffs, write nothing. */
  preview?: boolean;
  /** Install exactly the locked commits; fail when the lock is stale or the collection differs. */
  frozen?: boolean;
  /** Conflict markers with the base (`|||||||`). */
  diff3?: boolean;
  /** Asks per conflicting file for `--strategy prompt`; without it prompt acts as merge + abort. */
  prompter?: UpdatePrompter;
}

/** The outcome of {@link updateFromGit}. */
export interface UpdateReport {
  /** One DESIGN.md sync result per artifact (`direction: "pull"` when upstream was brought in). */
  results: SyncResult[];
  /** Per artifact: what would be / was done, why, and the unified diff of the collection copy. */
  preview: { artifact: string; action: string; reason: string; diff: string }[];
  snapshots: string[];
  notes: string[];
}

const LABELS = { ours: "collection", theirs: "upstream", base: "base" } as const;

interface UpdateStep {
  g: GitEntry;
  id: string;
  loc: Located;
  latest: string;
  ours: TreeFile[] | undefined;
  oursSha: string | null;
  /** New collection content; undefined = unchanged. */
  write?: TreeFile[];
  /** A fork written beside the original. */
  fork?: { name: string; loc: Located; files: TreeFile[] };
  /** Upstream files at `latest` (the next base), when read. */
  theirs?: TreeFile[];
  /** Move the lock's resolved-ref / base to `latest`. */
  advance: boolean;
  action: string;
  reason: string;
  diff: string;
  result: SyncResult;
}

function selectEntries(ws: Workspace, all: GitEntry[], names: string[], every: boolean): GitEntry[] {
  if (every || names.length === 0) {
    if (!every)
      throw new SkillsyncError(
        "USAGE",
        "name the artifacts to update, or pass --all (every git-sourced one)",
      );
    return all;
  }
  const lock = readLockFile(ws.lockPath, ws.parsedCache);
  return names.map((n) => {
    const slash = n.indexOf("/");
    const hits = lock.artifact.filter((e) => (slash > 0 ? `${e.type}/${e.name}` === n : e.name === n));
    if (hits.length === 0)
      throw new SkillsyncError(
        "NOT_FOUND",
        `'${n}' is not in the lock file of collection '${ws.collection}'`,
      );
    if (hits.length > 1) throw new SkillsyncError("USAGE", `'${n}' names several artifacts; use KIND/NAME`);
    const hit = hits[0]!;
    const g = all.find((x) => x.entry.type === hit.type && x.entry.name === hit.name);
    if (!g)
      throw new SkillsyncError(
        "USAGE",
        `${hit.type}/${hit.name} comes from ${hit.source}, not from git; only git sources can be updated`,
      );
    return g;
  });
}

function collectionFiles(ws: Workspace, loc: Located): TreeFile[] | undefined {
  const tree = readArtifactTree(ws, loc);
  if (!tree) return undefined;
  const files = loadTreeFiles(tree);
  return loc.form === "file" ? files.map((f) => ({ ...f, path: `${loc.name}.md` })) : files;
}

/**
 * Reads the artifact trees at `commit` for several entries of one clone (one checkout).
 * @returns files per lock entry id; `undefined` where the path is gone at that commit
 */
async function readAtCommit(
  clone: Clone,
  commit: string,
  items: { id: string; path: string; kind: Kind; name: string }[],
): Promise<Map<string, TreeFile[] | undefined>> {
  const present: typeof items = [];
  const out = new Map<string, TreeFile[] | undefined>();
  for (const it of items) {
    if (await objectType(clone, commit, it.path)) present.push(it);
    else out.set(it.id, undefined);
  }
  if (present.length > 0) {
    await checkout(
      clone,
      commit,
      present.map((p) => p.path),
    );
    for (const it of present) out.set(it.id, readCheckedOut(clone, it.path, it.kind, it.name));
  }
  return out;
}

/**
 * `skillsync update`: brings upstream changes of git-sourced artifacts into the collection by a
 * three-way merge — base: the tree last taken from upstream; ours: the collection copy (label
 * `collection`); theirs: upstream at the ref's current commit (label `upstream`). Only one side
 * changed → fast-forward (or nothing); both → `strategy` (`merge` with `autoResolve`, `overwrite`,
 * `fork` as `NAME-upstream`, `prompt`: asks per file on a terminal, else merge + abort and a note).
 * A snapshot of the collection is taken before anything is overwritten; artifacts and the lock file
 * (`resolved-ref`, `sha`, `updated-at`) are written in one transaction.
 *
 * With `frozen`: installs exactly the locked commits (artifacts missing from the collection are
 * re-materialised from the object store or from `resolved-ref`) and fails with DRIFT (exit 1),
 * writing nothing, when any upstream ref moved past the lock, the collection copy differs from the
 * lock's `sha`, or the locked content cannot be reproduced.
 * @throws SkillsyncError USAGE, NOT_FOUND, GIT (exit 3), DRIFT (frozen), CONFLICT (a file changed
 *   during the update), LOCKED
 */
export async function updateFromGit(ws: Workspace, opts: UpdateOptions = {}): Promise<UpdateReport> {
  requireCollection(ws);
  const allEntries = gitEntries(ws);
  const names = opts.names ?? [];
  const selected = selectEntries(
    ws,
    allEntries,
    names,
    Boolean(opts.all || (opts.frozen && names.length === 0)),
  );
  const urls = [...new Set(selected.map((g) => g.spec.url))];
  // Cache locks first, then the collection: the order `add` takes them in.
  return withLocks(
    urls.map((u) => cacheLock(ws, u)),
    ws.config.lock_timeout_ms,
    () =>
      withLocks([collectionLock(ws)], ws.config.lock_timeout_ms, () =>
        opts.frozen ? frozenLocked(ws, selected, opts) : updateLocked(ws, selected, opts),
      ),
  );
}

async function updateLocked(ws: Workspace, selected: GitEntry[], opts: UpdateOptions): Promise<UpdateReport> {
  const notes: string[] = [];
  const strategy: Strategy = opts.strategy ?? "merge";
  let autoResolve: AutoResolve = opts.autoResolve ?? "abort";
  let prompter = opts.prompter;
  if (strategy === "prompt" && !prompter) {
    notes.push("--strategy prompt needs a terminal: acting as --strategy merge --auto-resolve abort");
    autoResolve = "abort";
    prompter = undefined;
  }
  const latest = await latestCommits(selected);
  const steps: UpdateStep[] = [];
  for (const g of selected) {
    const id = `${g.entry.type}/${g.entry.name}`;
    const loc = locate(ws.collectionDir, ws.layout, g.entry.type, g.entry.name);
    const ours = collectionFiles(ws, loc);
    steps.push({
      g,
      id,
      loc,
      latest: latest.get(remoteKey(g.spec))!,
      ours,
      oursSha: ours ? hashFiles(ours) : null,
      advance: false,
      action: "nothing",
      reason: "up to date",
      diff: "",
      result: emptyResult(id),
    });
  }
  // Read upstream (and, where needed, the base from git) per clone.
  const moving = steps.filter((s) => s.latest !== s.g.entry["resolved-ref"] || !s.ours);
  const bases = new Map<string, TreeFile[] | undefined>();
  for (const url of new Set(moving.map((s) => s.g.spec.url))) {
    const group = moving.filter((s) => s.g.spec.url === url);
    const first = group[0]!;
    let clone: Clone | undefined;
    for (const s of group) {
      const row = readGitBase(ws, s.g.entry.type, s.g.entry.name);
      const ref = s.g.entry["resolved-ref"];
      if (row && row.commit === ref && (await ws.objects.hasTree(row.tree)))
        bases.set(s.id, ws.objects.readTree(row.tree));
    }
    // Bases not recorded: read them from git at each resolved-ref.
    const needBase = group.filter((s) => !bases.has(s.id) && s.g.entry["resolved-ref"]);
    for (const ref of new Set(needBase.map((s) => s.g.entry["resolved-ref"]!))) {
      try {
        clone = await ensureClone(ws, first.g.remote, ref);
      } catch (e) {
        if (!(e instanceof SkillsyncError && e.code === "GIT")) throw e;
        continue; // the old commit is gone upstream: no base (merge reports it)
      }
      const items = needBase
        .filter((s) => s.g.entry["resolved-ref"] === ref)
        .map((s) => ({ id: s.id, path: s.g.spec.path, kind: s.g.entry.type, name: s.g.entry.name }));
      for (const [k, v] of await readAtCommit(clone, ref, items)) bases.set(k, v);
    }
    for (const commit of new Set(group.map((s) => s.latest))) {
      clone = await ensureClone(ws, first.g.remote, commit);
      const at = group.filter((s) => s.latest === commit);
      const read = await readAtCommit(
        clone,
        commit,
        at.map((s) => ({ id: s.id, path: s.g.spec.path, kind: s.g.entry.type, name: s.g.entry.name })),
      );
      for (const s of at) {
        const files = read.get(s.id);
        if (files) s.theirs = files;
      }
    }
  }
  for (const s of steps)
    await planStep(ws, s, { strategy, autoResolve, prompter, diff3: Boolean(opts.diff3), bases });
  const report: UpdateReport = {
    results: steps.map((s) => s.result),
    preview: steps.map((s) => ({ artifact: s.id, action: s.action, reason: s.reason, diff: s.diff })),
    snapshots: [],
    notes,
  };
  if (opts.preview) return report;
  const writing = steps.filter((s) => s.result.success && (s.write || s.fork || s.advance));
  if (writing.length === 0) return report;
  if (writing.some((s) => s.write && s.ours))
    report.snapshots.push(
      await takeSnapshot(ws, {
        scope: { type: "collection" },
        message: `before update of ${writing.map((s) => s.g.entry.name).join(", ")}`.slice(0, 200),
        auto: true,
      }),
    );
  await commitUpdate(ws, writing);
  for (const s of writing) s.result.snapshot_id = report.snapshots[0] ?? null;
  return report;
}

interface PlanCtx {
  strategy: Strategy;
  autoResolve: AutoResolve;
  prompter: UpdatePrompter | undefined;
  diff3: boolean;
  bases: Map<string, TreeFile[] | undefined>;
}

async function planStep(ws: Workspace, s: UpdateStep, x: PlanCtx): Promise<void> {
  const r = s.result;
  r.previous_hash = s.oursSha;
  r.new_hash = s.oursSha;
  const sections = ws.config.preserve_sections;
  const form = s.loc.form;
  if (s.latest === s.g.entry["resolved-ref"] && s.ours) return;
  if (!s.theirs) {
    Object.assign(r, {
      success: false,
      error: `upstream has nothing at '${s.g.spec.path}' in commit ${s.latest.slice(0, 12)}; remove the artifact ('skillsync remove ${s.g.entry.name}') or re-add it from its new place`,
    });
    s.action = "refused";
    s.reason = "gone upstream";
    return;
  }
  const theirs = s.theirs;
  const theirsSha = hashFiles(theirs);
  r.direction = "pull";
  s.advance = true;
  if (!s.ours) {
    s.write = theirs;
    Object.assign(r, { strategy_used: "fast-forward", new_hash: theirsSha });
    s.action = "write collection";
    s.reason = "missing from the collection: restored from upstream";
    s.diff = diffTrees([], theirs, "a/collection", "b/collection");
    return;
  }
  const ours = s.ours;
  const ask = x.prompter;
  const res = await resolveAsking(
    {
      artifact: s.id,
      name: s.g.entry.name,
      form,
      base: x.bases.get(s.id),
      ours,
      theirs,
      strategy: x.strategy,
      autoResolve: x.autoResolve,
      labels: LABELS,
      preserve: sections,
      style: x.diff3 ? "diff3" : "merge",
      forkName: `${s.g.entry.name}-upstream`,
      direction: "pull",
      missingBase: `the upstream base at ${s.g.entry["resolved-ref"]?.slice(0, 12) ?? "(no resolved-ref)"} cannot be read; use --strategy overwrite or fork`,
    },
    ask
      ? async (q: ConflictQuestion): Promise<PromptAnswer> => {
          const choice = await ask({ artifact: q.artifact, path: q.path, diff: q.diff });
          return choice === "markers" ? "markers" : choice === "collection" ? "ours" : "theirs";
        }
      : undefined,
  );
  s.result = res.result;
  if (res.case === "same" || res.case === "theirs-unchanged") {
    s.action = "update lock";
    s.reason =
      res.case === "same"
        ? "the collection already has upstream's content"
        : "upstream did not change this artifact";
    return;
  }
  s.reason = res.case === "fast-forward" ? "changed upstream only" : "changed in the collection and upstream";
  if (res.fork) {
    const loc = locate(ws.collectionDir, ws.layout, s.g.entry.type, res.fork.name);
    s.fork = { name: res.fork.name, loc, files: res.fork.files };
    s.advance = false; // the original keeps its commit; the fork tracks upstream
    s.action = `fork to collection as ${res.fork.name}`;
    s.diff = diffTrees([], res.fork.files, "a", `b/collection/${res.fork.name}`);
    return;
  }
  if (!res.result.success) {
    s.advance = false;
    s.action = res.result.conflicts_remaining > 0 && res.merged ? "conflict" : "refused";
    if (res.merged) s.diff = diffTrees(ours, res.merged, "a/collection", "b/merged");
    return;
  }
  if (res.ours) {
    s.write = res.ours;
    s.action = "write collection";
    s.diff = diffTrees(ours, res.ours, "a/collection", "b/collection");
  }
}

function recheck(ws: Workspace, loc: Located, expected: string | null): void {
  const tree = readArtifactTree(ws, loc);
  const now = tree ? hashFiles(collectionFilesFromTree(loc, loadTreeFiles(tree))) : null;
  if (now !== expected)
    throw new SkillsyncError(
      "CONFLICT",
      `${loc.path} changed while skillsync was working; nothing was written, run the command again`,
    );
}

function collectionFilesFromTree(loc: Located, files: TreeFile[]): TreeFile[] {
  return loc.form === "file" ? files.map((f) => ({ ...f, path: `${loc.name}.md` })) : files;
}

async function stageFiles(
  tx: import("../store/fs.js").Transaction,
  loc: Located,
  files: TreeFile[],
): Promise<void> {
  if (loc.form === "folder") await tx.replaceDir(loc.path, files.map(toWrite));
  else {
    const f = files[0];
    if (f) await tx.stageFile(loc.path, f.data, modeBits(f));
  }
}

async function commitUpdate(ws: Workspace, steps: UpdateStep[]): Promise<void> {
  const now = isoNow(ws);
  let lock = readLockFile(ws.lockPath, ws.parsedCache);
  const bases: { kind: Kind; name: string; tree: string; commit: string }[] = [];
  const tx = transaction(ws);
  try {
    for (const s of steps) {
      const e = s.g.entry;
      recheck(ws, s.loc, s.oursSha);
      if (s.theirs) {
        const tree = await ws.objects.putTree(s.theirs);
        if (s.advance) bases.push({ kind: e.type, name: e.name, tree, commit: s.latest });
      }
      if (s.write) {
        await ws.objects.putTree(s.write);
        await stageFiles(tx, s.loc, s.write);
      }
      if (s.advance) {
        const prev = findLockEntry(lock, e.type, e.name) ?? e;
        // Nothing written: the lock keeps its sha (local edits stay visible as edits), unless the
        // collection already holds exactly upstream's content.
        const theirsSha = s.theirs ? hashFiles(s.theirs) : undefined;
        const sha = s.write
          ? hashFiles(s.write)
          : theirsSha === s.oursSha && s.oursSha
            ? s.oursSha
            : prev.sha;
        lock = upsertLockEntry(lock, {
          ...prev,
          version: s.write ? versionOfFiles(s.write, prev.version) : prev.version,
          sha,
          "resolved-ref": s.latest,
          "updated-at": now,
        });
      }
      if (s.fork) {
        if (existsSync(s.fork.loc.path))
          throw new SkillsyncError(
            "ALREADY_EXISTS",
            `cannot fork ${s.id}: ${s.fork.loc.path} already exists; rename or remove it`,
          );
        const sha = await ws.objects.putTree(s.fork.files);
        await stageFiles(tx, s.fork.loc, s.fork.files);
        lock = upsertLockEntry(lock, {
          name: s.fork.name,
          type: e.type,
          source: e.source,
          version: versionOfFiles(s.fork.files, e.version),
          sha,
          "resolved-ref": s.latest,
          "added-at": now,
          "updated-at": now,
        });
        if (s.theirs)
          bases.push({ kind: e.type, name: s.fork.name, tree: hashFiles(s.theirs), commit: s.latest });
      }
    }
    await stageLock(ws, tx, lock);
    await tx.commit();
  } catch (err) {
    await tx.abort();
    throw err;
  }
  ws.statCache.flush();
  // After the commit point: a crash before this leaves an older base row, which names another commit
  // than the lock's resolved-ref, so the next update reads the base from git instead.
  writeGitBase(ws, bases);
}

async function frozenLocked(ws: Workspace, selected: GitEntry[], opts: UpdateOptions): Promise<UpdateReport> {
  const latest = await latestCommits(selected);
  const stale = selected.filter((g) => g.entry["resolved-ref"] !== latest.get(remoteKey(g.spec)));
  if (stale.length > 0)
    throw new SkillsyncError(
      "DRIFT",
      `the lock file is out of date with upstream for ${stale
        .map(
          (g) =>
            `${g.entry.type}/${g.entry.name} (locked ${g.entry["resolved-ref"]?.slice(0, 12) ?? "none"}, ${g.spec.ref ?? "HEAD"} is at ${latest.get(remoteKey(g.spec))!.slice(0, 12)})`,
        )
        .join(
          ", ",
        )}; nothing was written; run 'skillsync update NAME' without --frozen and commit skillsync.lock`,
      { file: ws.lockPath },
    );
  const steps: UpdateStep[] = [];
  const differs: string[] = [];
  const needGit: UpdateStep[] = [];
  for (const g of selected) {
    const id = `${g.entry.type}/${g.entry.name}`;
    const loc = locate(ws.collectionDir, ws.layout, g.entry.type, g.entry.name);
    const ours = collectionFiles(ws, loc);
    const oursSha = ours ? hashFiles(ours) : null;
    const s: UpdateStep = {
      g,
      id,
      loc,
      latest: g.entry["resolved-ref"]!,
      ours,
      oursSha,
      advance: false,
      action: "nothing",
      reason: "matches the lock",
      diff: "",
      result: { ...emptyResult(id), previous_hash: oursSha, new_hash: oursSha },
    };
    steps.push(s);
    if (ours && oursSha !== g.entry.sha) differs.push(id);
    else if (!ours) {
      if (await ws.objects.hasTree(g.entry.sha)) s.write = ws.objects.readTree(g.entry.sha);
      else needGit.push(s);
    }
  }
  if (differs.length > 0)
    throw new SkillsyncError(
      "DRIFT",
      `the collection copy differs from the lock file for ${differs.join(", ")} (edited since it was locked); nothing was written; run 'skillsync update' without --frozen, or restore them`,
      { file: ws.lockPath },
    );
  const unreproducible: string[] = [];
  for (const url of new Set(needGit.map((s) => s.g.spec.url))) {
    const group = needGit.filter((s) => s.g.spec.url === url);
    for (const commit of new Set(group.map((s) => s.latest))) {
      const clone = await ensureClone(ws, group[0]!.g.remote, commit);
      const at = group.filter((s) => s.latest === commit);
      const read = await readAtCommit(
        clone,
        commit,
        at.map((s) => ({ id: s.id, path: s.g.spec.path, kind: s.g.entry.type, name: s.g.entry.name })),
      );
      for (const s of at) {
        const files = read.get(s.id);
        if (files && hashFiles(files) === s.g.entry.sha) {
          s.write = files;
          s.theirs = files;
        } else unreproducible.push(s.id);
      }
    }
  }
  if (unreproducible.length > 0)
    throw new SkillsyncError(
      "DRIFT",
      `cannot install ${unreproducible.join(", ")} exactly: the lock's sha is not what its resolved-ref holds (local edits that only lived on another machine); nothing was written; run 'skillsync update' without --frozen`,
      { file: ws.lockPath },
    );
  for (const s of steps) {
    if (!s.write) continue;
    Object.assign(s.result, { direction: "pull", strategy_used: "fast-forward", new_hash: s.g.entry.sha });
    s.action = "write collection";
    s.reason = `missing from the collection: installed from ${s.latest.slice(0, 12)}`;
    s.diff = diffTrees([], s.write, "a/collection", "b/collection");
  }
  const report: UpdateReport = {
    results: steps.map((s) => s.result),
    preview: steps.map((s) => ({ artifact: s.id, action: s.action, reason: s.reason, diff: s.diff })),
    snapshots: [],
    notes: [],
  };
  const writing = steps.filter((s) => s.write);
  if (opts.preview || writing.length === 0) return report;
  const tx = transaction(ws);
  try {
    for (const s of writing) {
      recheck(ws, s.loc, null);
      await ws.objects.putTree(s.write!);
      await stageFiles(tx, s.loc, s.write!);
    }
    await tx.commit();
  } catch (err) {
    await tx.abort();
    throw err;
  }
  ws.statCache.flush();
  writeGitBase(
    ws,
    writing
      .filter((s) => s.theirs)
      .map((s) => ({ kind: s.g.entry.type, name: s.g.entry.name, tree: s.g.entry.sha, commit: s.latest })),
  );
  return report;
}
