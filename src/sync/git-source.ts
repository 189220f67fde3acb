/**
 * Git sources for `add` (`github:OWNER/REPO[/PATH][@REF]`, `git+URL[#PATH][@REF]`), `outdated` and
 * `update`. Placeholder until the git-sources work lands.
 */
import { SkillsyncError } from "../core/errors.js";
import type { AddResult } from "./collection-ops.js";
import type { Workspace } from "./workspace.js";

/** Options for {@link addFromGit}. */
export interface AddFromGitOptions {
  spec: string;
  force?: boolean;
  kind?: import("../core/names.js").Kind;
}

/**
 * Adds the artifacts of a git source to the collection.
 * @throws SkillsyncError USAGE until implemented
 */
export async function addFromGit(
  _ws: Workspace,
  opts: AddFromGitOptions,
): Promise<{ spec: string; results: AddResult[] }> {
  throw new SkillsyncError("USAGE", `git sources are not supported yet: ${opts.spec}`);
}
