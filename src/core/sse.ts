/**
 * Server-sent events, the text format only (no I/O): the hub client reads its event stream with it.
 */

/** One server-sent event. */
export interface SseEvent {
  /** The `event:` field, default `message`. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The `id:` field, if any. */
  id: string | undefined;
}

/**
 * Parses server-sent-event text (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * blocks separated by a blank line, `field: value` lines, `:` comments skipped, `data` lines joined.
 * A block with neither data nor an event name dispatches nothing. Returns the complete events and
 * the unparsed rest (an incomplete last block).
 */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const blocks = buffer.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    let id: string | undefined;
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const j = line.indexOf(":");
      const field = j < 0 ? line : line.slice(0, j);
      const v = j < 0 ? "" : line.slice(j + 1).replace(/^ /, "");
      if (field === "event") event = v;
      else if (field === "data") data.push(v);
      else if (field === "id") id = v;
    }
    if (data.length > 0 || event !== "message") events.push({ event, data: data.join("\n"), id });
  }
  return { events, rest };
}
