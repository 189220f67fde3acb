/**
 * pull, push, sync and deploy: moving artifacts between the collection and a project without losing
 * an edit. One engine for all four: read both sides and the base, plan each artifact with the pure
 * planner (`core/plan.ts`), resolve diverged ones by the strategy, then write everything — artifacts,
 * lock file, deployment record — in one transaction, after a snapshot of whatever is overwritten.
 *
 * Guarantees: nothing is written in `--preview`; an artifact whose merge has unresolved conflicts
 * (auto-resolve `abort`) is left untouched on both sides; a file that changes on disk between
 * planning and writing makes the whole operation stop before its commit point; after a successful run
 * the lock file, the deployment record and the stored base name the same content.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { DEPLOYMENT_RECORD_PATH } from "../core/layout.js";
import type { Kind } from "../core/names.js";
import { type Operation, type PlannedAction, planArtifact } from "../core/plan.js";
import { onlyPreservedDiffer, withPreserved } from "../core/preserve.js";
import { type ConflictQuestion, type PromptAnswer, resolveAsking } from "../core/resolve.js";
import {
  type AutoResolve,
  emptySyncResult as emptyResult,
  type Strategy,
  type SyncResult,
} from "../core/sync-result.js";
import { diffTrees } from "../core/tree-diff.js";
import { treeHashOfFiles as hashOf, type TreeFile } from "../core/tree-hash.js";
import { versionOfFiles } from "../core/version.js";
import { type Located, locate } from "../store/collection.js";
import { type DeployRecord, type RecordEntry, serializeDeployRecord } from "../store/deploy-record.js";
import type { Transaction } from "../store/fs.js";
import { findLockEntry, type LockFile, readLockFile, upsertLockEntry } from "../store/lock-file.js";
import { loadTreeFiles } from "../store/tree-read.js";
import { readArtifactTree, validateLocated } from "./artifact-info.js";
import { modeBits, stageLock, toWrite } from "./collection-ops.js";
import { type SkillsLockChange, stageSkillsLockUpdate } from "./skills-lock-sync.js";
import { takeSnapshot } from "./snapshot.js";
import { prepareRead, readSides, type Sides } from "./status.js";
import { VERSION_STRING } from "./version.js";
import {
  assertTargetsContained,
  collectionLock,
  isoNow,
  locked,
  projectLayout,
  projectLock,
  resolveProject,
  transaction,
  type Workspace,
} from "./workspace.js";

/** The strategy types and the sync result live in `core/sync-result.ts`; re-exported for callers. */
export type { AutoResolve, Strategy, SyncResult };

/** A choice made for one conflicting file when `--strategy prompt` runs on a terminal. */
export type PromptChoice = "project" | "collection" | "markers";

/** Asks the user about one conflicting file; the CLI provides it on a TTY. */
export type ConflictPrompter = (q: { artifact: string; path: string; diff: string }) => Promise<PromptChoice>;

/** Options for {@link transfer}. */
export interface TransferOptions {
  op: Operation;
  project?: string;
  /** NAME or KIND/NAME; empty with `all` for every artifact. */
  names?: string[];
  all?: boolean;
  strategy?: Strategy;
  autoResolve?: AutoResolve;
  /** Show the plan and diffs, write nothing. */
  preview?: boolean;
  /** deploy: overwrite an edited project copy (after a snapshot). */
  force?: boolean;
  /** Confirms deletions above the thresholds. */
  yes?: boolean;
  /** Conflict markers with the base (`|||||||`). */
  diff3?: boolean;
  /** Asks per conflicting file; without it `prompt` acts as merge + abort. */
  prompter?: ConflictPrompter;
  /** Skip (and report in `invalid`) artifacts whose changed side fails validation (the daemon's gate). */
  validationGate?: boolean;
}

/** A planned artifact with everything needed to write it. */
interface Step {
  id: string;
  kind: Kind;
  name: string;
  sides: Sides;
  action: PlannedAction;
  /** New content per side, when it changes. */
  toProject?: TreeFile[] | null; // null = delete
  toCollection?: TreeFile[];
  /** Extra artifact created by `fork`. */
  fork?: { where: "project" | "collection"; name: string; files: TreeFile[] };
  /** New base (tree hash) for the record; undefined = keep; null = drop the entry. */
  newBase?: string | null;
  /** The merged files that become the base when both sides are written. */
  bothBaseFiles?: TreeFile[];
  result: SyncResult;
  diffs: (() => string)[]; // built only when read: a deploy without --preview never pays for them
}

