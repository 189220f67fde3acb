/**
 * Resolution of one planned artifact (transfer-engine.ts): fast-forwards, deletions, refusals and
 * diverged artifacts, the last by the one resolver (`core/resolve.ts`).
 */
import { basename } from "node:path";
import type { Operation } from "../core/plan.js";
import { withPreserved } from "../core/preserve.js";
import { type ConflictQuestion, type PromptAnswer, resolveAsking } from "../core/resolve.js";
import type { AutoResolve, Strategy } from "../core/sync-result.js";
import { diffTrees } from "../core/tree-diff.js";
import { treeHashOfFiles as hashOf, type TreeFile } from "../core/tree-hash.js";
import { type ConflictPrompter, LABELS, type Step, slug } from "./transfer-step.js";
import type { Workspace } from "./workspace.js";

/** What resolving one step needs besides the step. */
export interface ResolveCtx {
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

/** Fills `step` (new content per side, new base, result, diffs) from its planned action. */
export async function resolveStep(ws: Workspace, step: Step, x: ResolveCtx): Promise<void> {
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
