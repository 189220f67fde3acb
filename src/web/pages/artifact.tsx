/**
 * The artifact page: rendered main file with its frontmatter as fields, the file tree, where it is
 * deployed and in what state, and an editor with live validation; plus "Publish to hub" and
 * "Deploy to project…", each previewing the change first.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { type ApiError, api, artifactPath, useApi, useDaemonEvents } from "../api.js";
import type {
  ArtifactDetail,
  ArtifactKind,
  ChangePreview,
  FileJson,
  Place,
  SyncResultJson,
} from "../api-types.js";
import { ChangeList } from "../components/changes.js";
import { Dialog, Empty, ErrorBox, formatTime, Loading, StateBadge } from "../components/common.js";
import { MarkdownEditor, TextView } from "../components/editor.js";
import { MarkdownView } from "../components/markdown-view.js";
import { artifactHref } from "../router.js";
import { splitMarkdown, validateMain } from "../validation.js";

function fieldValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "";
  return JSON.stringify(v);
}

function FileTree(props: { files: FileJson[]; selected: string; onSelect: (p: string) => void }) {
  return (
    <ul class="file-tree" aria-label="Files" data-testid="file-tree">
      {props.files.map((f) => {
        const depth = f.path.split("/").length - 1;
        return (
          <li key={f.path} style={{ paddingLeft: `${depth * 1.1}em` }}>
            <button
              type="button"
              class={`link ${f.path === props.selected ? "selected" : ""}`}
              aria-current={f.path === props.selected ? "true" : undefined}
              onClick={() => props.onSelect(f.path)}
            >
              {f.path}
            </button>
            <span class="muted small">
              {" "}
              {f.size} B{f.mode === "755" ? " · executable" : ""}
              {f.text === null ? " · binary" : ""}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

function Deployments(props: { detail: ArtifactDetail }) {
  const { places, deployments } = props.detail;
  const rows = places.filter((p) => deployments[p.id] && deployments[p.id]!.state !== "absent");
  if (rows.length === 0) return <p class="muted">Only in the collection; not deployed or published yet.</p>;
  return (
    <ul class="deployments" data-testid="deployments">
      {rows.map((p) => (
        <li key={p.id}>
          <span class="place-kind">{p.kind}</span> <strong title={p.location}>{p.label}</strong>{" "}
          <StateBadge state={deployments[p.id]!.state} side={deployments[p.id]!.side} />
          {deployments[p.id]!.version ? (
            <span class="muted small"> v{deployments[p.id]!.version}</span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** Preview-then-confirm dialog shared by publish and deploy. */
function ActionDialog(props: {
  kind: ArtifactKind;
  name: string;
  action: "publish" | "deploy";
  targets: Place[];
  onClose: () => void;
  onDone: () => void;
}) {
  const [target, setTarget] = useState(props.targets[0]?.id ?? "");
  const [preview, setPreview] = useState<ChangePreview | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SyncResultJson | undefined>(undefined);
  const base = artifactPath(props.kind, props.name);
  useEffect(() => {
    if (!target) return;
    setPreview(undefined);
    setError(undefined);
    setResult(undefined);
    api<ChangePreview>(`${base}/${props.action}/preview`, { method: "POST", body: { target } }).then(
      setPreview,
      (e: ApiError) => setError(e),
    );
  }, [target, base, props.action]);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<SyncResultJson>(`${base}/${props.action}`, { method: "POST", body: { target } });
      setResult(r);
      props.onDone();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const verb = props.action === "publish" ? "Publish" : "Deploy";
  const noun = props.action === "publish" ? "hub remote" : "project";
  return (
    <Dialog
      title={props.action === "publish" ? "Publish to hub" : "Deploy to project"}
      open
      onClose={props.onClose}
      wide
    >
      {props.targets.length === 0 ? (
        <Empty title={`No ${noun} configured`}>
          {props.action === "publish" ? (
            <>
              Add one with <code>skillsync remote add NAME URL</code>.
            </>
          ) : (
            <>
              Register one with <code>skillsync project add DIR</code>.
            </>
          )}
        </Empty>
      ) : (
        <>
          <label>
            {props.action === "publish" ? "Hub remote" : "Project"}
            <select value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
              {props.targets.map((t) => (
                <option key={t.id} value={t.id} disabled={!t.reachable && t.kind === "project"}>
                  {t.label} — {t.location}
                  {t.reachable ? "" : " (unreachable)"}
                </option>
              ))}
            </select>
          </label>
          <div class="preview" data-testid="preview">
            {error ? <ErrorBox error={error} /> : null}
            {!preview && !error ? <Loading lines={3} /> : null}
            {preview ? (
              <>
                <p data-testid="preview-summary">
                  <strong>{preview.summary}</strong>
                </p>
                <ChangeList files={preview.files} emptyText="Nothing to change" />
              </>
            ) : null}
            {result ? (
              <p class={result.success ? "ok-text" : "bad-text"} role="status" data-testid="action-result">
                {result.success && result.error
                  ? `Queued: ${result.error}`
                  : result.success
                    ? `${verb}ed ${result.artifact_name}${result.new_hash ? ` (${result.new_hash.slice(0, 12)})` : ""}.`
                    : `Not done: ${result.error ?? "unknown error"}`}
                {result.conflicts_remaining > 0 ? (
                  <>
                    {" "}
                    <a href="#/conflicts">Resolve the conflict</a>.
                  </>
                ) : null}
              </p>
            ) : null}
          </div>
          <div class="dialog-actions">
            <button type="button" onClick={props.onClose}>
              {result ? "Close" : "Cancel"}
            </button>
            {result ? null : (
              <button
                type="button"
                class="primary"
                disabled={busy || !preview || preview.files.length === 0}
                onClick={confirm}
              >
                {busy ? `${verb}ing…` : `${verb} ${preview ? `${preview.files.length} file(s)` : ""}`}
              </button>
            )}
          </div>
        </>
      )}
    </Dialog>
  );
}