/** The outcome of a transfer. */
export interface TransferReport {
  project: string;
  results: SyncResult[];
  /** Plan lines and unified diffs (`diff` is built on first read; printed with `--preview`). */
  preview: { artifact: string; action: string; reason: string; diff: string }[];
  /** Artifacts refused (deploy without --force) or left in conflict. */
  blocked: string[];
  snapshots: string[];
  notes: string[];
  /** Artifacts held back by the validation gate, with their problems. */
  invalid: { artifact: string; problems: string[] }[];
}

const LABELS = { project: "project", collection: "collection", base: "base" } as const;

/** The deployment record's folder, relative to the project. */
function dirOfRecord(): string {
  return DEPLOYMENT_RECORD_PATH.split("/").slice(0, -1).join("/");
}

/** `f`, evaluated at most once, on first use. */
function once<T>(f: () => T): () => T {
  let box: { value: T } | undefined;
  return () => {
    box ??= { value: f() };
    return box.value;
  };
}

function filesOf(_ws: Workspace, side: Sides["collection"]): TreeFile[] {
  if (!side) return [];
  const files = loadTreeFiles(side.tree);
  return side.loc.form === "file" ? files.map((f) => ({ ...f, path: `${side.loc.name}.md` })) : files;
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 30) || "copy"
  );
}

/**
 * Runs pull, push, sync or deploy on one project.
 * @throws SkillsyncError PROJECT_MISSING, NOT_FOUND, NEEDS_CONFIRMATION (deletions over the threshold),
 *   CONFLICT (a file changed during the operation), LOCKED, INVALID_RECORD / INVALID_LOCK
 */
export async function transfer(ws: Workspace, opts: TransferOptions): Promise<TransferReport> {
  const project = await resolveProject(ws, opts.project);
  assertTargetsContained(project, projectLayout(ws), [dirOfRecord()]);
  return locked(ws, [collectionLock(ws), projectLock(ws, project)], () => transferLocked(ws, project, opts));
}

