/**
 * Scanning the collection and the registered projects into `local_skills`: name, kind, location,
 * tree hash, validity and last seen. Unchanged files are not re-read (the stat cache of
 * `src/store/stat-cache.ts` knows their hashes), and validation runs only when a tree hash changed.
 */
import { join, relative, sep } from "node:path";
import {
  COLLECTION_LAYOUT,
  DEFAULT_PROFILE,
  DEPLOYMENT_RECORD_PATH,
  type Layout,
  PROJECT_PROFILES,
} from "../core/layout.js";
import { artifactNameProblem, KINDS } from "../core/names.js";
import { discoverArtifacts, type Located, locate } from "../store/collection.js";
import type { Config } from "../store/config.js";
import { type DeployRecord, readDeployRecord } from "../store/deploy-record.js";
import { TEMP_MARKER } from "../store/fs.js";
import { collectionDir } from "../store/home.js";
import type { StatCache } from "../store/stat-cache.js";
import {
  deleteLocalSkillAt,
  dropOtherLocations,
  listLocalSkillsAt,
  localSkillAt,
  pruneLocalSkills,
  upsertLocalSkills,
} from "../store/state/local-skills.js";
import type { StateDb } from "../store/state-db.js";
import { readTree } from "../store/tree-read.js";
import { validateLocated } from "../sync/artifact-info.js";
import { projectTargetSet } from "../sync/targets.js";
import type { LocalSkill } from "./context.js";

/** The location name of the collection in `local_skills`; projects use their absolute path. */
export const COLLECTION_LOCATION = "collection";

/** One folder the daemon scans and watches, with its layout. */
export interface ScanRoot {
  /** `collection` or the project's absolute path. */
  location: string;
  /** Absolute folder. */
  root: string;
  layout: Layout;
  /**
   * A project's other targets' skills folders (`.agents/skills`, `.windsurf/skills`, …; issue 11),
   * relative to `root`: watched, and a change in them starts a sync (which covers every target),
   * though their artifacts are not scanned into `local_skills`.
   */
  extraDirs?: string[];
}

/**
 * The skills folders of a project's targets other than Claude Code's layout (`projectTargetSet`: its
 * configured agents and those its deployment record names). A corrupt record or an unknown agent id
 * adds nothing here; the next sync reports it.
 */
export function extraTargetDirs(project: string, config: Config, layout: Layout): string[] {
  let record: DeployRecord | undefined;
  try {
    record = readDeployRecord(join(project, ...DEPLOYMENT_RECORD_PATH.split("/")));
  } catch {
    record = undefined;
  }
  let dirs: string[];
  try {
    dirs = projectTargetSet({ config, layout, project, record }).targets.flatMap((t) =>
      t.layout.skill ? [t.layout.skill.dir] : [],
    );
  } catch {
    return [];
  }
  return [...new Set(dirs)].filter((d) => d !== layout.skill.dir).sort();
}

/** The collection and every registered project of `config`, as scan roots. */
export function scanRootsFor(opts: { home: string; config: Config; collection: string }): ScanRoot[] {
  const layout = PROJECT_PROFILES[opts.config.profile] ?? PROJECT_PROFILES[DEFAULT_PROFILE]!;
  return [
    {
      location: COLLECTION_LOCATION,
      root: collectionDir(opts.home, opts.collection),
      layout: COLLECTION_LAYOUT,
    },
    ...opts.config.projects.map((p) => {
      const extraDirs = extraTargetDirs(p, opts.config, layout);
      return { location: p, root: p, layout, ...(extraDirs.length > 0 ? { extraDirs } : {}) };
    }),
  ];
}

/** `abs` relative to `root` with `/` separators, or undefined when outside it. */
export function relativeInside(root: string, abs: string): string | undefined {
  const rel = relative(root, abs);
  if (rel === "") return "";
  if (rel.startsWith("..") || rel.startsWith(sep) || /^[a-zA-Z]:/.test(rel)) return undefined;
  return rel.split(sep).join("/");
}

/** The artifact a changed path belongs to: the root and the located artifact, or undefined. */
export function artifactForPath(
  roots: readonly ScanRoot[],
  abs: string,
): { root: ScanRoot; loc: Located } | undefined {
  let best: { root: ScanRoot; loc: Located; depth: number } | undefined;
  for (const root of roots) {
    const rel = relativeInside(root.root, abs);
    if (rel === undefined || rel === "") continue;
    for (const kind of KINDS) {
      const p = root.layout[kind];
      const prefix = `${p.dir}/`;
      if (!rel.startsWith(prefix)) continue;
      const rest = rel.slice(prefix.length).split("/");
      const first = rest[0];
      if (!first || first.startsWith(".") || first.includes(TEMP_MARKER)) continue;
      let name: string;
      if (p.form === "folder") name = first;
      else {
        const ext = p.ext ?? "";
        if (rest.length !== 1 || !first.endsWith(ext)) continue;
        name = first.slice(0, first.length - ext.length);
      }
      if (artifactNameProblem(kind, name)) continue;
      const depth = root.root.length;
      if (!best || depth > best.depth)
        best = { root, loc: locate(root.root, root.layout, kind, name), depth };
    }
  }
  return best ? { root: best.root, loc: best.loc } : undefined;
}

