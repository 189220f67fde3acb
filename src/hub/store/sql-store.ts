/**
 * The hub store's logic, written once over a tiny SQL driver ({@link SqlDriver}) that `sqlite.ts`
 * and `postgres.ts` provide. SQL here uses `?` placeholders and only what both dialects share.
 *
 * Guarantees: every write (put, delete) runs in one transaction that also takes the feed lock, so
 * the read-check-write of a revision is never interleaved with another write and change cursors
 * become visible in increasing order (a poller never skips a change that commits late).
 */
import { SkillsyncError } from "../../core/errors.js";
import type { Kind } from "../../core/names.js";
import { type FileMode, sha256Hex, treeHash } from "../../core/tree-hash.js";
import type {
  ArtifactKey,
  ArtifactMeta,
  ArtifactWithFiles,
  ChangeEntry,
  ChangePage,
  CreateTokenInput,
  DeleteInput,
  HubStore,
  Principal,
  PutInput,
  StoredFile,
  TeamRole,
  TokenRecord,
  VersionMeta,
  Viewer,
  WriteResult,
} from "./types.js";

/** Runs statements inside one transaction. */
export interface SqlQueryer {
  /** Rows of a query (or of `... RETURNING`). */
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** What a dialect provides to {@link createSqlHubStore}. */
export interface SqlDriver {
  readonly dialect: "sqlite" | "postgres";
  /**
   * Runs `fn` in one transaction (committed when it resolves, rolled back when it throws). With
   * `userId`, the transaction acts for that user (PostgreSQL: row-level security scope). Without
   * `userId` and `write`, `fn` must be a single read statement (a driver may skip the transaction).
   */
  tx<T>(fn: (q: SqlQueryer) => Promise<T>, opts?: { userId?: number; write?: boolean }): Promise<T>;
  /** Serialises writers until the end of the transaction (PostgreSQL advisory lock; SQLite: no-op). */
  lockFeed(q: SqlQueryer): Promise<void>;
  /** Announces a committed change to other processes (PostgreSQL NOTIFY; SQLite: no-op). */
  notify(q: SqlQueryer, cursor: number): Promise<void>;
  /** Subscribes to changes announced by other processes; returns the unsubscribe function. */
  listen(listener: (cursor: number) => void): () => void;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

interface PrincipalRow {
  id: number | string;
  name: string;
  type: "user" | "team";
  created_at: string;
}
interface ArtifactRow {
  id: number | string;
  owner_id: number | string;
  kind: Kind;
  name: string;
  version: string;
  tree_hash: string;
  revision: number | string;
  deleted: number | string | boolean;
  created_at: string;
  updated_at: string;
  updated_by: string;
}
interface VersionRow {
  revision: number | string;
  op: "put" | "delete";
  version: string;
  tree_hash: string;
  files: string;
  created_at: string;
  created_by: string;
}
interface ChangeRow {
  cursor: number | string;
  op: "put" | "delete";
  owner_name: string;
  kind: Kind;
  name: string;
  revision: number | string;
  version: string;
  tree_hash: string;
  at: string;
}
/** One file as recorded in a version row: the bytes live in `blobs` under `sha`. */
interface FileRef {
  path: string;
  mode: FileMode;
  sha: string;
  size: number;
}

function toPrincipal(r: PrincipalRow): Principal {
  return { id: Number(r.id), name: r.name, type: r.type, created_at: r.created_at };
}

function toMeta(owner: string, r: ArtifactRow): ArtifactMeta {
  return {
    owner,
    kind: r.kind,
    name: r.name,
    version: r.version,
    tree_hash: r.tree_hash,
    revision: Number(r.revision),
    created_at: r.created_at,
    updated_at: r.updated_at,
    updated_by: r.updated_by,
  };
}

function isDeleted(r: ArtifactRow): boolean {
  return r.deleted === true || Number(r.deleted) === 1;
}

function placeholders(n: number): string {
  return new Array(n).fill("?").join(", ");
}

/** Owner ids the viewer may read. */
function readableOwners(viewer: Viewer): number[] {
  return [viewer.user.id, ...viewer.teams.map((t) => t.team.id)];
}

/** How the viewer may access `owner`: "write", "read" or "none" (then: not found). */
function accessTo(viewer: Viewer, owner: Principal): "write" | "read" | "none" {
  if (owner.id === viewer.user.id) return "write";
  const m = viewer.teams.find((t) => t.team.id === owner.id);
  if (!m) return "none";
  return m.role === "reader" ? "read" : "write";
}

/** The tree hash of stored files (DESIGN.md "tree hash"). */
export function storedTreeHash(files: readonly { path: string; mode: FileMode; sha: string }[]): string {
  return treeHash(files.map((f) => ({ path: f.path, mode: f.mode, sha: f.sha })));
}

/**
 * Builds a {@link HubStore} over `driver`. Listeners registered with `onChange` hear about writes
 * made through this store right after commit, and about writes of other processes via the driver.
 */
export function createSqlHubStore(driver: SqlDriver): HubStore {
  const listeners = new Set<(cursor: number) => void>();
  const emit = (cursor: number): void => {
    for (const l of [...listeners]) {
      try {
        l(cursor);
      } catch {
        // a listener's failure must not break a write
      }
    }
  };
  const unlisten = driver.listen(emit);

  async function principalByName(q: SqlQueryer, name: string): Promise<Principal | undefined> {
    const rows = await q.all<PrincipalRow>(
      "SELECT id, name, type, created_at FROM principals WHERE name = ?",
      [name],
    );
    return rows[0] ? toPrincipal(rows[0]) : undefined;
  }

  async function addPrincipal(name: string, type: "user" | "team", now: string): Promise<Principal> {
    return driver.tx(
      async (q) => {
        const existing = await principalByName(q, name);
        if (existing)
          throw new SkillsyncError(
            "ALREADY_EXISTS",
            `the name '${name}' is already taken by a ${existing.type}; users and teams share one namespace, pick another name`,
          );
        const rows = await q.all<PrincipalRow>(
          "INSERT INTO principals (name, type, created_at) VALUES (?, ?, ?) RETURNING id, name, type, created_at",
          [name, type, now],
        );
        return toPrincipal(rows[0]!);
      },
      { write: true },
    );
  }

  async function artifactRow(q: SqlQueryer, ownerId: number, kind: Kind, name: string) {
    const rows = await q.all<ArtifactRow>(
      "SELECT * FROM artifacts WHERE owner_id = ? AND kind = ? AND name = ?",
      [ownerId, kind, name],
    );
    return rows[0];
  }

  async function loadFiles(q: SqlQueryer, refs: FileRef[]): Promise<StoredFile[]> {
    const shas = [...new Set(refs.map((r) => r.sha))];
    const bytes = new Map<string, Buffer>();
    for (let i = 0; i < shas.length; i += 500) {
      const chunk = shas.slice(i, i + 500);
      const rows = await q.all<{ sha: string; data: Buffer | Uint8Array }>(
        `SELECT sha, data FROM blobs WHERE sha IN (${placeholders(chunk.length)})`,
        chunk,
      );
      for (const r of rows) bytes.set(r.sha, Buffer.from(r.data));
    }
    return refs.map((r) => {
      const data = bytes.get(r.sha);
      if (!data) throw new SkillsyncError("INTERNAL", `hub database is missing blob ${r.sha} (${r.path})`);
      return { path: r.path, mode: r.mode, data };
    });
  }

  async function record(
    q: SqlQueryer,
    input: {
      artifactId: number;
      owner: Principal;
      key: ArtifactKey;
      op: "put" | "delete";
      revision: number;
      version: string;
      treeHash: string;
      files: FileRef[];
      now: string;
      by: string;
    },
  ): Promise<number> {
    await q.run(
      "INSERT INTO artifact_versions (artifact_id, owner_id, revision, op, version, tree_hash, files, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [
        input.artifactId,
        input.owner.id,
        input.revision,
        input.op,
        input.version,
        input.treeHash,
        JSON.stringify(input.files),
        input.now,
        input.by,
      ],
    );
    const rows = await q.all<{ cursor: number | string }>(
      "INSERT INTO changes (owner_id, owner_name, artifact_id, kind, name, op, revision, version, tree_hash, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING cursor",
      [
        input.owner.id,
        input.owner.name,
        input.artifactId,
        input.key.kind,
        input.key.name,
        input.op,
        input.revision,
        input.version,
        input.treeHash,
        input.now,
      ],
    );
    const cursor = Number(rows[0]!.cursor);
    await driver.notify(q, cursor);
    return cursor;
  }

