/**
 * Conflicts: the list of pending conflicts, and for one conflict a three-way view per file — base,
 * the two sides, and the result — with per-hunk choices and the whole-file choices keep local, take
 * remote and merge. Saving the resolution completes the pending sync.
 */
import { useMemo, useState } from "preact/hooks";
import { type ApiError, api, useApi, useDaemonEvents } from "../api.js";
import type { ConflictDetail, ConflictFile, ConflictSummary, SyncResultJson } from "../api-types.js";
import { Empty, ErrorBox, formatTime, Loading } from "../components/common.js";
import { DiffView, MarkdownEditor, TextView } from "../components/editor.js";
import { findConflictBlocks, resolveConflictBlock } from "../conflict-markers.js";
import { artifactHref, go } from "../router.js";

function ConflictList() {
  const res = useApi<ConflictSummary[]>("/api/ui/conflicts");
  useDaemonEvents((e) => {
    if (e.type !== "hello") res.reload();
  });
  return (
    <section aria-labelledby="cf-title">
      <div class="page-head">
        <h1 id="cf-title">Conflicts</h1>
      </div>
      {res.error ? <ErrorBox error={res.error} onRetry={res.reload} /> : null}
      {!res.data && !res.error ? <Loading lines={4} /> : null}
      {res.data && res.data.length === 0 ? (
        <Empty title="No conflicts">Every change merged cleanly. Nothing waits for you here.</Empty>
      ) : null}
      {res.data && res.data.length > 0 ? (
        <ul class="conflict-list" data-testid="conflict-list">
          {res.data.map((c) => (
            <li key={c.id}>
              <a href={`#/conflicts/${encodeURIComponent(c.id)}`}>
                <span class="kind-tag">{c.kind}</span> {c.name}
              </a>{" "}
              <span class="muted">
                {c.local_label} ↔ {c.remote_label}
                {c.target ? ` (${c.target})` : ""} · {c.paths.length} file(s) · {formatTime(c.created_at)}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

/** One input of the merge; a side is shown as its changes against the base (unchanged runs folded). */
function Pane(props: { title: string; text: string | null; path: string; base?: string | null }) {
  const label = `${props.title}: ${props.path}`;
  return (
    <div class="pane">
      <h3>{props.title}</h3>
      {props.text === null ? (
        <p class="muted">(file absent on this side)</p>
      ) : props.base !== undefined && props.base !== null ? (
        <DiffView
          before={props.base}
          after={props.text}
          path={props.path}
          label={`${label}, changes against the base`}
        />
      ) : (
        <TextView value={props.text} path={props.path} label={label} />
      )}
    </div>
  );
}

function FileResolver(props: {
  file: ConflictFile;
  localLabel: string;
  remoteLabel: string;
  value: string | null;
  onChange: (v: string | null) => void;
}) {
  const f = props.file;
  const value = props.value;
  const blocks = useMemo(() => (value === null ? [] : findConflictBlocks(value)), [value]);
  return (
    <div class="file-resolver" data-testid="file-resolver" data-path={f.path}>
      <h2>
        <code>{f.path}</code>{" "}
        <span class="muted small">
          {f.conflicts} conflicting hunk(s){f.binary ? " · binary" : ""}
        </span>
      </h2>
      <div class="three-way">
        <Pane title="Base" text={f.base} path={f.path} />
        <Pane title={`Local (${props.localLabel})`} text={f.local} path={f.path} base={f.base} />
        <Pane title={`Remote (${props.remoteLabel})`} text={f.remote} path={f.path} base={f.base} />
      </div>
      <fieldset class="whole-file">
        <legend class="sr-only">Whole-file choice for {f.path}</legend>
        <button type="button" onClick={() => props.onChange(f.local)}>
          Keep local
        </button>
        <button type="button" onClick={() => props.onChange(f.remote)}>
          Take remote
        </button>
        <button type="button" disabled={f.binary} onClick={() => props.onChange(f.merged)}>
          Merge
        </button>
      </fieldset>
      {blocks.length > 0 ? (
        <ol class="hunks" aria-label="Conflicting hunks" data-testid="hunks">
          {blocks.map((b) => (
            <li key={`${b.index}-${b.startLine}`}>
              <span>
                Hunk {b.index + 1} at line {b.startLine + 1}
              </span>
              <button
                type="button"
                onClick={() =>
                  props.onChange(resolveConflictBlock(value ?? "", { index: b.index, choice: "ours" }))
                }
              >
                Use local
              </button>
              <button
                type="button"
                onClick={() =>
                  props.onChange(resolveConflictBlock(value ?? "", { index: b.index, choice: "theirs" }))
                }
              >
                Use remote
              </button>
              <button
                type="button"
                onClick={() =>
                  props.onChange(resolveConflictBlock(value ?? "", { index: b.index, choice: "both" }))
                }
              >
                Use both
              </button>
            </li>
          ))}
        </ol>
      ) : null}
      <h3>Result</h3>
      {value === null ? (
        <p class="muted">
          The file will be deleted.{" "}
          <button type="button" class="link" onClick={() => props.onChange(f.merged)}>
            Keep it (merged)
          </button>
        </p>
      ) : f.binary ? (
        <p class="muted">Binary file: choose a whole side.</p>
      ) : (
        <MarkdownEditor
          value={value}
          path={f.path}
          label={`Result for ${f.path}`}
          onChange={props.onChange}
        />
      )}
    </div>
  );
}

function ConflictView(props: { id: string }) {
  const res = useApi<ConflictDetail>(`/api/ui/conflicts/${encodeURIComponent(props.id)}`);
  const [values, setValues] = useState<Record<string, string | null>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [done, setDone] = useState<SyncResultJson | undefined>(undefined);
  const d = res.data;
  if (!d)
    return (
      <section>
        <div class="page-head">
          <h1>Conflict</h1>
        </div>
        {res.error ? (
          res.error.status === 404 ? (
            <Empty title="This conflict is resolved or gone">
              <a href="#/conflicts">All conflicts</a>
            </Empty>
          ) : (
            <ErrorBox error={res.error} onRetry={res.reload} />
          )
        ) : (
          <Loading lines={12} />
        )}
      </section>
    );
  const contentOf = (f: ConflictFile): string | null => (f.path in values ? values[f.path]! : f.merged);
  const unresolved = d.files.filter((f) => {
    const v = contentOf(f);
    return (
      v !== null && (f.binary ? v === f.merged && f.local !== f.remote : findConflictBlocks(v).length > 0)
    );
  });
  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<SyncResultJson>(`/api/ui/conflicts/${encodeURIComponent(d.id)}/resolve`, {
        method: "POST",
        body: { files: d.files.map((f) => ({ path: f.path, content: contentOf(f) })) },
      });
      setDone(r);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="cv-title">
      <div class="page-head">
        <h1 id="cv-title">
          Conflict: <span class="kind-tag">{d.kind}</span> {d.name}
        </h1>
        <a class="button" href="#/conflicts">
          All conflicts
        </a>
      </div>
      <p class="lead">
        Local is the {d.local_label}; remote is the {d.remote_label}. Choose per hunk or per file, edit the
        result, then save to finish the sync.
      </p>
      {d.files.map((f) => (
        <FileResolver
          key={f.path}
          file={f}
          localLabel={d.local_label}
          remoteLabel={d.remote_label}
          value={contentOf(f)}
          onChange={(v) => setValues((prev) => ({ ...prev, [f.path]: v }))}
        />
      ))}
      {error ? <ErrorBox error={error} /> : null}
      <div class="sticky-actions">
        <span aria-live="polite" data-testid="unresolved">
          {done
            ? "Resolved."
            : unresolved.length > 0
              ? `${unresolved.length} file(s) still have conflict markers`
              : "Ready to save"}
        </span>
        {done ? (
          <button type="button" class="primary" onClick={() => go(artifactHref(d))}>
            Open {d.name}
          </button>
        ) : (
          <button
            type="button"
            class="primary"
            disabled={busy || unresolved.length > 0}
            onClick={save}
            data-testid="save-resolution"
          >
            {busy ? "Saving…" : "Save resolution"}
          </button>
        )}
      </div>
    </section>
  );
}

/** The conflicts page: the list, or one conflict when `id` is given. */
export function ConflictsPage(props: { id: string | null }) {
  return props.id ? <ConflictView key={props.id} id={props.id} /> : <ConflictList />;
}
