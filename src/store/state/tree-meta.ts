/**
 * Table `tree_meta` (module `tree-meta`): version, description and validity of a tree, keyed by its
 * tree hash, so they are parsed once per content. Rows never go stale (the key is the content).
 */
import type { Statement } from "better-sqlite3";
import { ensureStateSchema, type StateDb } from "../state-db.js";

/** What is known of one tree. */
export interface TreeMetaRow {
  version: string;
  description: string | null;
  valid: boolean;
}

type Raw = { version: string; description: string | null; valid: number };

interface Statements {
  get: Statement;
  put: Statement;
  all: Statement;
  /** Every row, once {@link preloadTreeMetaRows} ran (one query instead of one per artifact). */
  rows?: Map<string, Raw>;
}

const statements = new WeakMap<StateDb, Statements>();

/** Prepared statements, made once per open database. */
function stmts(d: StateDb): Statements {
  let m = statements.get(d);
  if (!m) {
    const db = ensureStateSchema(d, "tree-meta");
    m = {
      get: db.prepare("SELECT version, description, valid FROM tree_meta WHERE sha = ?"),
      put: db.prepare(
        "INSERT OR REPLACE INTO tree_meta (sha, version, description, valid) VALUES (?, ?, ?, ?)",
      ),
      all: db.prepare("SELECT sha, version, description, valid FROM tree_meta"),
    };
    statements.set(d, m);
  }
  return m;
}

/** The row of tree hash `sha`, if any (from memory after {@link preloadTreeMetaRows}). */
export function readTreeMeta(d: StateDb, sha: string): TreeMetaRow | undefined {
  const m = stmts(d);
  const r = m.rows?.get(sha) ?? (m.get.get(sha) as Raw | undefined);
  return r ? { version: r.version, description: r.description, valid: r.valid === 1 } : undefined;
}

/** Stores the row of tree hash `sha`. */
export function writeTreeMeta(d: StateDb, sha: string, row: TreeMetaRow): void {
  const m = stmts(d);
  const raw: Raw = { version: row.version, description: row.description, valid: row.valid ? 1 : 0 };
  m.put.run(sha, raw.version, raw.description, raw.valid);
  m.rows?.set(sha, raw);
}

/**
 * Reads the whole table into memory for the following {@link readTreeMeta} calls of this process (a
 * status over 10,000 artifacts makes 20,000 lookups).
 */
export function preloadTreeMetaRows(d: StateDb): void {
  const m = stmts(d);
  if (m.rows) return;
  const rows = new Map<string, Raw>();
  for (const r of m.all.all() as (Raw & { sha: string })[]) rows.set(r.sha, r);
  m.rows = rows;
}