  const store: HubStore = {
    dialect: driver.dialect,
    migrate: () => driver.migrate(),
    async close() {
      unlisten();
      listeners.clear();
      await driver.close();
    },

    addUser: (name, now) => addPrincipal(name, "user", now),
    addTeam: (name, now) => addPrincipal(name, "team", now),

    async addMember({ team, user, role }) {
      await driver.tx(
        async (q) => {
          const t = await principalByName(q, team);
          if (t?.type !== "team")
            throw new SkillsyncError(
              "NOT_FOUND",
              `no team '${team}' on this hub; add it with 'skillsync hub team add ${team}'`,
            );
          const u = await principalByName(q, user);
          if (u?.type !== "user")
            throw new SkillsyncError(
              "NOT_FOUND",
              `no user '${user}' on this hub; add it with 'skillsync hub user add ${user}'`,
            );
          const n = await q.run("UPDATE memberships SET role = ? WHERE team_id = ? AND user_id = ?", [
            role,
            t.id,
            u.id,
          ]);
          if (n === 0)
            await q.run("INSERT INTO memberships (team_id, user_id, role) VALUES (?, ?, ?)", [
              t.id,
              u.id,
              role,
            ]);
        },
        { write: true },
      );
    },

    getPrincipal: (name) => driver.tx((q) => principalByName(q, name)),

    async createToken(input: CreateTokenInput): Promise<TokenRecord> {
      return driver.tx(
        async (q) => {
          const u = await principalByName(q, input.user);
          if (u?.type !== "user")
            throw new SkillsyncError(
              "NOT_FOUND",
              `no user '${input.user}' on this hub; add it with 'skillsync hub user add ${input.user}'`,
            );
          await q.run(
            "INSERT INTO tokens (id, user_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            [input.id, u.id, input.hash, input.now, input.expires_at],
          );
          return {
            id: input.id,
            user_id: u.id,
            created_at: input.now,
            expires_at: input.expires_at,
            revoked_at: null,
          };
        },
        { write: true },
      );
    },

    async revokeToken(idOrHash, now) {
      return driver.tx(
        async (q) => {
          const rows = await q.all<{ id: string }>("SELECT id FROM tokens WHERE id = ? OR hash = ?", [
            idOrHash,
            idOrHash,
          ]);
          if (rows.length === 0) return false;
          await q.run("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [
            now,
            rows[0]!.id,
          ]);
          return true;
        },
        { write: true },
      );
    },

