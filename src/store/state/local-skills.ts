/**
 * Table `local_skills` (module `daemon`): what the daemon's last scan found on disk, so
 * `skillsync auto status` and the web UI answer without walking the folders again.
 */
import { ensureStateSchema, type StateDb } from "../state-db.js";

/** One artifact found on disk (one row of `local_skills`). */
export interface LocalSkill {
  /** `collection`, or the absolute path of a registered project. */
  location: string;
  kind: string;
  name: string;
  /** Absolute path of the artifact's folder (skills) or file. */
  path: string;
  /** Tree hash (DESIGN.md), null when unreadable. */
  tree_hash: string | null;
  valid: boolean;
  /** Validation errors, one line each (`file:line: message`). */
  problems: string[];
  version: string | null;
  /** ISO 8601 UTC of the last scan that saw it. */
  last_seen: string;
}

interface SkillRow {
  location: string;
  kind: string;
  name: string;
  path: string;
  tree_hash: string | null;
  valid: number;
  problems: string;
  version: string | null;
  last_seen: string;
}

function db(d: StateDb): StateDb {
  return ensureStateSchema(d, "daemon");
}

function toLocalSkill(r: SkillRow): LocalSkill {
  return { ...r, valid: r.valid === 1, problems: JSON.parse(r.problems) as string[] };
}

/** Every row of `local_skills`, by location, kind, name. */
export function listLocalSkills(d: StateDb): LocalSkill[] {
  return (db(d).prepare("SELECT * FROM local_skills ORDER BY location, kind, name").all() as SkillRow[]).map(
    toLocalSkill,
  );
}

/** The rows of one location. */
export function listLocalSkillsAt(d: StateDb, location: string): LocalSkill[] {
  return (db(d).prepare("SELECT * FROM local_skills WHERE location = ?").all(location) as SkillRow[]).map(
    toLocalSkill,
  );
}

/** The row at `path`, if any. */
export function localSkillAt(d: StateDb, path: string): LocalSkill | undefined {
  const r = db(d).prepare("SELECT * FROM local_skills WHERE path = ?").get(path) as SkillRow | undefined;
  return r ? toLocalSkill(r) : undefined;
}

/** Inserts or updates rows (one transaction). */
export function upsertLocalSkills(d: StateDb, rows: readonly LocalSkill[]): void {
  const put = db(d).prepare(
    `INSERT INTO local_skills (location, kind, name, path, tree_hash, valid, problems, version, last_seen)
     VALUES (@location, @kind, @name, @path, @tree_hash, @valid, @problems, @version, @last_seen)
     ON CONFLICT(location, kind, name) DO UPDATE SET path = excluded.path, tree_hash = excluded.tree_hash,
       valid = excluded.valid, problems = excluded.problems, version = excluded.version, last_seen = excluded.last_seen`,
  );
  d.transaction(() => {
    for (const r of rows) put.run({ ...r, valid: r.valid ? 1 : 0, problems: JSON.stringify(r.problems) });
  })();
}

/** Deletes the rows of `location` whose path is not in `keep`. @returns how many were deleted */
export function pruneLocalSkills(d: StateDb, opts: { location: string; keep: ReadonlySet<string> }): number {
  const rows = db(d).prepare("SELECT path FROM local_skills WHERE location = ?").all(opts.location) as {
    path: string;
  }[];
  const del = d.prepare("DELETE FROM local_skills WHERE location = ? AND path = ?");
  let n = 0;
  d.transaction(() => {
    for (const r of rows)
      if (!opts.keep.has(r.path)) {
        del.run(opts.location, r.path);
        n++;
      }
  })();
  return n;
}

/** Deletes every row whose location is not in `locations` (an unregistered project). */
export function dropOtherLocations(d: StateDb, locations: readonly string[]): void {
  const all = db(d).prepare("SELECT DISTINCT location FROM local_skills").all() as { location: string }[];
  const del = d.prepare("DELETE FROM local_skills WHERE location = ?");
  for (const r of all) if (!locations.includes(r.location)) del.run(r.location);
}

/** Deletes the row at `path` (the artifact is gone). */
export function deleteLocalSkillAt(d: StateDb, path: string): void {
  db(d).prepare("DELETE FROM local_skills WHERE path = ?").run(path);
}
