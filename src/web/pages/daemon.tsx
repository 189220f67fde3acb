/** The daemon panel: automatic sync on/off, schedules, last runs, backoff, "sync now"; live over SSE. */
import { useState } from "preact/hooks";
import { type ApiError, api, useApi, useDaemonEvents, useLiveConnection } from "../api.js";
import type { DaemonPanel } from "../api-types.js";
import { Empty, ErrorBox, formatTime, Loading } from "../components/common.js";

/** The daemon page. */
export function DaemonPage() {
  const res = useApi<DaemonPanel>("/api/ui/daemon");
  const live = useLiveConnection();
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [events, setEvents] = useState<string[]>([]);
  useDaemonEvents((e) => {
    if (e.type === "hello") return;
    setEvents((prev) => [`${new Date().toISOString().slice(11, 19)} ${e.type}`, ...prev].slice(0, 5));
    res.reload();
  });
  const d = res.data;
  const act = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(what);
    setError(undefined);
    try {
      await fn();
      res.reload();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <section aria-labelledby="d-title">
      <div class="page-head">
        <h1 id="d-title">Daemon</h1>
        <span class={`badge tone-${live ? "ok" : "bad"}`} data-testid="live">
          {live ? "live" : "not connected"}
        </span>
      </div>
      {res.error ? <ErrorBox error={res.error} onRetry={res.reload} /> : null}
      {error ? <ErrorBox error={error} /> : null}
      {!d && !res.error ? <Loading lines={6} /> : null}
      {d ? (
        <>
          <div class="daemon-controls">
            <label class="switch">
              <input
                type="checkbox"
                role="switch"
                aria-checked={d.auto_sync}
                checked={d.auto_sync}
                disabled={busy !== undefined}
                data-testid="auto-sync"
                onChange={(e) => {
                  const enabled = (e.target as HTMLInputElement).checked;
                  void act("auto", () => api("/api/ui/daemon/auto", { method: "PUT", body: { enabled } }));
                }}
              />
              Automatic sync is <strong data-testid="auto-state">{d.auto_sync ? "on" : "off"}</strong>
            </label>
            <button
              type="button"
              class="primary"
              disabled={busy !== undefined || d.in_flight}
              data-testid="sync-now"
              onClick={() => act("sync", () => api("/api/sync", { method: "POST", body: {} }))}
            >
              {busy === "sync" || d.in_flight ? "Syncing…" : "Sync now"}
            </button>
          </div>
          <dl class="facts">
            <div>
              <dt>Schedules</dt>
              <dd>{d.schedules.length > 0 ? d.schedules.map((s) => <code key={s}>{s} </code>) : "none"}</dd>
            </div>
            <div>
              <dt>Next run</dt>
              <dd>{formatTime(d.next_run)}</dd>
            </div>
            <div>
              <dt>Backoff</dt>
              <dd data-testid="backoff">
                {d.backoff.until
                  ? `after ${d.backoff.failures} failure(s), waiting until ${formatTime(d.backoff.until)}`
                  : "none"}
                {d.backoff.last_error ? <div class="bad-text">{d.backoff.last_error}</div> : null}
              </dd>
            </div>
            <div>
              <dt>Live events</dt>
              <dd>
                {events.length === 0 ? (
                  "—"
                ) : (
                  <ul class="events" data-testid="events">
                    {events.map((ev, i) => (
                      <li key={`${i}-${ev}`}>{ev}</li>
                    ))}
                  </ul>
                )}
              </dd>
            </div>
          </dl>
          <h2>Last runs</h2>
          {d.runs.length === 0 ? (
            <Empty title="No sync has run yet" />
          ) : (
            <table class="runs" data-testid="runs">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Artifacts</th>
                  <th scope="col">Result</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {d.runs.map((r) => (
                  <tr key={r.id}>
                    <td data-label="Started" class="nowrap">
                      {formatTime(r.started_at)}
                    </td>
                    <td data-label="Trigger">{r.trigger}</td>
                    <td data-label="Artifacts">{r.artifacts}</td>
                    <td data-label="Result" class={r.error ? "bad-text" : ""}>
                      {r.result}
                      {r.error ? `: ${r.error}` : ""}
                    </td>
                    <td data-label="Duration">{r.duration_ms} ms</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </section>
  );
}
