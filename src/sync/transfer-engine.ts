/**
 * The transfer engine for one target (issue 11): plan pull, push, sync or deploy of every selected
 * artifact between the collection and one target's copies (`planTarget`), then write the plan after
 * a snapshot (`writeTarget`). transfer.ts runs it over each target of a deployment.
 *
 * Guarantees: nothing is written in `--preview`; an artifact whose merge has unresolved conflicts
 * (auto-resolve `abort`) is left untouched on both sides; a file that changes on disk between
 * planning and writing makes the whole write stop before its commit point; after a successful write
 * the lock file, the deployment record (this target's bases) and the stored base name the same content.
 */
import { SkillsyncError } from "../core/errors.js";
import { planArtifact } from "../core/plan.js";
import { onlyPreservedDiffer } from "../core/preserve.js";
import { type AutoResolve, emptySyncResult as emptyResult, type Strategy } from "../core/sync-result.js";
import { diffTrees } from "../core/tree-diff.js";
import type { TreeFile } from "../core/tree-hash.js";
import { lazyFilesFromStats, lazyTreeFiles } from "../store/tree-files.js";
import { validateLocated } from "./artifact-info.js";
import { takeSnapshot } from "./snapshot.js";
import { prepareRead, readSides, type Sides } from "./status.js";
import { commitSteps } from "./transfer-commit.js";
import { resolveStep } from "./transfer-resolve.js";
import {
  filesOf,
  once,
  type Step,
  type TargetRun,
  type TransferOptions,
  type TransferReport,
} from "./transfer-step.js";
import type { Workspace } from "./workspace.js";

/** One target's plan, ready for {@link writeTarget}. */
export interface TargetPlan {
  run: TargetRun;
  report: TransferReport;
  /** The steps that write something (empty when nothing is to be written or the plan is refused). */
  writing: Step[];
}

/** Extra rules of one engine run. */
export interface PlanRules {
  /**
   * Only fast-forwards into the project (and base updates) are planned; an artifact edited in this
   * target is left for its next pull (used to bring the other targets up to date after a pull).
   */
  onlyFastForward?: boolean;
}

/**
 * Plans pull, push, sync or deploy of one target: reads both sides and this target's bases, plans
 * each artifact with the pure planner and resolves diverged ones by the strategy. Writes nothing.
 * @throws SkillsyncError NEEDS_CONFIRMATION (deletions over the threshold), USAGE, INVALID_RECORD / INVALID_LOCK
 */
export async function planTarget(
  ws: Workspace,
  run: TargetRun,
  opts: TransferOptions,
  rules: PlanRules = {},
): Promise<TargetPlan> {
  const project = run.root;
  const where = { target: run.target, recordPath: run.recordPath };
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
  const prep = await prepareRead(ws, project, {
    layout: run.target.layout,
    links: Boolean(run.target.link),
  });
  const { sides, record } = readSides(ws, project, { ...prep, where });
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
    // A folder's files are read only when something looks at their bytes: a plain deploy copies them
    // in the kernel (store/tree-files.ts), without reading them here.
    const cFiles = once(() => (s.collection ? collectionFiles(ws, s.collection) : undefined));
    const pFiles = once(() => (s.project ? filesOf(s.project) : undefined));
    const changed = (side: Sides["collection"], files: () => TreeFile[] | undefined): boolean => {
      if (baseSha === undefined || side?.tree.sha === baseSha) return false;
      const b = baseFiles();
      const f = files();
      return !(b && f && onlyPreservedDiffer(b, f, sections, form));
    };
    const pChanged = changed(s.project, pFiles);
    const cChanged = changed(s.collection, cFiles);
    let action = planArtifact({
      op: opts.op,
      ...(s.collection ? { collection: s.collection.tree.sha } : {}),
      ...(s.project ? { project: s.project.tree.sha } : {}),
      ...(baseSha ? { base: baseSha } : {}),
      projectChanged: pChanged,
      collectionChanged: cChanged,
      collectionEmpty,
    });
    // A --link target whose link is not intact gets it back when the content is unchanged (an edited
    // folder that replaced it is refused or merged as any edited copy is).
    if (
      s.link &&
      s.link !== "ok" &&
      s.collection &&
      opts.op !== "pull" &&
      (action.type === "none" || action.type === "record-only") &&
      !pChanged
    )
      action = { type: "to-project", reason: `restore the link (${s.link})` };
    if (rules.onlyFastForward && action.type !== "to-project" && action.type !== "none")
      action = { type: "none", reason: "edited in this target: left for its next pull" };
    const step: Step = {
      id,
      kind: s.kind,
      name: s.name,
      sides: s,
      action,
      result: emptyResult(id),
      diffs: [],
    };
    if (
      action.type === "to-project" &&
      s.collection?.loc.form === "folder" &&
      (sections.length === 0 || !s.project)
    )
      fastForwardToProject(step, s.collection.tree.sha, cFiles()!, pFiles);
    else
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
  const writing = steps.filter(
    (s) =>
      s.result.success && (s.toProject !== undefined || s.toCollection || s.fork || s.newBase !== undefined),
  );
  return { run, report, writing };
}

