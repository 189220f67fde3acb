/**
 * Watching one hub remote for changes, on the one hub event client (`HubClient.subscribe` in
 * `src/sync/hub-client.ts`): the hub's SSE stream `GET {url}/api/v1/events`, resumed with
 * `Last-Event-ID` after drops (backoff capped at `poll_interval`), falling back to polling
 * `GET {url}/api/v1/changes?after=CURSOR` every `poll_interval` while the hub serves no stream (a
 * 4xx, an `error` event, or a non-event-stream answer). The changes of one stream chunk or one
 * poll call `onChange` once; the daemon then fetches from the hub and syncs the projects.
 */
import { createHubClient, type HubClient, HubError } from "../sync/hub-client.js";
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

/** Starts watching; never throws (failures are logged and retried). */
export function watchHub(opts: HubWatchOptions): HubWatch {
  let mode: "sse" | "poll" | "connecting" = "connecting";
  let cursor: number | undefined;
  let stopped = false;
  let timer: unknown;
  const controller = new AbortController();
  let client: HubClient;
  try {
    client = createHubClient({
      url: opts.url,
      token: opts.token,
      remoteName: opts.remote,
      retries: 0,
      maxDelayMs: Math.max(1000, opts.pollIntervalMs()),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
  } catch (e) {
    opts.log.error("hub not watched", { remote: opts.remote, error: (e as Error).message });
    return { mode: () => mode, cursor: () => cursor, stop: () => {} };
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      timer = opts.timers.setTimeout(resolve, ms);
    });

  const advance = (c: number | undefined) => {
    if (c !== undefined && (cursor === undefined || c > cursor)) cursor = c;
  };

  /** Changes of one stream chunk are told once: the first schedules the call, after the chunk. */
  let told = false;
  const tell = () => {
    if (told) return;
    told = true;
    setImmediate(() => {
      told = false;
      if (!stopped) opts.onChange({ remote: opts.remote, cursor });
    });
  };

  /** Polls the changes feed to its end. `establish`: a first poll only learns the cursor. */
  const poll = async (establish: boolean): Promise<void> => {
    let after = cursor ?? 0;
    for (let page = 0; page < 100; page++) {
      const body = await client.changes({ after, signal: controller.signal });
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

  /**
   * Follows the event stream (reconnecting after drops) until the watch stops.
   * @throws HubError when the hub refuses the stream (4xx, an `error` event, no event stream)
   */
  let opened = false;
  const stream = async (): Promise<void> => {
    opened = false;
    await client.subscribe({
      ...(cursor !== undefined ? { after: cursor } : {}),
      signal: controller.signal,
      onOpen: () => {
        mode = "sse";
        opened = true;
        opts.log.info("hub events connected", { remote: opts.remote });
      },
      onReady: (c) => advance(c),
      onChange: (change) => {
        advance(change.cursor);
        tell();
      },
      onDisconnect: (e) => {
        mode = "connecting";
        if (!stopped) opts.log.warn("hub events dropped", { remote: opts.remote, error: e.message });
      },
    });
  };

  const loop = async () => {
    try {
      await poll(true);
    } catch (e) {
      if (!stopped) opts.log.warn("hub unreachable", { remote: opts.remote, error: (e as Error).message });
    }
    while (!stopped) {
      mode = "connecting";
      try {
        await stream();
      } catch (e) {
        if (stopped) break;
        const status = e instanceof HubError ? e.status : undefined;
        // refused after it was open (the hub's `error` event): worth a warning; a stream that never
        // opened is the polling fallback, and the poll below warns if the hub is unusable
        if (opened)
          opts.log.warn("hub closed the event stream", { remote: opts.remote, error: (e as Error).message });
        else
          opts.log.debug("hub events unavailable", {
            remote: opts.remote,
            status,
            error: (e as Error).message,
          });
      }
      if (stopped) break;
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
