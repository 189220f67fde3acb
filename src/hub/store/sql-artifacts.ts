/**
 * Artifacts of the SQL hub store: reads (list, get, history) and writes (put, delete).
 *
 * Guarantees: every write runs in one transaction that also takes the feed lock, so the
 * read-check-write of a revision is never interleaved with another write and change cursors become
 * visible in increasing order (a poller never skips a change that commits late).
 */
import { SkillsyncError } from "../../core/errors.js";
import type { Kind } from "../../core/names.js";
import { sha256Hex } from "../../core/tree-hash.js";
import {
  type ArtifactRow,
  accessTo,
  type FileRef,
  isDeleted,
  placeholders,
  principalByName,
  readableOwners,
  type SqlDriver,
  type SqlQueryer,
  storedTreeHash,
  toMeta,
} from "./sql-driver.js";
import type {
  ArtifactKey,
  ArtifactWithFiles,
  DeleteInput,
  HubStore,
  Principal,
  PutInput,
  StoredFile,
  VersionMeta,
  WriteResult,
} from "./types.js";

interface VersionRow {
  revision: number | string;
  op: "put" | "delete";
  version: string;
  tree_hash: string;
  files: string;
  created_at: string;
  created_by: string;
}

/** The store methods about artifacts. */
export type ArtifactMethods = Pick<
  HubStore,
  "listArtifacts" | "getArtifact" | "listVersions" | "putArtifact" | "deleteArtifact"
>;

/**
 * Builds the artifact methods over `driver`; `committed(cursor, ownerId)` is called after each
 * write's transaction has committed.
 */
export function createArtifactMethods(
  driver: SqlDriver,
  committed: (cursor: number, ownerId: number) => void,
): ArtifactMethods {
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
    await driver.notify(q, cursor, input.owner.id);
    return cursor;
  }

  return {
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
      let ownerId: number | undefined;
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
          ownerId = owner.id;
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
      if (cursor !== undefined && ownerId !== undefined) committed(cursor, ownerId);
      return result;
    },

    async deleteArtifact(viewer, input: DeleteInput): Promise<WriteResult> {
      let cursor: number | undefined;
      let ownerId: number | undefined;
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
          ownerId = owner.id;
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
      if (cursor !== undefined && ownerId !== undefined) committed(cursor, ownerId);
      return result;
    },
  };
}
