/**
 * The web UI's only way to the daemon: same-origin `fetch` of JSON routes. Every mutating request
 * carries the per-home token that the daemon injects into index.html as
 * `<meta name="skillsync-token" content="…">` (header `X-Skillsync-Token`).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ApiErrorBody } from "./api-types.js";

/** A failed request: `status` 0 means the daemon could not be reached at all. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** The per-home token from the page's meta tag ('' when absent, e.g. in `vite dev`). */
export function token(): string {
  return document.querySelector('meta[name="skillsync-token"]')?.getAttribute("content") ?? "";
}

/**
 * Calls `path` with an optional JSON body and returns the parsed JSON answer.
 * @throws ApiError with the server's `{error:{code,message}}`, or status 0 when the daemon is down
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET") headers["X-Skillsync-Token"] = token();
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(
      0,
      "DAEMON_UNREACHABLE",
      "The skillsync daemon is not answering. Start it with 'skillsync daemon' and reload.",
    );
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as ApiErrorBody | undefined)?.error;
    throw new ApiError(
      res.status,
      err?.code ?? `HTTP_${res.status}`,
      err?.message ?? `The daemon answered ${res.status} ${res.statusText} for ${method} ${path}.`,
    );
  }
  return json as T;
}

/** State of one load: `data` stays while reloading so the page does not jump. */
export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Loads again (bursts within 150 ms are coalesced into one request). */
  reload: () => void;
  /** Replaces the data with a fresher copy the caller already has (e.g. a save's answer). */
  mutate: (data: T) => void;
}

/** Loads `path` (again when it changes or `reload` is called). `null` path loads nothing. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  // Requests are numbered; an answer is applied when it is newer than the one shown, so a stream of
  // reloads (live events) still shows progress instead of waiting for the last one to finish.
  const seq = useRef(0);
  const shown = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(pending.current), []);
  useEffect(() => {
    if (path === null) return;
    const mine = ++seq.current;
    setLoading(true);
    api<T>(path).then(
      (d) => {
        if (mine <= shown.current) return;
        shown.current = mine;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine <= shown.current) return;
        shown.current = mine;
        setError(
          e instanceof ApiError ? e : new ApiError(0, "INTERNAL", e instanceof Error ? e.message : String(e)),
        );
        setLoading(false);
      },
    );
  }, [path, tick]);
  return {
    data,
    error,
    loading,
    // a burst of events (a checkout touching many files) becomes one request
    reload: () => {
      if (pending.current !== undefined) return;
      pending.current = setTimeout(() => {
        pending.current = undefined;
        setTick((t) => t + 1);
      }, 150);
    },
    mutate: (d: T) => {
      shown.current = ++seq.current; // a load in flight is older than this
      setData(d);
      setError(undefined);
      setLoading(false);
    },
  };
}

/** One event of the daemon's SSE stream (`GET /api/events`). */
export interface DaemonEvent {
  type: string;
  data: unknown;
}

type Listener = (e: DaemonEvent) => void;
const listeners = new Set<Listener>();
let source: EventSource | undefined;
let connected = false;
const connListeners = new Set<(up: boolean) => void>();

function setConnected(up: boolean): void {
  if (connected === up) return;
  connected = up;
  for (const l of connListeners) l(up);
}

function ensureSource(): void {
  if (source || typeof EventSource === "undefined") return;
  source = new EventSource("/api/events");
  source.onopen = () => setConnected(true);
  source.onerror = () => setConnected(false);
  const dispatch = (type: string) => (ev: MessageEvent) => {
    let data: unknown = ev.data;
    try {
      data = JSON.parse(String(ev.data));
    } catch {
      // plain text event
    }
    const typed =
      type === "message" && data && typeof data === "object" && "type" in data
        ? String((data as { type: unknown }).type)
        : type;
    for (const l of listeners) l({ type: typed, data });
  };
  source.onmessage = dispatch("message");
  for (const t of [
    "sync",
    "sync-start",
    "sync-end",
    "sync-error",
    "status",
    "change",
    "conflict",
    "config",
    "backoff",
    "hub",
  ])
    source.addEventListener(t, dispatch(t) as EventListener);
}

/** Calls `onEvent` for every daemon event while the component is mounted. */
export function useDaemonEvents(onEvent: Listener): void {
  const ref = useRef(onEvent);
  ref.current = onEvent;
  useEffect(() => {
    ensureSource();
    const l: Listener = (e) => ref.current(e);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
}

/** Whether the SSE stream to the daemon is open right now. */
export function useLiveConnection(): boolean {
  const [up, setUp] = useState(connected);
  useEffect(() => {
    ensureSource();
    connListeners.add(setUp);
    setUp(connected);
    return () => {
      connListeners.delete(setUp);
    };
  }, []);
  return up;
}

/** Path segment escaping for `kind/name` routes. */
export function artifactPath(kind: string, name: string): string {
  return `/api/ui/artifacts/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`;
}
