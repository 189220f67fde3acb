/**
 * Watching one hub remote for changes: the hub's SSE stream `GET {url}/api/v1/events`
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html), falling back to polling
 * `GET {url}/api/v1/changes?after=CURSOR` (a `{changes, cursor}` page) every `poll_interval` while
 * the stream is unavailable. Each batch of changes calls `onChange` once; the daemon then fetches from
 * the hub and syncs the projects.
 */
import type { Logger } from "./log.js";
import type { Timers } from "./scheduler.js";

/** Options of {@link watchHub}. */
export interface HubWatchOptions {
  /** Remote name (config `remotes.NAME`). */
  remote: string;
  /** Base URL of the hub, no trailing slash needed. */
  url: string;
  /** Bearer token from `credentials.toml`, if any. */
  token: string | undefined;
  /** Poll interval (ms), read each time. */
  pollIntervalMs(): number;
  /** Told about new changes (the highest cursor seen, when known). */
  onChange(info: { remote: string; cursor: number | undefined }): void;
  log: Logger;
  timers: Timers;
  /** Delay before reconnecting a dropped stream (ms), default 1000. */
  reconnectMs?: number;
  /** Injected for tests; default global fetch. */
  fetch?: typeof fetch;
}

/** A running hub watch. */
export interface HubWatch {
  /** `sse` while the stream is open, `poll` while polling, `connecting` otherwise. */
  mode(): "sse" | "poll" | "connecting";
  /** The last cursor seen. */
  cursor(): number | undefined;
  stop(): void;
}

/** Events that announce no change (the hub sends `ready` with its cursor first, then `change` events). */
const QUIET_EVENTS = new Set(["ping", "heartbeat", "hello", "ready", "open"]);

/** Parses SSE text into events; returns the events and the unparsed rest. */
export function parseSse(buffer: string): {
  events: { event: string; data: string; id: string | undefined }[];
  rest: string;
} {
  const events: { event: string; data: string; id: string | undefined }[] = [];
  const blocks = buffer.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    let id: string | undefined;
    let any = false;
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      any = true;
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
    }
    if (any) events.push({ event, data: data.join("\n"), id });
  }
  return { events, rest };
}

function cursorOf(ev: { data: string; id: string | undefined }): number | undefined {
  if (ev.id !== undefined && /^\d+$/.test(ev.id)) return Number(ev.id);
  try {
    const v = JSON.parse(ev.data) as { cursor?: unknown };
    if (typeof v?.cursor === "number") return v.cursor;
  } catch {}
  return undefined;
}

/** Starts watching; never throws (failures are logged and retried). */
export function watchHub(opts: HubWatchOptions): HubWatch {
  const base = opts.url.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;
  const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  let mode: "sse" | "poll" | "connecting" = "connecting";
  let cursor: number | undefined;
  let stopped = false;
  let timer: unknown;
  const controller = new AbortController();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      timer = opts.timers.setTimeout(resolve, ms);
    });

  const advance = (c: number | undefined) => {
    if (c !== undefined && (cursor === undefined || c > cursor)) cursor = c;
  };

  /** Polls once; returns true when there were new changes. `establish`: only learn the cursor. */
  const poll = async (establish: boolean): Promise<void> => {
    let after = cursor ?? 0;
    for (let page = 0; page < 100; page++) {
      const res = await doFetch(`${base}/api/v1/changes?after=${after}`, {
        headers,
        signal: controller.signal,
      });
      if (!res.ok) throw new Error(`GET /api/v1/changes: HTTP ${res.status}`);
      const body = (await res.json()) as { changes?: { cursor?: number }[]; cursor?: number; more?: boolean };
      const changes = Array.isArray(body.changes) ? body.changes : [];
      const last = typeof body.cursor === "number" ? body.cursor : changes.at(-1)?.cursor;
      const had = cursor;
      advance(last);
      if (changes.length > 0 && !(establish && had === undefined))
        opts.onChange({ remote: opts.remote, cursor });
      if (!body.more || cursor === undefined || cursor === after) return;
      after = cursor;
    }
  };

  /** Reads the SSE stream until it ends; false when it could not be opened or the hub refused it (an `error` event). */
  const stream = async (): Promise<boolean> => {
    const h: Record<string, string> = { ...headers, accept: "text/event-stream" };
    if (cursor !== undefined) h["last-event-id"] = String(cursor);
    let res: Response;
    try {
      res = await doFetch(`${base}/api/v1/events`, { headers: h, signal: controller.signal });
    } catch (e) {
      if (!stopped)
        opts.log.debug("hub events unavailable", { remote: opts.remote, error: (e as Error).message });
      return false;
    }
    if (!res.ok || !res.body || !(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
      await res.body?.cancel().catch(() => {});
      opts.log.debug("hub events unavailable", { remote: opts.remote, status: res.status });
      return false;
    }
    mode = "sse";
    opts.log.info("hub events connected", { remote: opts.remote });
    let refused = false;
    const decoder = new TextDecoder();
    let buf = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        const { events, rest } = parseSse(buf);
        buf = rest;
        let changed = false;
        for (const ev of events) {
          if (ev.event === "ready") advance(cursorOf(ev));
          if (ev.event === "error") {
            opts.log.warn("hub closed the event stream", { remote: opts.remote, error: ev.data });
            refused = true;
          }
          if (QUIET_EVENTS.has(ev.event) || ev.event === "error") continue;
          advance(cursorOf(ev));
          changed = true;
        }
        if (changed) opts.onChange({ remote: opts.remote, cursor });
        if (refused) break;
      }
    } catch (e) {
      if (!stopped) opts.log.warn("hub events dropped", { remote: opts.remote, error: (e as Error).message });
    }
    return !refused;
  };

  const loop = async () => {
    try {
      await poll(true);
    } catch (e) {
      opts.log.warn("hub unreachable", { remote: opts.remote, error: (e as Error).message });
    }
    while (!stopped) {
      mode = "connecting";
      const opened = await stream();
      if (stopped) break;
      if (opened) {
        // Catch up on whatever happened while the stream was down, then reconnect.
        await poll(false).catch(() => {});
        await sleep(opts.reconnectMs ?? 1000);
        continue;
      }
      mode = "poll";
      try {
        await poll(false);
      } catch (e) {
        if (!stopped) opts.log.warn("hub poll failed", { remote: opts.remote, error: (e as Error).message });
      }
      if (!stopped) await sleep(opts.pollIntervalMs());
    }
  };
  void loop();

  return {
    mode: () => mode,
    cursor: () => cursor,
    stop() {
      stopped = true;
      controller.abort();
      if (timer !== undefined) opts.timers.clearTimeout(timer);
    },
  };
}
