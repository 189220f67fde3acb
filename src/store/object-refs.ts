/**
 * Object references held in `state.db`, for the object store's garbage collection (`sync/gc.ts`).
 * Deliberately generic and conservative: every 64-hex string in any text column of any table counts
 * as a reference (hub bases, outbox entries, git upstream bases, conflict reports in the daemon's
 * history, stat-cache blob hashes, …), so a table added later is covered without editing this file,
 * and gc never deletes an object that some row might name. Keeping a few extra objects is the price.
 */
import { existsSync } from "node:fs";
import { openStateDb } from "./state-db.js";

const SHA = /[0-9a-f]{64}/g;

/**
 * Adds to `into` every 64-hex token found in the text columns of `stateDb` (nothing when the file
 * does not exist), and to `paths` every distinct text value that looks like an absolute path
 * (candidates for project folders whose deployment records gc must read). Reads only.
 */
export function collectStateDbRefs(stateDb: string, into: Set<string>, paths?: Set<string>): void {
  if (!existsSync(stateDb)) return;
  const db = openStateDb(stateDb);
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all() as { name: string }[];
  for (const { name } of tables) {
    const cols = db.prepare(`SELECT name, type FROM pragma_table_info(?)`).all(name) as {
      name: string;
      type: string;
    }[];
    for (const col of cols) {
      if (col.type && !/TEXT|CHAR|CLOB/i.test(col.type)) continue;
      const quoted = `"${col.name.replace(/"/g, '""')}"`;
      const table = `"${name.replace(/"/g, '""')}"`;
      for (const row of db
        .prepare(`SELECT DISTINCT ${quoted} AS v FROM ${table} WHERE typeof(${quoted}) = 'text'`)
        .iterate() as Iterable<{ v: string }>) {
        if (row.v.length >= 64) for (const m of row.v.matchAll(SHA)) into.add(m[0]);
        if (paths && row.v.startsWith("/") && row.v.length < 4096 && !row.v.includes("\n")) paths.add(row.v);
      }
    }
  }
}