function Editor(props: { detail: ArtifactDetail; onSaved: (fresh: ArtifactDetail) => void }) {
  const d = props.detail;
  const textFiles = d.files.filter((f) => f.text !== null);
  const [path, setPath] = useState(d.main);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const original = (p: string) => d.files.find((f) => f.path === p)?.text ?? "";
  const current = (p: string) => drafts[p] ?? original(p);
  const mainText = current(d.main);
  const problems = useMemo(() => validateMain(d, mainText), [d.kind, d.name, mainText]);
  const errors = problems.filter((p) => p.severity === "error");
  const dirty = Object.entries(drafts).filter(([p, t]) => t !== original(p));
  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const fresh = await api<ArtifactDetail>(artifactPath(d.kind, d.name), {
        method: "PUT",
        body: { files: dirty.map(([p, text]) => ({ path: p, text })), base_sha: d.sha },
      });
      // the saved texts become the originals in the same render that drops the drafts
      props.onSaved(fresh);
      setDrafts({});
      setSaved(new Date().toISOString());
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="editor-pane">
      <div class="editor-bar">
        <label>
          File
          <select value={path} onChange={(e) => setPath((e.target as HTMLSelectElement).value)}>
            {textFiles.map((f) => (
              <option key={f.path} value={f.path}>
                {f.path}
                {drafts[f.path] !== undefined && drafts[f.path] !== f.text ? " •" : ""}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          class="primary"
          disabled={busy || dirty.length === 0 || errors.length > 0}
          onClick={save}
          data-testid="save"
        >
          {busy ? "Saving…" : dirty.length > 0 ? `Save ${dirty.length} file(s)` : "Saved"}
        </button>
      </div>
      <MarkdownEditor
        value={current(path)}
        path={path}
        label={`Edit ${path}`}
        onChange={(t) => setDrafts((prev) => ({ ...prev, [path]: t }))}
      />
      <div class="validation" aria-live="polite" data-testid="validation">
        {problems.length === 0 ? (
          <span class="ok-text">Valid per the Agent Skills rules.</span>
        ) : (
          <ul>
            {problems.map((p, i) => (
              <li key={i} class={p.severity === "error" ? "bad-text" : "warn-text"}>
                {p.severity}
                {p.line ? ` (line ${p.line})` : ""}: {p.message}
              </li>
            ))}
          </ul>
        )}
        {error ? <ErrorBox error={error} /> : null}
        {saved && dirty.length === 0 ? (
          <p class="ok-text" role="status" data-testid="saved">
            Saved to the collection at {formatTime(saved)}.
          </p>
        ) : null}
      </div>
    </div>
  );
}

/** The artifact page for `kind/name`, on tab `view`, `files` or `edit`. */
export function ArtifactPage(props: { kind: string; name: string; tab: "view" | "edit" | "files" }) {
  const res = useApi<ArtifactDetail>(artifactPath(props.kind, props.name));
  const [file, setFile] = useState<string | undefined>(undefined);
  const [dialog, setDialog] = useState<"publish" | "deploy" | undefined>(undefined);
  useDaemonEvents((e) => {
    if (props.tab !== "edit" && e.type !== "hello") res.reload();
  });
  const d = res.data;
  if (!d)
    return (
      <section>
        <div class="page-head">
          <h1>
            <span class="kind-tag">{props.kind}</span> {props.name}
          </h1>
        </div>
        {res.error ? (
          res.error.status === 404 ? (
            <Empty title={`No ${props.kind} named '${props.name}' in the collection`}>
              <a href="#/">Back to the overview</a>
            </Empty>
          ) : (
            <ErrorBox error={res.error} onRetry={res.reload} />
          )
        ) : (
          <Loading lines={10} />
        )}
      </section>
    );
  const main = d.files.find((f) => f.path === d.main);
  const { fields, body } = splitMarkdown(main?.text ?? "");
  const selected = file ?? d.main;
  const selectedFile = d.files.find((f) => f.path === selected);
  const tabs: ["view" | "files" | "edit", string][] = [
    ["view", "Rendered"],
    ["files", "Files"],
    ["edit", "Edit"],
  ];
  return (
    <section aria-labelledby="art-title">
      <div class="page-head">
        <h1 id="art-title">
          <span class="kind-tag">{d.kind}</span> {d.name} <span class="muted small">v{d.version}</span>
        </h1>
        <div class="actions">
          <button type="button" onClick={() => setDialog("publish")}>
            Publish to hub…
          </button>
          <button type="button" onClick={() => setDialog("deploy")}>
            Deploy to project…
          </button>
          <a class="button" href={`#/history/${encodeURIComponent(d.kind)}/${encodeURIComponent(d.name)}`}>
            History
          </a>
        </div>
      </div>
      <p class="lead">{d.description}</p>
      {d.problems.length > 0 ? (
        <ul class="problems" data-testid="problems">
          {d.problems.map((p, i) => (
            <li key={i} class={p.severity === "error" ? "bad-text" : "warn-text"}>
              {p.file}
              {p.line ? `:${p.line}` : ""}: {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      <nav class="tabs" aria-label="Artifact views">
        {tabs.map(([t, label]) => (
          <a
            key={t}
            href={artifactHref(d, t === "view" ? undefined : t)}
            aria-current={props.tab === t ? "page" : undefined}
          >
            {label}
          </a>
        ))}
      </nav>
      <div class="artifact-grid">
        <div class="artifact-main">
          {props.tab === "view" ? (
            <article data-testid="rendered">
              <MarkdownView text={body} />
            </article>
          ) : null}
          {props.tab === "files" ? (
            <div>
              {selectedFile?.text != null ? (
                <TextView value={selectedFile.text} path={selectedFile.path} label={selectedFile.path} />
              ) : (
                <p class="muted">Binary file ({selectedFile?.size ?? 0} bytes); contents not shown.</p>
              )}
            </div>
          ) : null}
          {props.tab === "edit" ? <Editor detail={d} onSaved={res.mutate} /> : null}
        </div>
        <aside class="artifact-side">
          <h2>Fields</h2>
          <dl class="fields" data-testid="fields">
            {fields.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{fieldValue(v)}</dd>
              </div>
            ))}
          </dl>
          <h2>Where</h2>
          <Deployments detail={d} />
          <h2>Files</h2>
          <FileTree
            files={d.files}
            selected={selected}
            onSelect={(p) => {
              setFile(p);
              if (props.tab !== "files") location.hash = artifactHref(d, "files");
            }}
          />
          <p class="muted small">
            Tree hash <code>{d.sha.slice(0, 12)}</code> · changed {formatTime(d.updated_at)}
          </p>
        </aside>
      </div>
      {dialog ? (
        <ActionDialog
          kind={d.kind}
          name={d.name}
          action={dialog}
          targets={d.places.filter((p) => p.kind === (dialog === "publish" ? "remote" : "project"))}
          onClose={() => setDialog(undefined)}
          onDone={res.reload}
        />
      ) : null}
    </section>
  );
}