    async listUsers() {
      const rows = await driver.tx(async (q) =>
        q.all<{ name: string; created_at: string; team: string | null; role: TeamRole | null }>(
          "SELECT p.name, p.created_at, t.name AS team, m.role FROM principals p LEFT JOIN memberships m ON m.user_id = p.id LEFT JOIN principals t ON t.id = m.team_id WHERE p.type = 'user' ORDER BY p.name, t.name",
        ),
      );
      const out: { name: string; created_at: string; teams: { name: string; role: TeamRole }[] }[] = [];
      for (const r of rows) {
        let u = out[out.length - 1];
        if (u?.name !== r.name) out.push((u = { name: r.name, created_at: r.created_at, teams: [] }));
        if (r.team !== null && r.role !== null) u.teams.push({ name: r.team, role: r.role });
      }
      return out;
    },

    async listTeams() {
      const rows = await driver.tx(async (q) =>
        q.all<{ name: string; created_at: string; member: string | null; role: TeamRole | null }>(
          "SELECT t.name, t.created_at, u.name AS member, m.role FROM principals t LEFT JOIN memberships m ON m.team_id = t.id LEFT JOIN principals u ON u.id = m.user_id WHERE t.type = 'team' ORDER BY t.name, u.name",
        ),
      );
      const out: { name: string; created_at: string; members: { user: string; role: TeamRole }[] }[] = [];
      for (const r of rows) {
        let t = out[out.length - 1];
        if (t?.name !== r.name) out.push((t = { name: r.name, created_at: r.created_at, members: [] }));
        if (r.member !== null && r.role !== null) t.members.push({ user: r.member, role: r.role });
      }
      return out;
    },

