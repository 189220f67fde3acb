/**
 * Users, teams, memberships and tokens of the SQL hub store (the admin side and the token lookup).
 * Changes that alter what a token resolves to (revocation, memberships) are announced with
 * {@link SqlDriver.notifyAuth} so other hub processes drop their cached viewers.
 */
import { SkillsyncError } from "../../core/errors.js";
import {
  type PrincipalRow,
  principalByName,
  type SqlDriver,
  type SqlQueryer,
  toPrincipal,
} from "./sql-driver.js";
import type { CreateTokenInput, HubStore, Principal, TeamRole, TokenRecord, Viewer } from "./types.js";

/** The store methods about principals and tokens, without caching. */
export type PrincipalMethods = Pick<
  HubStore,
  | "addUser"
  | "addTeam"
  | "addMember"
  | "getPrincipal"
  | "createToken"
  | "revokeToken"
  | "listUsers"
  | "listTeams"
  | "listTokens"
  | "viewerForToken"
>;

function noUser(name: string): SkillsyncError {
  return new SkillsyncError(
    "NOT_FOUND",
    `no user '${name}' on this hub; add it with 'skillsync hub user add ${name}'`,
  );
}

/**
 * Principals of one type with their memberships, by name: users with their teams or teams with
 * their members (one query; `other` is the team of a user or the member of a team).
 */
async function listWithMemberships(
  driver: SqlDriver,
  type: "user" | "team",
): Promise<{ name: string; created_at: string; links: { other: string; role: TeamRole }[] }[]> {
  const [self, other] = type === "user" ? ["user_id", "team_id"] : ["team_id", "user_id"];
  const rows = await driver.tx((q) =>
    q.all<{ name: string; created_at: string; other: string | null; role: TeamRole | null }>(
      `SELECT p.name, p.created_at, o.name AS other, m.role FROM principals p LEFT JOIN memberships m ON m.${self} = p.id LEFT JOIN principals o ON o.id = m.${other} WHERE p.type = ? ORDER BY p.name, o.name`,
      [type],
    ),
  );
  const out: { name: string; created_at: string; links: { other: string; role: TeamRole }[] }[] = [];
  for (const r of rows) {
    let p = out[out.length - 1];
    if (p?.name !== r.name) out.push((p = { name: r.name, created_at: r.created_at, links: [] }));
    if (r.other !== null && r.role !== null) p.links.push({ other: r.other, role: r.role });
  }
  return out;
}

/** Builds the principal and token methods over `driver` (uncached; see `sql-store.ts`). */
export function createPrincipalMethods(driver: SqlDriver): PrincipalMethods {
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

  return {
    addUser: (name, now) => addPrincipal(name, "user", now),
    addTeam: (name, now) => addPrincipal(name, "team", now),

    async addMember({ team, user, role }) {
      await driver.tx(
        async (q: SqlQueryer) => {
          const t = await principalByName(q, team);
          if (t?.type !== "team")
            throw new SkillsyncError(
              "NOT_FOUND",
              `no team '${team}' on this hub; add it with 'skillsync hub team add ${team}'`,
            );
          const u = await principalByName(q, user);
          if (u?.type !== "user") throw noUser(user);
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
          await driver.notifyAuth(q);
        },
        { write: true },
      );
    },

    getPrincipal: (name) => driver.tx((q) => principalByName(q, name)),

    async createToken(input: CreateTokenInput): Promise<TokenRecord> {
      return driver.tx(
        async (q) => {
          const u = await principalByName(q, input.user);
          if (u?.type !== "user") throw noUser(input.user);
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
          await driver.notifyAuth(q);
          return true;
        },
        { write: true },
      );
    },

    async listUsers() {
      return (await listWithMemberships(driver, "user")).map((u) => ({
        name: u.name,
        created_at: u.created_at,
        teams: u.links.map((l) => ({ name: l.other, role: l.role })),
      }));
    },

    async listTeams() {
      return (await listWithMemberships(driver, "team")).map((t) => ({
        name: t.name,
        created_at: t.created_at,
        members: t.links.map((l) => ({ user: l.other, role: l.role })),
      }));
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
      // One statement (token, user and memberships).
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
  };
}
