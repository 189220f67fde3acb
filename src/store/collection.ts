/**
 * Finding artifacts on disk under a root laid out per a {@link Layout} (the collection layout or a
 * project profile). Discovery is by layout data only, so a new agent's layout needs no new code.
 */
import { type Dirent, readdirSync } from "node:fs";
import { join, sep } from "node:path";
import { artifactRelPath, type PartialLayout, placementOf, singleFileEntryName } from "../core/layout.js";
import { artifactNameProblem, KINDS, type Kind } from "../core/names.js";
import { TEMP_MARKER } from "./fs.js";

/** An artifact found (or expected) under a root. */
export interface Located {
  kind: Kind;
  name: string;
  /** Absolute path: the folder (skill) or the file. */
  path: string;
  form: "folder" | "file";
  /** Name of the single entry in a file-form artifact's tree (`<name>.md`). */
  entryName?: string;
}

/** Where `kind/name` lives (or would live) under `root`. */
export function locate(root: string, layout: PartialLayout, kind: Kind, name: string): Located {
  const p = placementOf(layout, kind);
  const path = join(root, ...artifactRelPath(layout, kind, name).split("/"));
  return p.form === "folder"
    ? { kind, name, path, form: "folder" }
    : { kind, name, path, form: "file", entryName: singleFileEntryName(layout, kind, name) };
}

/**
 * Every artifact under `root` per `layout`, sorted by kind then name. Entries whose names are not
 * valid artifact names (dot-files, leftovers of interrupted writes) are skipped; `onSkip` hears why
 * (a message, and for a name that breaks the naming rules the entry itself). Symbolic links are
 * skipped unless `opts.links` (then a link in a folder-form place is returned as found, not followed).
 */
export function discoverArtifacts(
  root: string,
  layout: PartialLayout,
  onSkip?: (message: string, skipped?: { kind: Kind; name: string; path: string; problem: string }) => void,
  opts: { links?: boolean } = {},
): Located[] {
  const found: Located[] = [];
  for (const kind of KINDS) {
    const p = layout[kind];
    if (!p) continue;
    const dir = join(root, ...p.dir.split("/"));
    let list: Dirent[];
    try {
      list = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const d of list) {
      if (d.name.startsWith(".") || d.name.includes(TEMP_MARKER)) continue;
      let name: string;
      if (p.form === "folder") {
        // With `links`, a symbolic link in a skills folder is an artifact too (`--link` targets);
        // whether it may be followed is the caller's decision (sync/status.ts, linkState).
        if (!d.isDirectory() && !(opts.links && d.isSymbolicLink())) continue;
        name = d.name;
      } else {
        const ext = p.ext ?? "";
        if (!d.isFile() || !d.name.endsWith(ext)) continue;
        name = d.name.slice(0, d.name.length - ext.length);
      }
      const problem = artifactNameProblem(kind, name);
      if (problem) {
        onSkip?.(`${join(dir, d.name)}: skipped: ${problem}`, {
          kind,
          name,
          path: join(dir, d.name),
          problem,
        });
        continue;
      }
      // Same as locate(root, layout, kind, name), without re-joining the folder for each entry.
      const path = `${dir}${sep}${d.name}`;
      found.push(
        p.form === "folder"
          ? { kind, name, path, form: "folder" }
          : { kind, name, path, form: "file", entryName: singleFileEntryName(layout, kind, name) },
      );
    }
  }
  return found.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || (a.name < b.name ? -1 : 1));
}
