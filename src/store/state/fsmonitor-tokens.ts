/**
 * Table `fsmonitor_tokens` (module `fsmonitor`): per watched root, the daemon's token of the last
 * file-system-monitor answer a `status` used; the next status asks "what changed since this token".
 */
import { ensureStateSchema, type StateDb } from "../state-db.js";

/** The stored token of each of `roots` (`""` for a root never asked about). */
export function readFsmonitorTokens(d: StateDb, roots: readonly string[]): Map<string, string> {
  const get = ensureStateSchema(d, "fsmonitor").prepare("SELECT token FROM fsmonitor_tokens WHERE root = ?");
  const out = new Map<string, string>();
  for (const root of roots) out.set(root, (get.get(root) as { token: string } | undefined)?.token ?? "");
  return out;
}

/** Stores the tokens of an answer that was used (one transaction). */
export function writeFsmonitorTokens(d: StateDb, tokens: ReadonlyMap<string, string>): void {
  const db = ensureStateSchema(d, "fsmonitor");
  const put = db.prepare(
    "INSERT INTO fsmonitor_tokens (root, token) VALUES (?, ?) ON CONFLICT(root) DO UPDATE SET token = excluded.token",
  );
  db.transaction(() => {
    for (const [root, token] of tokens) put.run(root, token);
  })();
}
