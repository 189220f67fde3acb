/** A list of file changes, each with a unified diff: used by previews and the history diff. */
import type { FileChange } from "../api-types.js";
import { Empty } from "./common.js";
import { DiffView } from "./editor.js";

/** Shows every file of `files` with its change and diff. */
export function ChangeList(props: { files: FileChange[]; emptyText?: string }) {
  if (props.files.length === 0)
    return (
      <Empty title={props.emptyText ?? "No differences"}>Both versions have the same files and bytes.</Empty>
    );
  return (
    <ul class="change-list" data-testid="changes">
      {props.files.map((f) => (
        <li key={f.path}>
          <div class="change-head">
            <span
              class={`badge tone-${f.change === "removed" ? "bad" : f.change === "added" ? "ok" : "warn"}`}
            >
              {f.change}
            </span>
            <code>{f.path}</code>
          </div>
          {f.binary ? (
            <p class="muted">Binary file; contents not shown.</p>
          ) : (
            <DiffView
              before={f.before ?? ""}
              after={f.after ?? ""}
              path={f.path}
              label={`Changes to ${f.path}`}
            />
          )}
        </li>
      ))}
    </ul>
  );
}
