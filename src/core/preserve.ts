/**
 * Preserved sections (DESIGN.md "preserved section"): `##` sections of `SKILL.md` and `info.md` (and of
 * single-file artifacts) that belong to the target. Updates keep the target's text, and a side that
 * differs from the base only in those sections has not drifted. Pure: no I/O.
 */
import { preserveSections } from "./sections.js";
import { type TreeFile, treeHashOfFiles } from "./tree-hash.js";

const PRESERVABLE = new Set(["SKILL.md", "info.md"]);

function isPreservable(path: string, form: "folder" | "file"): boolean {
  return form === "file" || PRESERVABLE.has(path.split("/").pop() ?? "");
}

/**
 * `incoming` with the preserved sections of `target` kept (DESIGN.md "preserved section"), applied to
 * `SKILL.md` and `info.md` (and the one file of a single-file artifact).
 */
export function withPreserved(
  incoming: TreeFile[],
  target: TreeFile[],
  sections: string[],
  form: "folder" | "file",
): TreeFile[] {
  if (sections.length === 0 || target.length === 0) return incoming;
  const dec = new TextDecoder("utf-8", { fatal: false });
  return incoming.map((f) => {
    if (!isPreservable(f.path, form)) return f;
    const t = form === "file" ? target[0] : target.find((x) => x.path === f.path);
    if (!t) return f;
    const before = dec.decode(f.data);
    const text = preserveSections({ incoming: before, target: dec.decode(t.data), sections });
    // Untouched files keep their exact bytes (no decode/encode round trip).
    return text === before ? f : { ...f, data: new TextEncoder().encode(text) };
  });
}

/** True when `side` differs from `base` only in preserved sections (so it did not really change). */
export function onlyPreservedDiffer(
  base: TreeFile[],
  side: TreeFile[],
  sections: string[],
  form: "folder" | "file",
): boolean {
  if (sections.length === 0) return false;
  return treeHashOfFiles(withPreserved(base, side, sections, form)) === treeHashOfFiles(side);
}
