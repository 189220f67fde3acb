/**
 * Hash routes of the UI (`#/`, `#/a/skill/pdf`, `#/new`, `#/conflicts/ID`, `#/history/skill/pdf`,
 * `#/daemon`), so the daemon serves one index.html and reloads keep the page.
 */
import { useEffect, useState } from "preact/hooks";

/** A parsed route. */
export type Route =
  | { page: "overview" }
  | { page: "artifact"; kind: string; name: string; tab: "view" | "edit" | "files" }
  | { page: "create" }
  | { page: "conflicts"; id: string | null }
  | { page: "history"; kind: string; name: string }
  | { page: "daemon" }
  | { page: "missing"; path: string };

/** Parses a location hash into a route. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  const parts = path
    .split("/")
    .filter((p) => p.length > 0)
    .map(decodeURIComponent);
  const [head, a, b, c] = parts;
  if (parts.length === 0) return { page: "overview" };
  if (head === "a" && a && b) {
    const tab = c === "edit" || c === "files" ? c : "view";
    return { page: "artifact", kind: a, name: b, tab };
  }
  if (head === "new") return { page: "create" };
  if (head === "conflicts") return { page: "conflicts", id: a ?? null };
  if (head === "history" && a && b) return { page: "history", kind: a, name: b };
  if (head === "daemon") return { page: "daemon" };
  return { page: "missing", path };
}

/** The hash link of an artifact page. */
export function artifactHref(ref: { kind: string; name: string }, tab?: "edit" | "files"): string {
  return `#/a/${encodeURIComponent(ref.kind)}/${encodeURIComponent(ref.name)}${tab ? `/${tab}` : ""}`;
}

/** The current route, updated on `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}

/** Navigates to `hash`. */
export function go(hash: string): void {
  location.hash = hash;
}