async function transferLocked(
  ws: Workspace,
  project: string,
  opts: TransferOptions,
): Promise<TransferReport> {
  const strategy: Strategy = opts.strategy ?? "merge";
  const notes: string[] = [];
  let prompter = opts.prompter;
  let autoResolve: AutoResolve = opts.autoResolve ?? "abort";
  if (strategy === "prompt" && !prompter) {
    notes.push("--strategy prompt needs a terminal: acting as --strategy merge --auto-resolve abort");
    autoResolve = "abort";
    prompter = undefined;
  }
  // Unchanged folder artifacts are checked on worker threads (lstat only), as for status.
  const { sides, record } = readSides(ws, project, await prepareRead(ws, project));
  const layout = projectLayout(ws);
  const sections = ws.config.preserve_sections;
  const selected = selectSides(sides, opts);
  const collectionEmpty = !sides.some((s) => s.collection);
  const steps: Step[] = [];
  const invalid: TransferReport["invalid"] = [];
  for (const s of selected) {
    const id = `${s.kind}/${s.name}`;
    if (opts.validationGate) {
      const problems = gateProblems(ws, s);
      if (problems.length > 0) {
        invalid.push({ artifact: id, problems });
        steps.push({
          id,
          kind: s.kind,
          name: s.name,
          sides: s,
          action: { type: "none", reason: "invalid" },
          result: { ...emptyResult(id), success: false, error: `held back: invalid: ${problems[0]}` },
          diffs: [],
        });
        continue;
      }
    }
    const form = s.collection?.loc.form ?? s.project?.loc.form ?? (s.kind === "skill" ? "folder" : "file");
    const baseSha = s.record?.sha;
    // Files are read only for artifacts whose hashes differ: an in-sync artifact costs no reads.
    const baseFiles = once(() =>
      baseSha && ws.objects.hasTreeSync(baseSha) ? ws.objects.readTree(baseSha) : undefined,
    );
    const cFiles = once(() => (s.collection ? filesOf(ws, s.collection) : undefined));
    const pFiles = once(() => (s.project ? filesOf(ws, s.project) : undefined));
    const changed = (side: Sides["collection"], files: () => TreeFile[] | undefined): boolean => {
      if (baseSha === undefined || side?.tree.sha === baseSha) return false;
      const b = baseFiles();
      const f = files();
      return !(b && f && onlyPreservedDiffer(b, f, sections, form));
    };
    const pChanged = changed(s.project, pFiles);
    const cChanged = changed(s.collection, cFiles);
    const action = planArtifact({
      op: opts.op,
      ...(s.collection ? { collection: s.collection.tree.sha } : {}),
      ...(s.project ? { project: s.project.tree.sha } : {}),
      ...(baseSha ? { base: baseSha } : {}),
      projectChanged: pChanged,
      collectionChanged: cChanged,
      collectionEmpty,
    });
    const step: Step = {
      id,
      kind: s.kind,
      name: s.name,
      sides: s,
      action,
      result: emptyResult(id),
      diffs: [],
    };
    await resolveStep(ws, step, {
      strategy: opts.force && action.type === "refuse" ? "overwrite" : strategy,
      autoResolve,
      prompter,
      diff3: Boolean(opts.diff3),
      get baseFiles() {
        return baseFiles();
      },
      get cFiles() {
        return cFiles();
      },
      get pFiles() {
        return pFiles();
      },
      form,
      sections,
      project,
      explicitStrategy: opts.strategy !== undefined || Boolean(opts.force),
      op: opts.op,
    });
    step.result.previous_hash =
      (step.result.direction === "pull" || step.fork?.where === "collection"
        ? s.collection?.tree.sha
        : s.project?.tree.sha) ?? null;
    steps.push(step);
  }
  // Deletion thresholds: count deletions in the project.
  const deletions = steps.filter((s) => s.toProject === null).length;
  const deployed = record?.artifacts.length ?? 0;
  const pct = deployed > 0 ? (deletions / deployed) * 100 : 0;
  if (
    deletions > 0 &&
    !opts.yes &&
    !opts.preview &&
    (deletions > ws.config.deletion_threshold || pct > ws.config.deletion_threshold_percent)
  )
    throw new SkillsyncError(
      "NEEDS_CONFIRMATION",
      `this would delete ${deletions} of ${deployed} deployed artifacts in ${project} (thresholds: ${ws.config.deletion_threshold} artifacts or ${ws.config.deletion_threshold_percent}%); nothing was changed; pass --yes to confirm`,
    );
  const preview = steps.map((s) => ({
    artifact: s.id,
    action: describe(s),
    reason: s.action.reason,
    get diff() {
      return s.diffs.map((d) => d()).join("");
    },
  }));
  const blocked = steps.filter((s) => !s.result.success).map((s) => s.id);
  const report: TransferReport = {
    project,
    results: steps.map((s) => s.result),
    preview,
    blocked,
    snapshots: [],
    notes,
    invalid,
  };
  if (opts.preview) return report;
  if (opts.op === "deploy" && blocked.length > 0) {
    for (const s of steps)
      if (s.result.success && s.result.direction !== "none")
        s.result.error = "not written: other artifacts were refused";
    return report;
  }
  const writing = steps.filter(
    (s) =>
      s.result.success && (s.toProject !== undefined || s.toCollection || s.fork || s.newBase !== undefined),
  );
  if (writing.length === 0) return report;
  // Snapshots of whatever will be overwritten.
  const touchesProject = writing.some((s) => s.toProject !== undefined || s.fork?.where === "project");
  const touchesCollection = writing.some((s) => s.toCollection || s.fork?.where === "collection");
  const overwritesProject = writing.some((s) => s.toProject !== undefined && s.sides.project);
  const overwritesCollection = writing.some((s) => s.toCollection && s.sides.collection);
  const what = `${opts.op} ${writing.map((s) => s.name).join(", ")}`.slice(0, 200);
  if (touchesProject && overwritesProject)
    report.snapshots.push(
      await takeSnapshot(ws, { scope: { type: "project", project }, message: `before ${what}`, auto: true }),
    );
  if (touchesCollection && overwritesCollection)
    report.snapshots.push(
      await takeSnapshot(ws, { scope: { type: "collection" }, message: `before ${what}`, auto: true }),
    );
  const snapshotId = report.snapshots[0] ?? null;
  await commitSteps(ws, { project, steps: writing, record, layout, snapshotId });
  for (const s of writing) s.result.snapshot_id = snapshotId;
  return report;
}