    async listTokens(user) {
      const rows = await driver.tx(async (q) =>
        q.all<{
          id: string;
          user_id: number | string;
          user: string;
          created_at: string;
          expires_at: string | null;
          revoked_at: string | null;
        }>(
          `SELECT t.id, t.user_id, p.name AS user, t.created_at, t.expires_at, t.revoked_at FROM tokens t JOIN principals p ON p.id = t.user_id${user === undefined ? "" : " WHERE p.name = ?"} ORDER BY t.created_at, t.id`,
          user === undefined ? [] : [user],
        ),
      );
      return rows.map((r) => ({
        id: r.id,
        user_id: Number(r.user_id),
        user: r.user,
        created_at: r.created_at,
        expires_at: r.expires_at,
        revoked_at: r.revoked_at,
      }));
    },

    async viewerForToken(hash, now) {
      // One statement (token, user and memberships), the hot path of every request.
      const rows = await driver.tx(async (q) =>
        q.all<{
          tid: string;
          user_id: number | string;
          t_created: string;
          expires_at: string | null;
          revoked_at: string | null;
          name: string;
          p_created: string;
          role: TeamRole | null;
          team_id: number | string | null;
          team_name: string | null;
          team_created: string | null;
        }>(
          "SELECT t.id AS tid, t.user_id, t.created_at AS t_created, t.expires_at, t.revoked_at, p.name, p.created_at AS p_created, m.role, tp.id AS team_id, tp.name AS team_name, tp.created_at AS team_created FROM tokens t JOIN principals p ON p.id = t.user_id LEFT JOIN memberships m ON m.user_id = t.user_id LEFT JOIN principals tp ON tp.id = m.team_id WHERE t.hash = ? ORDER BY tp.name",
          [hash],
        ),
      );
      const r = rows[0];
      if (!r || r.revoked_at !== null) return undefined;
      if (r.expires_at !== null && r.expires_at <= now) return undefined;
      const userId = Number(r.user_id);
      return {
        user: { id: userId, name: r.name, type: "user", created_at: r.p_created },
        teams: rows
          .filter((t) => t.team_id !== null && t.role !== null)
          .map((t) => ({
            team: {
              id: Number(t.team_id),
              name: t.team_name!,
              type: "team" as const,
              created_at: t.team_created!,
            },
            role: t.role!,
          })),
        token: {
          id: r.tid,
          user_id: userId,
          created_at: r.t_created,
          expires_at: r.expires_at,
          revoked_at: null,
        },
      } satisfies Viewer;
    },

    async listArtifacts(viewer, filter) {
      return driver.tx(
        async (q) => {
          let owners = readableOwners(viewer);
          if (filter.owner !== undefined) {
            const o = await principalByName(q, filter.owner);
            if (!o || accessTo(viewer, o) === "none") return [];
            owners = [o.id];
          }
          const params: unknown[] = [...owners];
          let sql = `SELECT a.*, p.name AS owner_name FROM artifacts a JOIN principals p ON p.id = a.owner_id WHERE a.owner_id IN (${placeholders(owners.length)}) AND a.deleted = 0`;
          if (filter.kind !== undefined) {
            sql += " AND a.kind = ?";
            params.push(filter.kind);
          }
          sql += " ORDER BY p.name, a.kind, a.name";
          const rows = await q.all<ArtifactRow & { owner_name: string }>(sql, params);
          return rows.map((r) => toMeta(r.owner_name, r));
        },
        { userId: viewer.user.id },
      );
    },

