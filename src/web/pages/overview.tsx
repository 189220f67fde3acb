/** The overview: sync light with counts, the places, and the merged, filterable list of artifacts. */
import { useMemo, useState } from "preact/hooks";
import { useApi, useDaemonEvents } from "../api.js";
import type { ArtifactRow, Overview, Place } from "../api-types.js";
import { Empty, ErrorBox, formatTime, Loading, StateBadge, SyncLightView } from "../components/common.js";
import { artifactHref } from "../router.js";

const KIND_OPTIONS = ["all", "skill", "command", "agent", "prompt"] as const;
const STATUS_OPTIONS = ["all", "synced", "pending", "conflict"] as const;

function PlaceChip(props: { place: Place }) {
  const p = props.place;
  return (
    <li class={`place ${p.reachable ? "" : "place-down"}`} title={p.location}>
      <span class="place-kind">{p.kind}</span> <strong>{p.label}</strong>
      {p.reachable ? null : (
        <span class="badge tone-bad">{p.kind === "remote" ? "unreachable" : "missing"}</span>
      )}
      {p.error ? <div class="place-error">{p.error}</div> : null}
    </li>
  );
}

function matches(row: ArtifactRow, f: { kind: string; status: string; text: string }): boolean {
  const { kind, status, text } = f;
  if (kind !== "all" && row.kind !== kind) return false;
  if (status !== "all" && row.status !== status) return false;
  if (text) {
    const t = text.toLowerCase();
    return row.name.toLowerCase().includes(t) || row.description.toLowerCase().includes(t);
  }
  return true;
}

/** The overview page. */
export function OverviewPage() {
  const ov = useApi<Overview>("/api/ui/overview");
  const [kind, setKind] = useState<string>("all");
  const [status, setStatus] = useState<string>("all");
  const [text, setText] = useState("");
  useDaemonEvents((e) => {
    if (e.type !== "hello") ov.reload();
  });
  const rows = useMemo(
    () => (ov.data?.artifacts ?? []).filter((r) => matches(r, { kind, status, text: text.trim() })),
    [ov.data, kind, status, text],
  );
  const d = ov.data;
  const places = d?.places ?? [];
  return (
    <section aria-labelledby="ov-title">
      <div class="page-head">
        <h1 id="ov-title">Overview</h1>
        <a class="button primary" href="#/new">
          New artifact
        </a>
      </div>
      <div class="summary">
        <SyncLightView light={d?.light} />
        <dl class="counts" data-testid="counts">
          <div>
            <dt>artifacts</dt>
            <dd>{d ? d.counts.total : "–"}</dd>
          </div>
          <div>
            <dt>synced</dt>
            <dd>{d ? d.counts.synced : "–"}</dd>
          </div>
          <div>
            <dt>pending</dt>
            <dd>{d ? d.counts.pending : "–"}</dd>
          </div>
          <div>
            <dt>conflicts</dt>
            <dd>{d ? d.counts.conflicts : "–"}</dd>
          </div>
        </dl>
      </div>
      {d && !d.auto_sync ? (
        <p class="notice" role="status" data-testid="auto-sync-off">
          Automatic sync is off: the daemon watches but syncs only when asked. Turn it on with{" "}
          <code>skillsync auto enable</code> or on the <a href="#/daemon">Daemon</a> page.
        </p>
      ) : null}
      {ov.error ? <ErrorBox error={ov.error} onRetry={ov.reload} /> : null}
      <ul class="places" aria-label="Places">
        {places.map((p) => (
          <PlaceChip key={p.id} place={p} />
        ))}
      </ul>
      <search>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            Kind
            <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
              {KIND_OPTIONS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label>
            Status
            <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
              {STATUS_OPTIONS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label class="grow">
            Search
            <input
              type="search"
              placeholder="name or description"
              value={text}
              onInput={(e) => setText((e.target as HTMLInputElement).value)}
            />
          </label>
        </form>
      </search>
      {!d && !ov.error ? <Loading lines={8} /> : null}
      {d && d.artifacts.length === 0 ? (
        <Empty title="The collection is empty">
          Add artifacts with <code>skillsync add PATH</code> or <a href="#/new">create one here</a>.
        </Empty>
      ) : null}
      {d && d.artifacts.length > 0 && rows.length === 0 ? (
        <Empty title="Nothing matches these filters" />
      ) : null}
      {rows.length > 0 ? (
        <table class="artifacts" data-testid="artifact-table">
          <caption class="sr-only">Artifacts across the collection, projects and hubs</caption>
          <thead>
            <tr>
              <th scope="col">Artifact</th>
              <th scope="col">Kind</th>
              <th scope="col">Version</th>
              <th scope="col">Where</th>
              <th scope="col">Last change</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.kind}/${r.name}`} data-artifact={`${r.kind}/${r.name}`} data-status={r.status}>
                <td data-label="Artifact">
                  <a href={artifactHref(r)}>{r.name}</a>
                  <div class="desc">{r.description}</div>
                </td>
                <td data-label="Kind">{r.kind}</td>
                <td data-label="Version">{r.version}</td>
                <td data-label="Where">
                  <ul class="where">
                    {places
                      .filter((p) => r.places[p.id] && r.places[p.id]!.state !== "absent")
                      .map((p) => (
                        <li key={p.id}>
                          <span class="where-label">{p.label}</span>{" "}
                          <StateBadge state={r.places[p.id]!.state} side={r.places[p.id]!.side} />
                        </li>
                      ))}
                  </ul>
                </td>
                <td data-label="Last change" class="nowrap">
                  {formatTime(r.updated_at)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