function describe(s: Step): string {
  if (!s.result.success) return s.result.conflicts_remaining > 0 ? "conflict" : "refused";
  if (s.fork) return `fork to ${s.fork.where} as ${s.fork.name}`;
  if (s.toProject === null) return "delete in project";
  const parts: string[] = [];
  if (s.toProject) parts.push("write project");
  if (s.toCollection) parts.push("write collection");
  if (parts.length === 0 && s.newBase !== undefined) parts.push("update base");
  return parts.join(" + ") || "nothing";
}

/** Validation errors of the sides of `s` that differ from the base (one line each). */
function gateProblems(_ws: Workspace, s: Sides): string[] {
  const out: string[] = [];
  for (const side of [s.collection, s.project]) {
    if (!side || side.tree.sha === s.record?.sha) continue;
    for (const p of validateLocated(side.loc).problems)
      if (p.severity === "error") out.push(`${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`);
  }
  return out;
}

function selectSides(sides: Sides[], opts: TransferOptions): Sides[] {
  if (opts.all || !opts.names || opts.names.length === 0) {
    if (!opts.all && opts.op !== "sync")
      throw new SkillsyncError("USAGE", `name the artifacts to ${opts.op}, or pass --all`);
    return sides.filter((s) => {
      if (opts.op === "deploy" || opts.op === "push")
        return s.collection !== undefined || s.record !== undefined;
      if (opts.op === "pull")
        return s.project !== undefined && (s.record !== undefined || s.collection === undefined);
      return s.record !== undefined;
    });
  }
  return opts.names.map((n) => {
    const slash = n.indexOf("/");
    const hits = sides.filter((s) => (slash > 0 ? `${s.kind}/${s.name}` === n : s.name === n));
    if (hits.length === 0)
      throw new SkillsyncError("NOT_FOUND", `'${n}' is neither in the collection nor in the project`);
    if (hits.length > 1) throw new SkillsyncError("USAGE", `'${n}' names several artifacts; use KIND/NAME`);
    return hits[0]!;
  });
}

interface ResolveCtx {
  strategy: Strategy;
  autoResolve: AutoResolve;
  prompter: ConflictPrompter | undefined;
  diff3: boolean;
  baseFiles: TreeFile[] | undefined;
  cFiles: TreeFile[] | undefined;
  pFiles: TreeFile[] | undefined;
  form: "folder" | "file";
  sections: string[];
  project: string;
  explicitStrategy: boolean;
  op: Operation;
}

async function resolveStep(ws: Workspace, step: Step, x: ResolveCtx): Promise<void> {
  const r = step.result;
  const a = step.action;
  if (a.type === "none") return;
  const c = x.cFiles ?? [];
  const p = x.pFiles ?? [];
  const cSha = step.sides.collection?.tree.sha;
  switch (a.type) {
    case "record-only":
      step.newBase = cSha ?? null;
      r.direction = "none";
      r.new_hash = cSha ?? null;
      return;
    case "to-project": {
      const out = withPreserved(c, p, x.sections, x.form);
      step.toProject = out;
      step.newBase = cSha!;
      Object.assign(r, { direction: "push", strategy_used: "fast-forward", new_hash: hashOf(out) });
      step.diffs.push(() => diffTrees(p, out, "a/project", "b/project"));
      return;
    }
    case "to-collection": {
      const out = withPreserved(p, c, x.sections, x.form);
      step.toCollection = out;
      step.newBase = step.sides.project!.tree.sha;
      Object.assign(r, { direction: "pull", strategy_used: "fast-forward", new_hash: hashOf(out) });
      step.diffs.push(() => diffTrees(c, out, "a/collection", "b/collection"));
      return;
    }
    case "delete-in-project":
      step.toProject = null;
      step.newBase = null;
      Object.assign(r, { direction: "push", strategy_used: "fast-forward", new_hash: null });
      step.diffs.push(() => diffTrees(p, [], "a/project", "b/project"));
      return;
    case "refuse":
      if (x.explicitStrategy) {
        await resolveDiverged(ws, step, { ...x }, "project");
        return;
      }
      Object.assign(r, {
        success: false,
        error: `${a.reason}; 'skillsync push ${step.name}' merges, --force overwrites (after a snapshot)`,
      });
      step.diffs.push(() => diffTrees(p, c, "a/project", "b/collection"));
      return;
    case "diverged":
      await resolveDiverged(ws, step, x, a.into);
      return;
  }
}

