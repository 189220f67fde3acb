/**
 * `--strategy fork`: the incoming version is kept as a new artifact beside the original. Pure: no I/O.
 */
import type { TreeFile } from "./tree-hash.js";

/**
 * `files` of artifact `from` renamed to artifact `to`: the `.md` file of a single-file artifact, and
 * the `name:` field of the frontmatter (in `SKILL.md`, or the one file), so the copy validates (the
 * Agent Skills spec wants `name` equal to the folder name). Other bytes are untouched.
 */
export function forkFiles(
  files: readonly TreeFile[],
  form: "folder" | "file",
  from: string,
  to: string,
): TreeFile[] {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const esc = from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const nameLine = new RegExp(`^(---\\r?\\n(?:[\\s\\S]*?\\r?\\n)?name:[ \\t]*)["']?${esc}["']?`, "m");
  return files.map((f) => {
    const main = form === "file" || f.path === "SKILL.md";
    const data = main ? enc.encode(dec.decode(f.data).replace(nameLine, `$1${to}`)) : f.data;
    return { ...f, path: form === "file" ? `${to}.md` : f.path, data };
  });
}