    async getArtifact(viewer, key, revision) {
      return driver.tx(
        async (q) => {
          const owner = await principalByName(q, key.owner);
          if (!owner || accessTo(viewer, owner) === "none") return undefined;
          const a = await artifactRow(q, owner.id, key.kind, key.name);
          if (!a) return undefined;
          const rev = revision ?? Number(a.revision);
          if (revision === undefined && isDeleted(a)) return undefined;
          const vs = await q.all<VersionRow>(
            "SELECT revision, op, version, tree_hash, files, created_at, created_by FROM artifact_versions WHERE artifact_id = ? AND revision = ?",
            [a.id, rev],
          );
          const v = vs[0];
          if (v?.op !== "put") return undefined;
          const files = await loadFiles(q, JSON.parse(v.files) as FileRef[]);
          return {
            owner: owner.name,
            kind: a.kind,
            name: a.name,
            version: v.version,
            tree_hash: v.tree_hash,
            revision: Number(v.revision),
            created_at: a.created_at,
            updated_at: v.created_at,
            updated_by: v.created_by,
            files,
          } satisfies ArtifactWithFiles;
        },
        { userId: viewer.user.id },
      );
    },

    async listVersions(viewer, key) {
      return driver.tx(
        async (q) => {
          const owner = await principalByName(q, key.owner);
          if (!owner || accessTo(viewer, owner) === "none") return undefined;
          const a = await artifactRow(q, owner.id, key.kind, key.name);
          if (!a) return undefined;
          const vs = await q.all<VersionRow>(
            "SELECT revision, op, version, tree_hash, files, created_at, created_by FROM artifact_versions WHERE artifact_id = ? ORDER BY revision",
            [a.id],
          );
          return vs.map(
            (v): VersionMeta => ({
              revision: Number(v.revision),
              op: v.op,
              version: v.version,
              tree_hash: v.tree_hash,
              created_at: v.created_at,
              created_by: v.created_by,
            }),
          );
        },
        { userId: viewer.user.id },
      );
    },

    async putArtifact(viewer, input: PutInput): Promise<WriteResult> {
      const refs: FileRef[] = input.files.map((f) => ({
        path: f.path,
        mode: f.mode,
        sha: sha256Hex(f.data),
        size: f.data.length,
      }));
      const hash = storedTreeHash(refs);
      let cursor: number | undefined;
      const result = await driver.tx(
        async (q): Promise<WriteResult> => {
          const owner = await principalByName(q, input.key.owner);
          if (!owner) return { status: "not_found" };
          const access = accessTo(viewer, owner);
          if (access === "none") return { status: "not_found" };
          if (access === "read") return { status: "forbidden" };
          await driver.lockFeed(q);
          const a = await artifactRow(q, owner.id, input.key.kind, input.key.name);
          const live = a !== undefined && !isDeleted(a);
          if (live && a.tree_hash === hash && a.version === input.version)
            return { status: "ok", artifact: toMeta(owner.name, a), unchanged: true };
          const pre = input.precondition;
          if ("ifNoneMatch" in pre) {
            if (live) return { status: "conflict", current_revision: Number(a.revision) };
          } else if (!live) {
            return { status: "conflict", current_revision: null };
          } else if (Number(a.revision) !== pre.ifMatch) {
            return { status: "conflict", current_revision: Number(a.revision) };
          }
          const seen = new Set<string>();
          for (let i = 0; i < refs.length; i++) {
            const r = refs[i]!;
            if (seen.has(r.sha)) continue;
            seen.add(r.sha);
            await q.run("INSERT INTO blobs (sha, data) VALUES (?, ?) ON CONFLICT (sha) DO NOTHING", [
              r.sha,
              input.files[i]!.data,
            ]);
          }
          const revision = a ? Number(a.revision) + 1 : 1;
          let artifactId: number;
          let createdAt = input.now;
          if (a) {
            artifactId = Number(a.id);
            if (live) createdAt = a.created_at;
            await q.run(
              "UPDATE artifacts SET version = ?, tree_hash = ?, revision = ?, deleted = 0, created_at = ?, updated_at = ?, updated_by = ? WHERE id = ?",
              [input.version, hash, revision, createdAt, input.now, viewer.user.name, artifactId],
            );
          } else {
            const rows = await q.all<{ id: number | string }>(
              "INSERT INTO artifacts (owner_id, kind, name, version, tree_hash, revision, deleted, created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id",
              [
                owner.id,
                input.key.kind,
                input.key.name,
                input.version,
                hash,
                revision,
                input.now,
                input.now,
                viewer.user.name,
              ],
            );
            artifactId = Number(rows[0]!.id);
          }
          cursor = await record(q, {
            artifactId,
            owner,
            key: input.key,
            op: "put",
            revision,
            version: input.version,
            treeHash: hash,
            files: refs,
            now: input.now,
            by: viewer.user.name,
          });
          return {
            status: "ok",
            unchanged: false,
            artifact: {
              owner: owner.name,
              kind: input.key.kind,
              name: input.key.name,
              version: input.version,
              tree_hash: hash,
              revision,
              created_at: createdAt,
              updated_at: input.now,
              updated_by: viewer.user.name,
            },
          };
        },
        { userId: viewer.user.id, write: true },
      );
      if (cursor !== undefined) emit(cursor);
      return result;
    },