/**
 * A diverged artifact (or one the caller forces), resolved by the one resolver (`core/resolve.ts`):
 * ours is the side written to (`project` for a push or a two-way sync, `collection` for a pull).
 */
async function resolveDiverged(
  ws: Workspace,
  step: Step,
  x: ResolveCtx,
  into: "project" | "collection" | "both",
): Promise<void> {
  const c = x.cFiles ?? [];
  const p = x.pFiles ?? [];
  const cSha = step.sides.collection?.tree.sha ?? null;
  const pSha = step.sides.project?.tree.sha ?? null;
  // overwrite and fork of a two-way sync act like a push: the collection wins / is forked into the project
  const both = into === "both" && x.strategy !== "overwrite" && x.strategy !== "fork";
  const toCollection = into === "collection";
  const labels = toCollection
    ? { ours: LABELS.collection, theirs: LABELS.project, base: LABELS.base }
    : { ours: LABELS.project, theirs: LABELS.collection, base: LABELS.base };
  const forkName = `${step.name}-${toCollection ? slug(basename(x.project)) : slug(ws.collection)}`;
  const ask = x.prompter;
  const res = await resolveAsking(
    {
      artifact: step.id,
      name: step.name,
      form: x.form,
      base: step.sides.record && !x.baseFiles ? undefined : (x.baseFiles ?? []),
      ours: toCollection ? c : p,
      theirs: toCollection ? p : c,
      strategy: x.strategy,
      autoResolve: x.autoResolve,
      labels,
      preserve: x.sections,
      style: x.diff3 ? "diff3" : "merge",
      forkName,
      into: both ? "both" : "ours",
      // Markers never go into the collection: the project copy is the one to edit.
      markersInto: toCollection ? "theirs" : "ours",
      diverged: true,
      direction: both ? "merge" : toCollection ? "pull" : "push",
      missingBase: `the base ${step.sides.record?.sha.slice(0, 12)} is not in the object store; use --strategy overwrite or fork`,
    },
    ask
      ? async (q: ConflictQuestion): Promise<PromptAnswer> => {
          const choice = await ask({ artifact: q.artifact, path: q.path, diff: q.diff });
          if (choice === "markers") return "markers";
          return choice === labels.ours ? "ours" : "theirs";
        }
      : undefined,
  );
  step.result = { ...res.result, previous_hash: null };
  const toP = toCollection ? res.theirs : res.ours;
  const toC = toCollection ? res.ours : res.theirs;
  if (toP) {
    step.toProject = toP;
    step.diffs.push(() => diffTrees(p, toP, "a/project", "b/project"));
  }
  if (toC) {
    step.toCollection = toC;
    step.diffs.push(() => diffTrees(c, toC, "a/collection", "b/collection"));
  }
  if (res.fork) {
    const where = toCollection ? "collection" : "project";
    const fork = (step.fork = { where, name: res.fork.name, files: res.fork.files });
    step.diffs.push(() => diffTrees([], fork.files, "a", `b/${where}/${fork.name}`));
  }
  if (!res.result.success && res.merged)
    step.diffs.push(() => diffTrees(toCollection ? c : p, res.merged!, `a/${labels.ours}`, "b/merged"));
  if (res.newBase) {
    const oursSha = toCollection ? cSha : pSha;
    const theirsSha = toCollection ? pSha : cSha;
    step.newBase =
      res.newBase.from === "merged" ? res.newBase.hash : res.newBase.from === "ours" ? oursSha : theirsSha;
    if (res.newBase.from === "merged") step.bothBaseFiles = [...res.newBase.files];
  }
}

