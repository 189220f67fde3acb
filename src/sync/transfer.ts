/**
 * pull, push, sync and deploy: moving artifacts between the collection and a deployment — a project
 * or, with `--global`, the user's folders — without losing an edit. A deployment has one target per
 * distinct folder of its agents (targets.ts); each target is run by the one engine
 * (transfer-engine.ts: plan with `core/plan.ts`, resolve with `core/resolve.ts`, write in one
 * transaction after a snapshot), with its own base per artifact in the deployment record.
 *
 * Several targets (issue 11, docs/targets.md):
 * - deploy and push plan every target before writing any; a deploy refused in one target writes
 *   nothing anywhere;
 * - pull and sync take the targets in turn, each a three-way operation against the collection as the
 *   previous one left it (two targets edited differently are merged, never one overwritten), then
 *   bring the targets that were not edited up to date by fast-forward only.
 */
import { SkillsyncError } from "../core/errors.js";
import { artifactRelPath } from "../core/layout.js";
import type { Kind } from "../core/names.js";
import { type Target, targetLabel, targetPath } from "../core/targets.js";
import { discoverArtifacts, locate } from "../store/collection.js";
import {
  type DeployRecord,
  type RecordEntry,
  readDeployRecord,
  serializeDeployRecord,
  withTarget,
} from "../store/deploy-record.js";
import { readLockFile } from "../store/lock-file.js";
import { stageGlobalSkillLockUpdate, stageSkillsLockUpdate } from "./skills-lock-sync.js";
import { takeSnapshot } from "./snapshot.js";
import { readSides } from "./status.js";
import { type Deployment, isClaudeOnly, resolveDeployment, targetRun } from "./targets.js";
import { planTarget, refuseWrites, selectSides, type TargetPlan, writeTarget } from "./transfer-engine.js";
import type { TransferOptions, TransferReport } from "./transfer-step.js";
import {
  collectionLock,
  locked,
  projectLayout,
  projectLock,
  transaction,
  type Workspace,
} from "./workspace.js";

export type {
  AutoResolve,
  ConflictPrompter,
  PromptChoice,
  Strategy,
  SyncResult,
  TransferOptions,
  TransferReport,
} from "./transfer-step.js";

/**
 * Runs pull, push, sync or deploy on one deployment (a project, or `--global`).
 * @throws SkillsyncError PROJECT_MISSING, NOT_FOUND, NEEDS_CONFIRMATION (deletions over the threshold),
 *   CONFLICT (a file changed during the operation), LOCKED, INVALID_RECORD / INVALID_LOCK, USAGE, UNSAFE_PATH
 */
export async function transfer(ws: Workspace, opts: TransferOptions): Promise<TransferReport> {
  const dep = await resolveDeployment(ws, opts);
  return locked(ws, [collectionLock(ws), projectLock(ws, dep.root)], () => transferLocked(ws, dep, opts));
}

async function transferLocked(ws: Workspace, dep: Deployment, o: TransferOptions): Promise<TransferReport> {
  const notes: string[] = [];
  let opts = o;
  if (opts.strategy === "prompt" && !opts.prompter) {
    notes.push("--strategy prompt needs a terminal: acting as --strategy merge --auto-resolve abort");
    opts = { ...opts, strategy: "merge", autoResolve: "abort" };
  }
  checkNames(ws, dep, opts);
  const unplaced = unplacedNotice(ws, dep, opts);
  if (unplaced) notes.push(unplaced);
  const runs = dep.targets.map((t) => targetRun(dep, t));
  const plans: TargetPlan[] = [];
  const ff = new Set<TargetPlan>();
  if (opts.op === "deploy" || opts.op === "push" || opts.preview) {
    // Push and deploy write only the targets: every plan is made before anything is written.
    for (const run of runs) plans.push(await planTarget(ws, run, opts));
    if (!opts.preview) {
      const refused = opts.op === "deploy" && plans.some((p) => p.report.blocked.length > 0);
      if (refused) for (const p of plans) refuseWrites(p);
      else for (const p of plans) await writeTarget(ws, p, opts.op);
    }
  } else {
    // Pull and sync write the collection: each target is planned against what the previous one left.
    for (const run of runs) {
      const plan = await planTarget(ws, run, opts);
      await writeTarget(ws, plan, opts.op);
      plans.push(plan);
    }
    const changed = new Set(
      plans.flatMap((p) =>
        p.writing.filter((s) => s.toCollection || s.fork?.where === "collection").map((s) => s.id),
      ),
    );
    if (runs.length > 1 && changed.size > 0)
      for (const run of runs) {
        const plan = await planTarget(
          ws,
          run,
          { ...opts, op: "push", all: false, names: [...changed], preview: false },
          { onlyFastForward: true },
        );
        await writeTarget(ws, plan, "push");
        plans.push(plan);
        ff.add(plan);
      }
  }
  return mergeReports(dep, plans, notes, ff);
}

