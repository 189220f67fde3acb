/** History of one artifact: local snapshots and hub versions, a diff between any two, rollback with confirmation. */
import { useEffect, useState } from "preact/hooks";
import { type ApiError, api, artifactPath, useApi } from "../api.js";
import type { HistoryDiff, HistoryList, SyncResultJson } from "../api-types.js";
import { ChangeList } from "../components/changes.js";
import { Dialog, Empty, ErrorBox, formatTime, Loading } from "../components/common.js";
import { artifactHref } from "../router.js";

/** The history page of `kind/name`. */
export function HistoryPage(props: { kind: string; name: string }) {
  const base = artifactPath(props.kind, props.name);
  const res = useApi<HistoryList>(`${base}/history`);
  const [from, setFrom] = useState<string>("");
  const [to, setTo] = useState<string>("current");
  const [diff, setDiff] = useState<HistoryDiff | undefined>(undefined);
  const [diffError, setDiffError] = useState<ApiError | undefined>(undefined);
  const [rollback, setRollback] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SyncResultJson | undefined>(undefined);
  const [rbError, setRbError] = useState<ApiError | undefined>(undefined);
  const entries = res.data?.entries ?? [];
  useEffect(() => {
    // default: the newest version that differs from the current one
    const first = entries.find((e) => e.sha !== res.data?.current_sha) ?? entries[0];
    if (!from && first) setFrom(first.id);
  }, [entries, from, res.data]);
  useEffect(() => {
    if (!from || from === to) {
      setDiff(undefined);
      return;
    }
    setDiff(undefined);
    setDiffError(undefined);
    api<HistoryDiff>(`${base}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`).then(
      setDiff,
      (e: ApiError) => setDiffError(e),
    );
  }, [base, from, to]);
  const doRollback = async () => {
    if (!rollback) return;
    setBusy(true);
    setRbError(undefined);
    try {
      const r = await api<SyncResultJson>(`${base}/rollback`, {
        method: "POST",
        body: { version: rollback },
      });
      setResult(r);
      setRollback(undefined);
      res.reload();
    } catch (e) {
      setRbError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const label = (id: string) => {
    if (id === "current") return "current collection";
    const e = entries.find((x) => x.id === id);
    return e ? `${e.label} (${formatTime(e.created_at)})` : id;
  };
  return (
    <section aria-labelledby="h-title">
      <div class="page-head">
        <h1 id="h-title">
          History: <span class="kind-tag">{props.kind}</span> <a href={artifactHref(props)}>{props.name}</a>
        </h1>
      </div>
      {res.error ? <ErrorBox error={res.error} onRetry={res.reload} /> : null}
      {!res.data && !res.error ? <Loading lines={6} /> : null}
      {result ? (
        <p class="ok-text" role="status" data-testid="rollback-result">
          Rolled back {result.artifact_name}
          {result.snapshot_id ? `; the previous state is kept as snapshot ${result.snapshot_id}` : ""}.
        </p>
      ) : null}
      {res.data && entries.length === 0 ? (
        <Empty title="No history yet">
          Snapshots appear after the first sync, publish or edit saved here.
        </Empty>
      ) : null}
      {entries.length > 0 ? (
        <table class="history" data-testid="history-table">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Source</th>
              <th scope="col">When</th>
              <th scope="col">Message</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-entry={e.id}>
                <td data-label="Version">
                  {e.label} <span class="muted small">v{e.version}</span>
                  {res.data?.current_sha === e.sha ? <span class="badge tone-ok">current</span> : null}
                </td>
                <td data-label="Source">{e.source}</td>
                <td data-label="When" class="nowrap">
                  {formatTime(e.created_at)}
                </td>
                <td data-label="Message">{e.message}</td>
                <td class="nowrap">
                  <button type="button" onClick={() => setFrom(e.id)} aria-pressed={from === e.id}>
                    Diff from
                  </button>{" "}
                  <button type="button" onClick={() => setTo(e.id)} aria-pressed={to === e.id}>
                    to
                  </button>{" "}
                  <button
                    type="button"
                    disabled={res.data?.current_sha === e.sha || e.source !== "snapshot"}
                    title={
                      e.source === "snapshot" ? undefined : "hub versions come back with 'skillsync fetch'"
                    }
                    onClick={() => setRollback(e.id)}
                  >
                    Roll back…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {entries.length > 0 ? (
        <div class="diff-section">
          <h2>
            Diff: {label(from)} → {label(to)}{" "}
            {to !== "current" ? (
              <button type="button" class="link" onClick={() => setTo("current")}>
                compare with current
              </button>
            ) : null}
          </h2>
          {diffError ? <ErrorBox error={diffError} /> : null}
          {from === to ? <p class="muted">Pick two different versions.</p> : null}
          {from !== to && !diff && !diffError ? <Loading lines={4} /> : null}
          {diff ? <ChangeList files={diff.files} /> : null}
        </div>
      ) : null}
      <Dialog title="Roll back?" open={rollback !== undefined} onClose={() => setRollback(undefined)}>
        <p>
          Restore <strong>{props.name}</strong> in the collection to {rollback ? label(rollback) : ""}? The
          current state is snapshotted first, so this can be undone.
        </p>
        {rbError ? <ErrorBox error={rbError} /> : null}
        <div class="dialog-actions">
          <button type="button" onClick={() => setRollback(undefined)}>
            Cancel
          </button>
          <button
            type="button"
            class="primary danger"
            disabled={busy}
            onClick={doRollback}
            data-testid="confirm-rollback"
          >
            {busy ? "Rolling back…" : "Roll back"}
          </button>
        </div>
      </Dialog>
    </section>
  );
}
