/**
 * Mirror folders (from the volume-sync seed): make a folder — a mounted cloud volume, a shared
 * drive — hold every artifact of the collection in the collection layout. One-way: the collection
 * wins, except for preserved sections (the mirror's own `## Memory` etc.) and files that exist only
 * in the mirror's copy of a skill, which are kept; a skill's `references/` folder is replaced
 * wholesale (files only the mirror has there are removed). Dot-folders are skipped. A re-run with
 * nothing changed writes nothing.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import type { Kind } from "../core/names.js";
import { withPreserved } from "../core/preserve.js";
import { treeHashOfFiles } from "../core/tree-hash.js";
import { discoverArtifacts, locate } from "../store/collection.js";
import { ensureDir } from "../store/fs.js";
import { loadTreeFiles } from "../store/tree-read.js";
import { readArtifactTree } from "./artifact-info.js";
import { toWrite } from "./collection-ops.js";
import { collectionLock, locked, requireCollection, transaction, type Workspace } from "./workspace.js";

/** Options for {@link mirror}. */
export interface MirrorOptions {
  /** The mirror folder (created when missing). */
  to: string;
  /** Only this kind. */
  kind?: Kind;
  /** Shell command run after a sync that changed something (e.g. to commit a volume). */
  onComplete?: string;
  /** Report what would change, write nothing. */
  dryRun?: boolean;
}

/** The result of {@link mirror} (the volume-sync seed's shape). */
export interface MirrorResult {
  status: "synced" | "skipped";
  /** Artifacts written (NAME for skills, KIND/NAME for others). */
  skills: string[];
  /** Artifacts in the mirror after the run. */
  count: number;
  target: string;
  on_complete: { command: string; exit_code: number | null } | null;
}

/**
 * Mirrors the collection into `opts.to`.
 * @throws SkillsyncError NOT_FOUND when the collection is missing; USAGE when `--on-complete` fails
 */
export async function mirror(ws: Workspace, opts: MirrorOptions): Promise<MirrorResult> {
  requireCollection(ws);
  const target = resolve(opts.to);
  return locked(ws, [collectionLock(ws)], async () => {
    const sources = discoverArtifacts(ws.collectionDir, ws.layout).filter(
      (l) => !opts.kind || l.kind === opts.kind,
    );
    const written: string[] = [];
    const tx = transaction(ws);
    try {
      for (const src of sources) {
        const tree = readArtifactTree(ws, src);
        if (!tree) continue;
        let incoming = loadTreeFiles(tree).filter(
          (f) => !f.path.split("/").some((seg) => seg.startsWith(".")),
        );
        if (src.form === "file") incoming = incoming.map((f) => ({ ...f, path: `${src.name}.md` }));
        const dest = locate(target, ws.layout, src.kind, src.name);
        const currentTree = readArtifactTree(ws, dest);
        const current = currentTree ? loadTreeFiles(currentTree) : [];
        if (src.form === "file" && current[0]) current[0] = { ...current[0], path: `${src.name}.md` };
        let next = withPreserved(incoming, current, ws.config.preserve_sections, src.form);
        if (src.form === "folder") {
          const have = new Set(next.map((f) => f.path));
          const extras = current.filter(
            (f) =>
              !have.has(f.path) &&
              !f.path.startsWith("references/") &&
              !f.path.split("/").some((s) => s.startsWith(".")),
          );
          next = [...next, ...extras];
        }
        if (currentTree && treeHashOfFiles(next) === currentTree.sha) continue;
        written.push(src.kind === "skill" ? src.name : `${src.kind}/${src.name}`);
        if (opts.dryRun) continue;
        if (dest.form === "folder") await tx.replaceDir(dest.path, next.map(toWrite));
        else await tx.stageFile(dest.path, next[0]!.data, next[0]!.mode === "755" ? 0o755 : 0o644);
      }
      if (!opts.dryRun && written.length > 0) {
        await ensureDir(target);
        await tx.commit();
      } else await tx.abort();
    } catch (e) {
      await tx.abort();
      throw e;
    }
    ws.statCache.flush();
    const result: MirrorResult = {
      status: written.length > 0 ? "synced" : "skipped",
      skills: written,
      count: sources.length,
      target,
      on_complete: null,
    };
    if (opts.onComplete && written.length > 0 && !opts.dryRun) {
      const r = spawnSync(opts.onComplete, { shell: true, cwd: target, stdio: "inherit" });
      result.on_complete = { command: opts.onComplete, exit_code: r.status };
      if (r.status !== 0)
        throw new SkillsyncError(
          "USAGE",
          `mirror synced ${written.length} artifacts, but --on-complete '${opts.onComplete}' exited ${r.status ?? r.signal}`,
        );
    }
    return result;
  });
}
