/** Small shared pieces: status badges, the sync light, loading / error / empty states, dialogs. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { ApiError } from "../api.js";
import type { PlaceState, SyncLight } from "../api-types.js";

const STATE_TEXT: Record<PlaceState, string> = {
  "in-sync": "in sync",
  modified: "modified",
  added: "not deployed",
  removed: "removed",
  version_mismatch: "version differs",
  untracked: "untracked",
  conflict: "conflict",
  invalid: "invalid",
  queued: "queued",
  absent: "—",
  unknown: "unknown",
};

/** The colour class of a place state: ok, warn, bad or none. */
export function stateTone(s: PlaceState): "ok" | "warn" | "bad" | "none" {
  if (s === "in-sync") return "ok";
  if (s === "conflict" || s === "invalid") return "bad";
  if (s === "absent" || s === "unknown") return "none";
  return "warn";
}

/** A coloured badge for a state, with words (never colour alone). */
export function StateBadge(props: { state: PlaceState; side?: string | undefined; title?: string }) {
  const text = STATE_TEXT[props.state] ?? props.state;
  const side = props.state === "modified" && props.side ? ` (${props.side})` : "";
  return (
    <span class={`badge tone-${stateTone(props.state)}`} title={props.title}>
      {text}
      {side}
    </span>
  );
}

const LIGHT_TEXT: Record<SyncLight, string> = {
  green: "All synced",
  yellow: "Changes pending",
  red: "Conflicts to resolve",
};

/** The green/yellow/red indicator with its words. */
export function SyncLightView(props: { light: SyncLight | undefined; detail?: string }) {
  const light = props.light;
  return (
    <div class={`light light-${light ?? "none"}`} role="status" aria-live="polite" data-testid="sync-light">
      <span class="light-dot" aria-hidden="true" />
      <span class="light-text">{light ? LIGHT_TEXT[light] : "Loading…"}</span>
      {props.detail ? <span class="light-detail">{props.detail}</span> : null}
    </div>
  );
}

/** An error box; for an unreachable daemon it says how to start it. */
export function ErrorBox(props: { error: ApiError | Error; onRetry?: () => void }) {
  const e = props.error as ApiError;
  return (
    <div class="error-box" role="alert" data-testid="error">
      <strong>{e.status === 0 ? "Daemon not reachable" : "Something went wrong"}</strong>
      <p>{e.message}</p>
      {props.onRetry ? (
        <button type="button" onClick={props.onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** Placeholder while loading, with a fixed height so nothing jumps when data arrives. */
export function Loading(props: { lines?: number }) {
  const n = props.lines ?? 4;
  return (
    <div class="loading" role="status" aria-busy="true" aria-label="Loading">
      {Array.from({ length: n }, (_, i) => (
        <div key={i} class="skeleton-line" />
      ))}
    </div>
  );
}

/** An honest empty state. */
export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty" data-testid="empty">
      <strong>{props.title}</strong>
      {props.children ? <div>{props.children}</div> : null}
    </div>
  );
}

/** A modal dialog (native `<dialog>`: focus trapped, Escape closes). */
export function Dialog(props: {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      class={props.wide ? "dialog wide" : "dialog"}
      aria-label={props.title}
      onClose={props.onClose}
      onCancel={props.onClose}
    >
      {props.open ? (
        <>
          <header class="dialog-head">
            <h2>{props.title}</h2>
            <button type="button" class="icon" aria-label="Close" onClick={props.onClose}>
              ×
            </button>
          </header>
          <div class="dialog-body">{props.children}</div>
        </>
      ) : null}
    </dialog>
  );
}

/** Relative-ish time: `2026-11-21 05:18 UTC`, stable width. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
