/**
 * The hub's Server-Sent Events fan-out (`GET /api/v1/events`): open streams are kept in groups of
 * one user (same user, same teams), and a change in the store runs each group's user-scoped change
 * query once, then writes the events to every stream of the group. Bytes go straight to the Node
 * response (`ServerResponse.write`), not through web streams; each change event is encoded once
 * into one Buffer shared by every stream that gets it.
 *
 * Wire format (one HTTP/1.1 chunked response, as hono's `streamSSE` wrote it): headers
 * `cache-control: no-cache`, `connection: keep-alive`, `content-type: text/event-stream`,
 * `transfer-encoding: chunked`, `x-accel-buffering: no`; then `event: ready\ndata: {"cursor":C}\n\n`,
 * one `event: change\ndata: JSON\nid: CURSOR\n\n` per change, `: ping\n\n` every heartbeat, and
 * `event: error\ndata: {...}\n\n` before the end when the token is no longer valid.
 *
 * Guarantees:
 * - A stream only ever gets changes that its own user's scoped query returned (row-level security
 *   on PostgreSQL applies); streams share a query only when user and teams are the same (the
 *   store already shares identical in-flight queries the same way).
 * - No change is skipped or sent twice: a stream's cursor moves only when its events were written.
 *   A stream whose socket is full (the client reads slowly) is skipped until it drains, then caught
 *   up from its own cursor, so a slow client neither holds up its group nor buffers without bound.
 * - The token is re-checked at every heartbeat; a revoked or expired one gets `event: error` and
 *   the stream ends. A store error ends the group's streams (clients resume with Last-Event-ID).
 * - {@link SseFeed.close} ends every stream; a client that goes away is dropped at once.
 */
import type { ServerResponse } from "node:http";
import type { ChangeEntry, ChangePage, HubStore, Viewer } from "./store/types.js";

/** The response headers of an event stream, in the order they are sent. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": "no-cache",
  connection: "keep-alive",
  "content-type": "text/event-stream",
  "transfer-encoding": "chunked",
  "x-accel-buffering": "no",
};

/** Where a stream's bytes go: a Node response, or (outside Node's server) a web stream. */
export interface SseSink {
  /** Queues `chunk`; false when the sink is full (wait for {@link onDrain} before writing more). */
  write(chunk: Uint8Array): boolean;
  /** Groups the writes until {@link uncork} into one socket write (optional). */
  cork?(): void;
  uncork?(): void;
  /** Ends the response (after the queued bytes). */
  end(): void;
  /** Calls `f` once when the client went away or the response ended. */
  onClose(f: () => void): void;
  /** Calls `f` each time the sink can take more after a full {@link write}. */
  onDrain(f: () => void): void;
}

