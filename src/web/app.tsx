/** The shell: header with navigation, live state, and the page for the current route. */
import { useEffect } from "preact/hooks";
import { useApi, useDaemonEvents, useLiveConnection } from "./api.js";
import type { Overview } from "./api-types.js";
import { Empty } from "./components/common.js";
import { ArtifactPage } from "./pages/artifact.js";
import { ConflictsPage } from "./pages/conflicts.js";
import { CreatePage } from "./pages/create.js";
import { DaemonPage } from "./pages/daemon.js";
import { HistoryPage } from "./pages/history.js";
import { OverviewPage } from "./pages/overview.js";
import { type Route, useRoute } from "./router.js";

function Page(props: { route: Route }) {
  const r = props.route;
  switch (r.page) {
    case "overview":
      return <OverviewPage />;
    case "artifact":
      return <ArtifactPage key={`${r.kind}/${r.name}`} kind={r.kind} name={r.name} tab={r.tab} />;
    case "create":
      return <CreatePage />;
    case "conflicts":
      return <ConflictsPage id={r.id} />;
    case "history":
      return <HistoryPage key={`${r.kind}/${r.name}`} kind={r.kind} name={r.name} />;
    case "daemon":
      return <DaemonPage />;
    default:
      return (
        <Empty title="No such page">
          <a href="#/">Go to the overview</a>
        </Empty>
      );
  }
}

function NavLink(props: { href: string; active: boolean; children: preact.ComponentChildren }) {
  return (
    <a href={props.href} aria-current={props.active ? "page" : undefined}>
      {props.children}
    </a>
  );
}

/** The whole app. */
export function App() {
  const route = useRoute();
  const live = useLiveConnection();
  const status = useApi<Overview>("/api/ui/overview");
  useDaemonEvents((e) => {
    if (e.type !== "hello") status.reload();
  });
  // the header's counts follow navigation too (a conflict page should not show a stale 0)
  useEffect(() => status.reload(), [route]);
  const conflicts = status.data?.counts.conflicts ?? 0;
  const light = status.data?.light;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          <span class={`light-dot small light-${light ?? "none"}`} aria-hidden="true" />
          <span class="brand-name">skillsync</span>
        </a>
        <nav aria-label="Main">
          <NavLink href="#/" active={route.page === "overview" || route.page === "artifact"}>
            Overview
          </NavLink>
          <NavLink href="#/new" active={route.page === "create"}>
            New
          </NavLink>
          <NavLink href="#/conflicts" active={route.page === "conflicts"}>
            Conflicts
            <span class={`count ${conflicts > 0 ? "count-bad" : ""}`} data-testid="conflict-count">
              {conflicts}
            </span>
          </NavLink>
          <NavLink href="#/daemon" active={route.page === "daemon"}>
            Daemon
          </NavLink>
        </nav>
        <span class={`conn ${live ? "conn-up" : "conn-down"}`} title="Live updates from the daemon">
          {live ? "live" : status.error?.status === 0 ? "daemon stopped" : "offline"}
        </span>
      </header>
      {status.error?.status === 0 ? (
        <div class="banner" role="alert" data-testid="daemon-down">
          The daemon is not answering. Start it with <code>skillsync daemon</code>; this page reconnects by
          itself.
        </div>
      ) : null}
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}