/** One report for every target: results in target order, each labelled with its target when it matters. */
function mergeReports(
  dep: Deployment,
  plans: TargetPlan[],
  notes: string[],
  ff: ReadonlySet<TargetPlan> = new Set(),
): TransferReport {
  const label = !isClaudeOnly(dep);
  const out: TransferReport = {
    project: dep.root,
    results: [],
    preview: [],
    blocked: [],
    snapshots: [],
    notes,
    invalid: [],
  };
  for (const p of plans) {
    const r = p.report;
    const agents = p.run.target.agents;
    for (const x of r.results) {
      // The fast-forward pass after a pull adds only what it wrote.
      if (ff.has(p) && x.direction === "none" && x.error === null) continue;
      out.results.push(label ? { ...x, target: [...agents] } : x);
    }
    const suffix = label ? ` [${targetLabel(p.run.target)}]` : "";
    for (const x of r.preview)
      out.preview.push({
        artifact: `${x.artifact}${suffix}`,
        action: x.action,
        reason: x.reason,
        get diff() {
          return x.diff;
        },
      });
    out.blocked.push(...r.blocked.map((b) => `${b}${suffix}`));
    out.snapshots.push(...r.snapshots);
    for (const n of r.notes) if (!out.notes.includes(n)) out.notes.push(n);
    out.invalid.push(...r.invalid.map((i) => ({ ...i, artifact: `${i.artifact}${suffix}` })));
  }
  return out;
}

/** Throws NOT_FOUND for a named artifact that neither the collection, a target, nor the record holds. */
function checkNames(ws: Workspace, dep: Deployment, opts: TransferOptions): void {
  if (opts.all || !opts.names || opts.names.length === 0) return;
  const known = new Set<string>();
  const add = (kind: Kind, name: string) => {
    known.add(`${kind}/${name}`);
    known.add(name);
  };
  for (const l of discoverArtifacts(ws.collectionDir, ws.layout)) add(l.kind, l.name);
  for (const t of dep.targets) for (const l of discoverArtifacts(dep.root, t.layout)) add(l.kind, l.name);
  for (const e of readDeployRecord(dep.recordPath, ws.parsedCache)?.artifacts ?? []) add(e.type, e.name);
  for (const n of opts.names)
    if (!known.has(n))
      throw new SkillsyncError(
        "NOT_FOUND",
        `'${n}' is neither in the collection nor in the ${dep.scope === "global" ? "user's folders" : "project"}`,
      );
}

/** One notice for the selected collection artifacts of kinds none of the targets has a place for. */
function unplacedNotice(ws: Workspace, dep: Deployment, opts: TransferOptions): string | undefined {
  if (dep.unplaced.length === 0 || (opts.op !== "deploy" && opts.op !== "push" && opts.op !== "sync")) return;
  const wanted = (kind: Kind, name: string) =>
    opts.all || !opts.names?.length || opts.names.includes(name) || opts.names.includes(`${kind}/${name}`);
  const skipped = discoverArtifacts(ws.collectionDir, ws.layout).filter(
    (l) => dep.unplaced.includes(l.kind) && wanted(l.kind, l.name),
  );
  if (skipped.length === 0) return;
  const agents = dep.targets.flatMap((t) => t.agents).join(", ");
  const kinds = [...new Set(skipped.map((l) => `${l.kind}s`))].join(", ");
  return `skipped ${skipped.length} artifact(s) (${kinds}): none of ${agents} has a place for them${dep.scope === "global" ? " in the user's folders" : ""}`;
}