/** Options of {@link scanArtifact}. */
export interface ScanArtifactOptions {
  db: StateDb;
  cache: StatCache;
  root: ScanRoot;
  loc: Located;
  /** ISO 8601 UTC of this scan. */
  seenAt: string;
}

/** What scanning one artifact found. */
export interface ScanOutcome {
  /** The row now in `local_skills`, undefined when the artifact is gone. */
  row: LocalSkill | undefined;
  /** Tree hash before this scan (undefined when new). */
  previousHash: string | null | undefined;
  /** True when the tree hash (or presence) changed. */
  changed: boolean;
}

function buildRow(opts: ScanArtifactOptions, prev: LocalSkill | undefined): LocalSkill | undefined {
  const { loc } = opts;
  let hash: string | null = null;
  let problems: string[] = [];
  try {
    const tree = readTree({
      path: loc.path,
      form: loc.form,
      ...(loc.entryName ? { entryName: loc.entryName } : {}),
      cache: opts.cache,
    });
    if (!tree) return undefined;
    hash = tree.sha;
  } catch (e) {
    problems = [(e as Error).message];
  }
  let valid = problems.length === 0;
  let version: string | null = null;
  if (prev && hash !== null && prev.tree_hash === hash) {
    valid = prev.valid;
    problems = prev.problems;
    version = prev.version;
  } else if (hash !== null) {
    const v = validateLocated(loc);
    const errors = v.problems.filter((p) => p.severity === "error");
    valid = errors.length === 0;
    problems = errors.map((p) => `${p.file}${p.line === undefined ? "" : `:${p.line}`}: ${p.message}`);
    version = v.version;
  }
  return {
    location: opts.root.location,
    kind: loc.kind,
    name: loc.name,
    path: loc.path,
    tree_hash: hash,
    valid,
    problems,
    version,
    last_seen: opts.seenAt,
  };
}

/** Rescans one artifact and updates its `local_skills` row (deleting it when the artifact is gone). */
export function scanArtifact(opts: ScanArtifactOptions): ScanOutcome {
  const prev = localSkillAt(opts.db, opts.loc.path);
  const row = buildRow(opts, prev);
  if (row) upsertLocalSkills(opts.db, [row]);
  else if (prev) deleteLocalSkillAt(opts.db, opts.loc.path);
  opts.cache.flush();
  return {
    row,
    previousHash: prev?.tree_hash,
    changed: row?.tree_hash !== prev?.tree_hash || (row === undefined) !== (prev === undefined),
  };
}

/** Artifacts scanned between two yields to the event loop. */
const YIELD_EVERY = 100;

/** Options of {@link scanAll}. */
export interface ScanAllOptions {
  db: StateDb;
  cache: StatCache;
  roots: readonly ScanRoot[];
  seenAt: string;
}

/**
 * Full scan: every artifact under every root into `local_skills`; rows of artifacts no longer
 * there, and of projects no longer registered, are deleted.
 * @returns the artifacts whose tree hash changed since the last scan (by absolute path) and the count seen
 */
export async function scanAll(opts: ScanAllOptions): Promise<{ count: number; changed: LocalSkill[] }> {
  const changed: LocalSkill[] = [];
  let count = 0;
  dropOtherLocations(
    opts.db,
    opts.roots.map((r) => r.location),
  );
  for (const root of opts.roots) {
    const found = discoverArtifacts(root.root, root.layout);
    const before = new Map(listLocalSkillsAt(opts.db, root.location).map((r) => [r.path, r]));
    const keep = new Set<string>();
    const rows: LocalSkill[] = [];
    for (const [i, loc] of found.entries()) {
      // Yield now and then so the API and watcher stay responsive during a scan of thousands.
      if (i > 0 && i % YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r));
      const prev = before.get(loc.path);
      const row = buildRow({ ...opts, root, loc }, prev);
      if (!row) continue;
      keep.add(loc.path);
      rows.push(row);
      if (row.tree_hash !== prev?.tree_hash) changed.push(row);
    }
    upsertLocalSkills(opts.db, rows);
    pruneLocalSkills(opts.db, { location: root.location, keep });
    opts.cache.flush();
    count += rows.length;
  }
  return { count, changed };
}