/** Marks the would-be writes of a refused deploy as not written (another artifact or target refused). */
export function refuseWrites(plan: TargetPlan): void {
  for (const r of plan.report.results)
    if (r.success && r.direction !== "none") r.error = "not written: other artifacts were refused";
  plan.writing = [];
}

/**
 * Writes a plan of {@link planTarget}: a snapshot of whatever is overwritten (the target's scope and
 * the collection), then one transaction.
 * @throws SkillsyncError CONFLICT (a file changed since planning), LOCKED
 */
export async function writeTarget(ws: Workspace, plan: TargetPlan, op: TransferOptions["op"]): Promise<void> {
  const { run, report, writing } = plan;
  if (writing.length === 0) return;
  // Snapshots of whatever will be overwritten.
  const touchesProject = writing.some((s) => s.toProject !== undefined || s.fork?.where === "project");
  const touchesCollection = writing.some((s) => s.toCollection || s.fork?.where === "collection");
  const overwritesProject = writing.some((s) => s.toProject !== undefined && s.sides.project);
  const overwritesCollection = writing.some((s) => s.toCollection && s.sides.collection);
  const what = `${op} ${writing.map((s) => s.name).join(", ")}`.slice(0, 200);
  if (touchesProject && overwritesProject)
    report.snapshots.push(
      await takeSnapshot(ws, { scope: run.scope, message: `before ${what}`, auto: true }),
    );
  if (touchesCollection && overwritesCollection)
    report.snapshots.push(
      await takeSnapshot(ws, { scope: { type: "collection" }, message: `before ${what}`, auto: true }),
    );
  const snapshotId = report.snapshots[0] ?? null;
  await commitSteps(ws, { run, steps: writing, snapshotId });
  for (const s of writing) s.result.snapshot_id = snapshotId;
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

/**
 * The sides an operation is about: every relevant one with `all` (or a bare sync), else the named
 * ones this target holds (a name no target holds is refused before planning: transfer.ts, checkNames).
 * @throws SkillsyncError USAGE without names or `all`, or for a name that is ambiguous
 */
export function selectSides(sides: Sides[], opts: TransferOptions): Sides[] {
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
  return opts.names.flatMap((n) => {
    const slash = n.indexOf("/");
    const hits = sides.filter((s) => (slash > 0 ? `${s.kind}/${s.name}` === n : s.name === n));
    if (hits.length > 1) throw new SkillsyncError("USAGE", `'${n}' names several artifacts; use KIND/NAME`);
    return hits;
  });
}

/**
 * The collection side's files: for a folder, lazy ones (bytes read on first use; unread, they are
 * copied by the write module), with each file's permission bits from the stat cache row that vouched
 * for the tree, so that a copy needs no chmod of its own.
 */
function collectionFiles(ws: Workspace, side: NonNullable<Sides["collection"]>): TreeFile[] {
  if (side.loc.form !== "folder") return filesOf(side);
  const row = ws.statCache.load(side.loc.path);
  if (row?.tree !== side.tree.sha) return lazyTreeFiles(side.tree);
  // The row vouched for this tree moments ago (prepareRead / readTree): its files are the tree's,
  // without a second lstat of every file (which building side.tree.entries would make).
  return (
    lazyFilesFromStats(side.loc.path, row) ?? lazyTreeFiles(side.tree, (rel) => row.files.get(rel)?.mode)
  );
}

/**
 * A fast-forward into the project whose new content is the collection's tree unchanged (no sections
 * to preserve, or no project copy to preserve them from): what `resolveStep` does for `to-project`,
 * with the collection's known tree hash as the new hash instead of hashing every byte again, so the
 * files stay unread (issue 13).
 */
function fastForwardToProject(
  step: Step,
  sha: string,
  out: TreeFile[],
  pFiles: () => TreeFile[] | undefined,
): void {
  step.toProject = out;
  step.newBase = sha;
  Object.assign(step.result, { direction: "push", strategy_used: "fast-forward", new_hash: sha });
  step.diffs.push(() => diffTrees(pFiles() ?? [], out, "a/project", "b/project"));
}