interface CommitCtx {
  project: string;
  steps: Step[];
  record: DeployRecord | undefined;
  layout: ReturnType<typeof projectLayout>;
  snapshotId: string | null;
}

async function commitSteps(ws: Workspace, x: CommitCtx): Promise<void> {
  const now = isoNow(ws);
  let lock: LockFile = readLockFile(ws.lockPath);
  const entries = new Map<string, RecordEntry>(
    (x.record?.artifacts ?? []).map((e) => [`${e.type}/${e.name}`, e]),
  );
  const tx = transaction(ws);
  try {
    for (const s of x.steps) {
      const pLoc = locate(x.project, x.layout, s.kind, s.name);
      const cLoc = locate(ws.collectionDir, ws.layout, s.kind, s.name);
      // Re-check: the target must still be what was planned.
      if (s.toProject !== undefined) recheck(ws, pLoc, s.sides.project?.tree.sha);
      if (s.toCollection) recheck(ws, cLoc, s.sides.collection?.tree.sha);
      if (s.toProject === null) await tx.remove(pLoc.path);
      else if (s.toProject) await stageArtifact(tx, pLoc, s.toProject);
      if (s.toCollection) await stageArtifact(tx, cLoc, s.toCollection);
      if (s.fork) {
        const root = s.fork.where === "project" ? x.project : ws.collectionDir;
        const layout = s.fork.where === "project" ? x.layout : ws.layout;
        const fLoc = locate(root, layout, s.kind, s.fork.name);
        if (existsSync(fLoc.path))
          throw new SkillsyncError(
            "ALREADY_EXISTS",
            `cannot fork ${s.id}: ${fLoc.path} already exists; rename or remove it`,
          );
        await stageArtifact(tx, fLoc, s.fork.files);
        await ws.objects.putTree(s.fork.files);
        if (s.fork.where === "collection")
          lock = upsertLockEntry(lock, {
            name: s.fork.name,
            type: s.kind,
            source: `local:${pLoc.path}`,
            version: s.sides.project?.version ?? "0.0.0",
            sha: hashOf(s.fork.files),
            "added-at": now,
            "updated-at": now,
          });
      }
      // Objects first: the base must be readable before anything points at it.
      if (s.toProject) await ws.objects.putTree(s.toProject);
      if (s.toCollection) await ws.objects.putTree(s.toCollection);
      if (s.bothBaseFiles) await ws.objects.putTree(s.bothBaseFiles);
      if (s.sides.collection && s.newBase === s.sides.collection.tree.sha)
        await ws.objects.putDiskTree(s.sides.collection.tree);
      if (s.sides.project && s.newBase === s.sides.project.tree.sha)
        await ws.objects.putDiskTree(s.sides.project.tree);
      // Lock file: the collection's new content.
      if (s.toCollection) {
        const prev = findLockEntry(lock, s.kind, s.name);
        lock = upsertLockEntry(lock, {
          name: s.name,
          type: s.kind,
          source: prev?.source ?? `local:${pLoc.path}`,
          version: versionOfFiles(s.toCollection, s.sides.project?.version ?? "0.0.0"),
          sha: hashOf(s.toCollection),
          "added-at": prev?.["added-at"] ?? now,
          "updated-at": now,
          ...(prev?.["resolved-ref"] ? { "resolved-ref": prev["resolved-ref"] } : {}),
        });
      }
      // Deployment record: the new base.
      if (s.newBase === null) entries.delete(s.id);
      else if (s.newBase !== undefined) {
        const le = findLockEntry(lock, s.kind, s.name);
        entries.set(s.id, {
          name: s.name,
          type: s.kind,
          source: le?.source ?? `local:${cLoc.path}`,
          version: s.sides.collection?.version ?? s.sides.project?.version ?? "0.0.0",
          sha: s.newBase,
          "deployed-at": now,
          "deployed-from": ws.collectionDir,
        });
      }
    }
    if (!existsSync(ws.lockPath) || x.steps.some((s) => s.toCollection || s.fork?.where === "collection"))
      await stageLock(ws, tx, lock);
    const recordPath = join(x.project, ...DEPLOYMENT_RECORD_PATH.split("/"));
    const record: DeployRecord = {
      version: 1,
      deployment: {
        collection: ws.collection,
        "deployed-at": now,
        "skillsync-version": VERSION_STRING,
      },
      artifacts: [...entries.values()],
    };
    const text = serializeDeployRecord(record);
    const old = existsSync(recordPath) ? readFileSync(recordPath, "utf8") : undefined;
    if (old === undefined || stripStamp(old) !== stripStamp(text)) await tx.stageFile(recordPath, text);
    await stageSkillsLockUpdate(ws, tx, { root: x.project, lock, changes: skillsLockChanges(x) });
    await tx.commit();
  } catch (e) {
    await tx.abort();
    throw e;
  }
  ws.statCache.flush();
}