/** `bytes` as one HTTP/1.1 chunk (`LENGTH-IN-HEX\r\n bytes \r\n`), framed once per shared Buffer. */
const framedCache = new WeakMap<Uint8Array, Buffer>();
function framed(bytes: Uint8Array): Buffer {
  let f = framedCache.get(bytes);
  if (f === undefined) {
    f = Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`, "latin1"), bytes, CRLF]);
    framedCache.set(bytes, f);
  }
  return f;
}
const CRLF = Buffer.from("\r\n", "latin1");

/**
 * A sink over a Node `ServerResponse`: writes the SSE headers and the first event through the
 * response, then each event as one ready-framed chunk straight to the socket (one socket write per
 * event, no per-write framing, corking and next-tick uncorking in `ServerResponse.write`). Falls back
 * to `res.write` when the response has no socket of its own yet (a pipelined request).
 */
export function nodeSink(res: ServerResponse, first: Uint8Array): SseSink {
  res.writeHead(200, SSE_HEADERS);
  res.write(first);
  const socket = res.socket;
  // Once the headers are on the socket, bytes written to it keep their order with the response's.
  const direct =
    socket !== null &&
    !socket.destroyed &&
    (res as unknown as { outputData?: unknown[] }).outputData?.length === 0;
  if (!direct)
    return {
      write: (chunk) => res.write(chunk),
      cork: () => res.cork(),
      uncork: () => res.uncork(),
      end: () => res.end(),
      onClose: (f) => {
        res.once("close", f);
      },
      onDrain: (f) => {
        res.on("drain", f);
      },
    };
  return {
    write: (chunk) => socket.write(framed(chunk)),
    cork: () => socket.cork(),
    uncork: () => socket.uncork(),
    end: () => res.end(),
    onClose: (f) => {
      res.once("close", f);
    },
    onDrain: (f) => {
      socket.on("drain", f);
    },
  };
}

/** A sink feeding a web `ReadableStream` (for `app.fetch` without Node's server); no backpressure. */
export function webSink(first: Uint8Array): { sink: SseSink; body: ReadableStream<Uint8Array> } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let done = false;
  const closers: (() => void)[] = [];
  const finish = (): void => {
    if (done) return;
    done = true;
    for (const f of closers.splice(0)) f();
  };
  const body = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
      c.enqueue(first);
    },
    cancel: finish,
  });
  return {
    body,
    sink: {
      write: (chunk) => {
        if (!done) controller.enqueue(chunk);
        return true;
      },
      end: () => {
        if (done) return;
        controller.close();
        finish();
      },
      onClose: (f) => {
        if (done) f();
        else closers.push(f);
      },
      onDrain: () => {},
    },
  };
}

const encoder = new TextEncoder();

/** One SSE event as bytes: `event:`, one `data:` line per line of `data`, then `id:`. */
export function encodeEvent(event: string, data: string, id?: string): Uint8Array {
  const lines = data.split(/\r\n|\r|\n/).join("\ndata: ");
  return encoder.encode(`event: ${event}\ndata: ${lines}\n${id === undefined ? "" : `id: ${id}\n`}\n`);
}

const PING = encoder.encode(": ping\n\n");

/** The first event of every stream: `ready` with the cursor it starts after. */
export function readyEvent(cursor: number): Uint8Array {
  return encodeEvent("ready", JSON.stringify({ cursor }));
}

/** A change event, encoded once per change entry (streams of one group share the page's entries). */
const changeBytes = new WeakMap<ChangeEntry, Uint8Array>();
function changeEvent(ch: ChangeEntry): Uint8Array {
  let b = changeBytes.get(ch);
  if (b === undefined) {
    b = encodeEvent("change", JSON.stringify(ch), String(ch.cursor));
    changeBytes.set(ch, b);
  }
  return b;
}

/** Options of {@link SseFeed}. */
export interface SseFeedOptions {
  store: HubStore;
  /** Heartbeat interval (ms); the token is re-checked at each. */
  heartbeatMs: number;
  /** Clock for the token's expiry. */
  now: () => Date;
  /** Changes per query (default 500). */
  pageLimit?: number;
  /** Where a store error is reported (default: stderr). */
  log?: (message: string) => void;
}

interface Stream {
  sink: SseSink;
  tokenHash: string;
  /** Cursor of the last change written to this stream. */
  cursor: number;
  group: Group;
  /** The sink was full: skipped until it drains. */
  full: boolean;
  ended: boolean;
  heartbeat: ReturnType<typeof setInterval> | undefined;
}

interface Group {
  key: string;
  /** The viewer whose scoped query serves the group (all have the same user and teams). */
  viewer: Viewer;
  streams: Set<Stream>;
  running: boolean;
  /** Something may have changed since the running pass started. */
  dirty: boolean;
}

/** Counters (for tests and benchmarks). */
export interface SseStats {
  /** Open streams. */
  streams: number;
  /** Groups (distinct user + teams) with open streams. */
  groups: number;
  /** Change reads asked of the store (one per group and cursor; most are answered from memory). */
  reads: number;
  /** Events written (change events, one per stream). */
  events: number;
}

/** Streams of the change feed, fanned out per user; see the module comment. */
export class SseFeed {
  private readonly groups = new Map<string, Group>();
  private readonly opts: Required<Omit<SseFeedOptions, "log">> & { log: (m: string) => void };
  private closed = false;
  private pending: Group[] = [];
  private scheduled = false;
  readonly stats: SseStats = { streams: 0, groups: 0, reads: 0, events: 0 };

  constructor(opts: SseFeedOptions) {
    this.opts = {
      pageLimit: 500,
      log: (m) => process.stderr.write(`${m}\n`),
      ...opts,
    };
  }

  /**
   * Starts a stream: `sinkFor(first)` makes its sink and writes `first` (`ready` with `cursor`, from
   * the caller: Last-Event-ID or the viewer's head); then every visible change after `cursor` follows.
   * Ends at once when the feed is closed.
   */
  open(viewer: Viewer, tokenHash: string, cursor: number, sinkFor: (first: Uint8Array) => SseSink): void {
    const sink = sinkFor(readyEvent(cursor));
    if (this.closed) {
      sink.end();
      return;
    }
    const key = `${viewer.user.id}|${viewer.teams.map((t) => t.team.id).join(",")}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { key, viewer, streams: new Set(), running: false, dirty: false };
      this.groups.set(key, group);
      this.stats.groups++;
    }
    const s: Stream = { sink, tokenHash, cursor, group, full: false, ended: false, heartbeat: undefined };
    group.streams.add(s);
    this.stats.streams++;
    s.heartbeat = setInterval(() => void this.beat(s), this.opts.heartbeatMs);
    sink.onClose(() => this.drop(s));
    sink.onDrain(() => {
      if (!s.full || s.ended) return;
      s.full = false;
      this.mark(s.group); // catch up from its own cursor
    });
    // catch up from the start cursor (nothing to send when it is the head: answered from memory)
    this.mark(group);
  }

  /** Something changed in the store: every group runs its query (in batches, first come first). */
  wake(): void {
    for (const g of this.groups.values()) this.mark(g);
  }

  /** Ends every stream; later {@link open}s end at once. */
  close(): void {
    this.closed = true;
    for (const g of [...this.groups.values()]) for (const s of [...g.streams]) this.end(s);
  }

  private mark(g: Group): void {
    if (this.closed) return;
    if (g.dirty) return;
    g.dirty = true;
    if (g.running) return; // the running pass loops once more
    this.pending.push(g);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  /** Starts the pending groups' passes; each writes as soon as its own query answers. */
  private drain(): void {
    this.scheduled = false;
    const gs = this.pending;
    this.pending = [];
    for (const g of gs) if (!g.running && g.streams.size > 0) void this.run(g);
  }

  /** Runs `g`'s query until every stream of it has every change (loops while it gets marked). */
  private async run(g: Group): Promise<void> {
    g.running = true;
    try {
      while (g.dirty && !this.closed) {
        g.dirty = false;
        // streams by cursor: usually one (they got the same events), more after a Last-Event-ID or a stall
        const byCursor = new Map<number, Stream[]>();
        for (const s of g.streams) {
          if (s.full || s.ended) continue;
          const list = byCursor.get(s.cursor);
          if (list) list.push(s);
          else byCursor.set(s.cursor, [s]);
        }
        for (const [cursor, streams] of byCursor) await this.catchUp(g, cursor, streams);
      }
    } catch (e) {
      this.opts.log(`hub: the change feed of an event stream failed: ${(e as Error).stack ?? e}`);
      for (const s of [...g.streams]) this.end(s);
    } finally {
      g.running = false;
      if (g.streams.size === 0) this.forget(g);
      else if (g.dirty && !this.closed) {
        g.dirty = false;
        this.mark(g);
      }
    }
  }

  /** Writes every change after `cursor` to `streams` (all at that cursor), page by page. */
  private async catchUp(g: Group, cursor: number, streams: Stream[]): Promise<void> {
    let after = cursor;
    for (;;) {
      this.stats.reads++;
      const page: ChangePage = await this.opts.store.changes(g.viewer, {
        after,
        limit: this.opts.pageLimit,
      });
      if (page.changes.length > 0) {
        const events = page.changes.map(changeEvent);
        for (const s of streams) {
          if (s.ended || s.full || s.cursor !== after) continue;
          let ok = true;
          if (events.length > 1) s.sink.cork?.();
          for (const ev of events) ok = s.sink.write(ev);
          if (events.length > 1) s.sink.uncork?.();
          this.stats.events += events.length;
          s.cursor = page.cursor;
          if (!ok) s.full = true;
        }
      } else for (const s of streams) if (s.cursor === after) s.cursor = page.cursor;
      if (!page.more) return;
      after = page.cursor;
      streams = streams.filter((s) => !s.ended && !s.full && s.cursor === after);
      if (streams.length === 0) return;
    }
  }

  /** The heartbeat: re-checks the token, then pings (or says why and ends). */
  private async beat(s: Stream): Promise<void> {
    if (s.ended) return;
    let valid: boolean;
    try {
      valid =
        (await this.opts.store.viewerForToken(s.tokenHash, this.opts.now().toISOString())) !== undefined;
    } catch (e) {
      this.opts.log(`hub: the token check of an event stream failed: ${(e as Error).message}`);
      this.end(s);
      return;
    }
    if (s.ended) return;
    if (!valid) {
      s.sink.write(
        encodeEvent(
          "error",
          JSON.stringify({ error: { code: "unauthorized", message: "token revoked or expired" } }),
        ),
      );
      this.end(s);
      return;
    }
    s.sink.write(PING);
  }

  private end(s: Stream): void {
    if (s.ended) return;
    this.drop(s);
    s.sink.end();
  }

  /** Forgets `s` (the client left, or it ended). */
  private drop(s: Stream): void {
    if (s.ended) return;
    s.ended = true;
    clearInterval(s.heartbeat);
    s.group.streams.delete(s);
    this.stats.streams--;
    if (s.group.streams.size === 0 && !s.group.running) this.forget(s.group);
  }

  private forget(g: Group): void {
    if (this.groups.get(g.key) === g) {
      this.groups.delete(g.key);
      this.stats.groups--;
    }
  }
}