    async deleteArtifact(viewer, input: DeleteInput): Promise<WriteResult> {
      let cursor: number | undefined;
      const result = await driver.tx(
        async (q): Promise<WriteResult> => {
          const owner = await principalByName(q, input.key.owner);
          if (!owner) return { status: "not_found" };
          const access = accessTo(viewer, owner);
          if (access === "none") return { status: "not_found" };
          await driver.lockFeed(q);
          const a = await artifactRow(q, owner.id, input.key.kind, input.key.name);
          if (!a || isDeleted(a)) return { status: "not_found" };
          if (access === "read") return { status: "forbidden" };
          if (Number(a.revision) !== input.ifMatch)
            return { status: "conflict", current_revision: Number(a.revision) };
          const revision = Number(a.revision) + 1;
          await q.run(
            "UPDATE artifacts SET revision = ?, deleted = 1, tree_hash = '', updated_at = ?, updated_by = ? WHERE id = ?",
            [revision, input.now, viewer.user.name, a.id],
          );
          cursor = await record(q, {
            artifactId: Number(a.id),
            owner,
            key: input.key,
            op: "delete",
            revision,
            version: a.version,
            treeHash: "",
            files: [],
            now: input.now,
            by: viewer.user.name,
          });
          return {
            status: "ok",
            unchanged: false,
            artifact: {
              ...toMeta(owner.name, a),
              tree_hash: "",
              revision,
              updated_at: input.now,
              updated_by: viewer.user.name,
            },
          };
        },
        { userId: viewer.user.id, write: true },
      );
      if (cursor !== undefined) emit(cursor);
      return result;
    },

    async changes(viewer, { after, limit }): Promise<ChangePage> {
      const lim = Math.max(1, Math.min(1000, Math.floor(limit)));
      return driver.tx(
        async (q) => {
          const owners = readableOwners(viewer);
          const rows = await q.all<ChangeRow>(
            `SELECT cursor, op, owner_name, kind, name, revision, version, tree_hash, at FROM changes WHERE owner_id IN (${placeholders(owners.length)}) AND cursor > ? ORDER BY cursor LIMIT ?`,
            [...owners, after, lim + 1],
          );
          const more = rows.length > lim;
          const page = rows.slice(0, lim).map(
            (r): ChangeEntry => ({
              cursor: Number(r.cursor),
              op: r.op,
              owner: r.owner_name,
              kind: r.kind,
              name: r.name,
              revision: Number(r.revision),
              version: r.version,
              tree_hash: r.tree_hash,
              at: r.at,
            }),
          );
          return { changes: page, cursor: page.length > 0 ? page[page.length - 1]!.cursor : after, more };
        },
        { userId: viewer.user.id },
      );
    },

    async headCursor(viewer) {
      if (!viewer)
        return driver.tx(async (q) => {
          const rows = await q.all<{ c: number | string | null }>("SELECT max(cursor) AS c FROM changes");
          return Number(rows[0]?.c ?? 0);
        });
      const owners = readableOwners(viewer);
      return driver.tx(
        async (q) => {
          const rows = await q.all<{ c: number | string | null }>(
            `SELECT max(cursor) AS c FROM changes WHERE owner_id IN (${placeholders(owners.length)})`,
            owners,
          );
          return Number(rows[0]?.c ?? 0);
        },
        { userId: viewer.user.id },
      );
    },

    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return store;
}