/** The skills whose project copy a commit writes or removes, for `skills-lock.json`. */
function skillsLockChanges(x: CommitCtx): SkillsLockChange[] {
  return x.steps.flatMap((s) =>
    s.kind === "skill" && s.toProject !== undefined ? [{ name: s.name, files: s.toProject }] : [],
  );
}

function stripStamp(text: string): string {
  return text.replace(/^deployed-at = .*$/m, "").replace(/^skillsync-version = .*$/m, "");
}

function recheck(ws: Workspace, loc: Located, expected: string | undefined): void {
  const now = readArtifactTree(ws, loc)?.sha;
  if (now !== expected)
    throw new SkillsyncError(
      "CONFLICT",
      `${loc.path} changed while skillsync was working; nothing was written, run the command again`,
    );
}

async function stageArtifact(tx: Transaction, loc: Located, files: TreeFile[]): Promise<void> {
  if (loc.form === "folder") await tx.replaceDir(loc.path, files.map(toWrite));
  else {
    const f = files[0];
    if (!f) await tx.remove(loc.path);
    else await tx.stageFile(loc.path, f.data, modeBits(f));
  }
}

/** Removes artifacts from a project (undeploy), refusing edited copies unless `force`. */
export async function undeploy(
  ws: Workspace,
  opts: { project?: string; names: string[]; force?: boolean },
): Promise<{ project: string; removed: string[]; snapshot_id: string | null }> {
  const project = await resolveProject(ws, opts.project);
  assertTargetsContained(project, projectLayout(ws), [dirOfRecord()]);
  return locked(ws, [projectLock(ws, project)], async () => {
    const { sides, record } = readSides(ws, project);
    const targets = selectSides(sides, { op: "push", names: opts.names });
    const edited: string[] = [];
    for (const s of targets) {
      if (!s.record)
        throw new SkillsyncError("NOT_FOUND", `${s.kind}/${s.name} is not deployed to ${project}`);
      if (s.project && s.project.tree.sha !== s.record.sha) edited.push(`${s.kind}/${s.name}`);
    }
    if (edited.length > 0 && !opts.force)
      throw new SkillsyncError(
        "LOCAL_EDIT",
        `edited in the project since deployment: ${edited.join(", ")}; pull them first, or pass --force (a snapshot is kept)`,
      );
    const snapshotId = await takeSnapshot(ws, {
      scope: { type: "project", project },
      message: `before undeploy of ${targets.map((t) => t.name).join(", ")}`,
      auto: true,
    });
    const layout = projectLayout(ws);
    const tx = transaction(ws);
    try {
      for (const s of targets) await tx.remove(locate(project, layout, s.kind, s.name).path);
      const rec: DeployRecord = {
        ...(record as DeployRecord),
        artifacts: (record?.artifacts ?? []).filter(
          (e) => !targets.some((t) => t.kind === e.type && t.name === e.name),
        ),
      };
      await tx.stageFile(join(project, ...DEPLOYMENT_RECORD_PATH.split("/")), serializeDeployRecord(rec));
      const gone = targets
        .filter((t) => t.kind === "skill")
        .map((t) => ({ name: t.name, path: "", files: null }));
      await stageSkillsLockUpdate(ws, tx, { root: project, lock: readLockFile(ws.lockPath), changes: gone });
      await tx.commit();
    } catch (e) {
      await tx.abort();
      throw e;
    }
    return { project, removed: targets.map((t) => `${t.kind}/${t.name}`), snapshot_id: snapshotId };
  });
}