/**
 * Removes artifacts from a deployment's targets (undeploy), refusing edited copies unless `force`.
 * @throws SkillsyncError NOT_FOUND (not deployed there), LOCAL_EDIT, PROJECT_MISSING, USAGE, UNSAFE_PATH
 */
export async function undeploy(
  ws: Workspace,
  opts: { project?: string; names: string[]; force?: boolean; agents?: string[]; global?: boolean },
): Promise<{ project: string; removed: string[]; snapshot_id: string | null }> {
  const dep = await resolveDeployment(ws, opts);
  const project = dep.root;
  return locked(ws, [projectLock(ws, project)], async () => {
    const legacy = projectLayout(ws);
    const gone: { kind: Kind; name: string; target: Target }[] = [];
    const edited: string[] = [];
    const label = !isClaudeOnly(dep);
    const idOf = (kind: Kind, name: string, t: Target) =>
      `${kind}/${name}${label ? ` [${targetLabel(t)}]` : ""}`;
    for (const target of dep.targets) {
      const { sides } = readSides(ws, project, { where: { target, recordPath: dep.recordPath } });
      for (const s of selectSides(sides, { op: "push", names: opts.names })) {
        if (!s.record) continue;
        if (s.project && s.project.tree.sha !== s.record.sha) edited.push(idOf(s.kind, s.name, target));
        gone.push({ kind: s.kind, name: s.name, target });
      }
    }
    for (const n of opts.names)
      if (!gone.some((g) => g.name === n || `${g.kind}/${g.name}` === n))
        throw new SkillsyncError("NOT_FOUND", `${n} is not deployed to ${project}`);
    if (edited.length > 0 && !opts.force)
      throw new SkillsyncError(
        "LOCAL_EDIT",
        `edited in the project since deployment: ${edited.join(", ")}; pull them first, or pass --force (a snapshot is kept)`,
      );
    const run = targetRun(dep, dep.targets[0]!);
    const snapshotId = await takeSnapshot(ws, {
      scope: run.scope,
      message: `before undeploy of ${[...new Set(gone.map((g) => g.name))].join(", ")}`,
      auto: true,
    });
    const record = readDeployRecord(dep.recordPath, ws.parsedCache);
    const entries = new Map<string, RecordEntry>(
      (record?.artifacts ?? []).map((e) => [`${e.type}/${e.name}`, e]),
    );
    const tx = transaction(ws);
    try {
      for (const g of gone) {
        await tx.remove(locate(project, g.target.layout, g.kind, g.name).path);
        const id = `${g.kind}/${g.name}`;
        const e = entries.get(id);
        const path = targetPath(g.target, g.kind, g.name)!;
        const left = e && withTarget(e, artifactRelPath(legacy, g.kind, g.name), path, null);
        if (left) entries.set(id, left);
        else entries.delete(id);
      }
      const rec: DeployRecord = { ...(record as DeployRecord), artifacts: [...entries.values()] };
      await tx.stageFile(dep.recordPath, serializeDeployRecord(rec));
      // skills-lock.json names a skill while any copy of it is left.
      const removedSkills = [...new Set(gone.filter((g) => g.kind === "skill").map((g) => g.name))].filter(
        (name) => !entries.has(`skill/${name}`),
      );
      const changes = removedSkills.map((name) => ({ name, files: null }));
      const lock = readLockFile(ws.lockPath, ws.parsedCache);
      if (run.skillsLock) await stageSkillsLockUpdate(ws, tx, { root: project, lock, changes });
      if (run.globalLockFile)
        await stageGlobalSkillLockUpdate(ws, tx, { lockFile: run.globalLockFile, lock, changes });
      await tx.commit();
    } catch (e) {
      await tx.abort();
      throw e;
    }
    return {
      project,
      removed: gone.map((g) => idOf(g.kind, g.name, g.target)),
      snapshot_id: snapshotId,
    };
  });
}
