import { type Command, InvalidArgumentError } from "commander";
import { SkillsyncError } from "../../core/errors.js";
import { skillNameProblem } from "../../core/names.js";
import { TEAM_ROLES } from "../../hub/store/types.js";
import { contextFor } from "../context.js";
import { wrapCommand } from "../run.js";

const DB_HELP =
  "hub database: sqlite:PATH or postgres://USER@HOST:PORT/DB[?schema=NAME&pool_max=N] (default sqlite:$SKILLSYNC_HOME/hub.db)";

function positiveInt(flag: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1)
      throw new InvalidArgumentError(`${flag} must be a whole number ≥ 1`);
    return Number(v);
  };
}

function portNumber(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError("--port must be 0-65535");
  return Number(v);
}

function principalName(kind: "user" | "team", name: string): void {
  const problem = skillNameProblem(name);
  if (problem)
    throw new SkillsyncError(
      "INVALID_NAME",
      `${kind} ${problem}; use lowercase letters, digits and single '-'`,
    );
}

/**
 * Opens the hub store for an admin or serve command (migrated), runs `fn`, closes the store.
 * Heavy modules (drivers, Hono) are imported here, inside the action.
 */
async function withStore<T>(
  cmd: Command,
  db: string | undefined,
  fn: (store: import("../../hub/store/types.js").HubStore) => Promise<T>,
): Promise<T> {
  const ctx = await contextFor(cmd);
  const { openMigratedHubStore } = await import("../../hub/server.js");
  const store = await openMigratedHubStore(db, ctx.paths.hubDb);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Registers `skillsync hub serve|user|token|team`. Heavy modules are imported inside actions, not here. */
export function registerHub(program: Command): void {
  const hub = program
    .command("hub")
    .description("run a hub server and administer its users, tokens and teams (on the server host)");

  hub
    .command("serve")
    .description("serve the hub HTTP API (docs/hub-api.md) until SIGINT/SIGTERM")
    .option("--db <url>", DB_HELP)
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--port <port>", "TCP port; 0 picks a free one", portNumber, 7070)
    .option("--max-files <n>", "files per artifact (default 1000)", positiveInt("--max-files"))
    .option("--max-file-bytes <n>", "bytes per file (default 5242880)", positiveInt("--max-file-bytes"))
    .option(
      "--max-request-bytes <n>",
      "bytes per request (default 20971520)",
      positiveInt("--max-request-bytes"),
    )
    .action(
      wrapCommand(
        async (
          o: {
            db?: string;
            host: string;
            port: number;
            maxFiles?: number;
            maxFileBytes?: number;
            maxRequestBytes?: number;
          },
          cmd: Command,
        ) => {
          const ctx = await contextFor(cmd);
          const { openMigratedHubStore, startHubServer } = await import("../../hub/server.js");
          const store = await openMigratedHubStore(o.db, ctx.paths.hubDb);
          const running = await startHubServer({
            store,
            host: o.host,
            port: o.port,
            limits: {
              ...(o.maxFiles ? { maxFiles: o.maxFiles } : {}),
              ...(o.maxFileBytes ? { maxFileBytes: o.maxFileBytes } : {}),
              ...(o.maxRequestBytes ? { maxRequestBytes: o.maxRequestBytes } : {}),
            },
          }).catch(async (e: unknown) => {
            await store.close();
            throw e;
          });
          // Signal handlers go in before the "listening" line: whoever reads it may stop us at once.
          const stopped = new Promise<void>((resolve) => {
            const stop = (): void => {
              process.off("SIGINT", stop);
              process.off("SIGTERM", stop);
              resolve();
            };
            process.on("SIGINT", stop);
            process.on("SIGTERM", stop);
          });
          process.stdout.write(`skillsync hub listening on ${running.url} (${store.dialect})\n`);
          if (!["127.0.0.1", "::1", "localhost"].includes(o.host))
            process.stderr.write(
              `warning: the hub speaks plain HTTP on ${o.host}; put a TLS-terminating proxy in front before tokens cross a network\n`,
            );
          await stopped;
          await running.close();
          await store.close();
          process.stdout.write("skillsync hub stopped\n");
          return 0;
        },
      ),
    );

  const user = hub.command("user").description("hub users");
  user
    .command("add <name>")
    .description("add a user (then create a token for it)")
    .option("--db <url>", DB_HELP)
    .action(
      wrapCommand(async (name: string, o: { db?: string }, cmd: Command) => {
        principalName("user", name);
        await withStore(cmd, o.db, (s) => s.addUser(name, new Date().toISOString()));
        process.stdout.write(
          `added user ${name}; create its token with: skillsync hub token create ${name}\n`,
        );
      }),
    );

  user
    .command("list")
    .description("list users and their team roles")
    .option("--db <url>", DB_HELP)
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (o: { db?: string; json?: boolean }, cmd: Command) => {
        const users = await withStore(cmd, o.db, (s) => s.listUsers());
        const ctx = await contextFor(cmd);
        if (o.json) return void ctx.out.json({ users });
        ctx.out.table(
          ["user", "teams", "created"],
          users.map((u) => [
            u.name,
            u.teams.map((t) => `${t.name} (${t.role})`).join(", ") || "-",
            u.created_at,
          ]),
        );
      }),
    );

  const token = hub.command("token").description("API tokens (only a SHA-256 hash is stored)");
  token
    .command("create <user>")
    .description("create a token for USER and print it once")
    .option("--db <url>", DB_HELP)
    .option(
      "--expires-in <days>",
      "days until the token expires (default: never)",
      positiveInt("--expires-in"),
    )
    .option("--json", "print {id, user, token, expires_at} as JSON")
    .action(
      wrapCommand(
        async (userName: string, o: { db?: string; expiresIn?: number; json?: boolean }, cmd: Command) => {
          const { generateToken } = await import("../../hub/auth.js");
          const t = generateToken();
          const now = new Date();
          const expires = o.expiresIn
            ? new Date(now.getTime() + o.expiresIn * 86_400_000).toISOString()
            : null;
          await withStore(cmd, o.db, (s) =>
            s.createToken({
              user: userName,
              id: t.id,
              hash: t.hash,
              now: now.toISOString(),
              expires_at: expires,
            }),
          );
          if (o.json) {
            process.stdout.write(
              `${JSON.stringify({ id: t.id, user: userName, token: t.token, expires_at: expires }, null, 2)}\n`,
            );
            return;
          }
          process.stdout.write(`${t.token}\n`);
          process.stderr.write(
            `token ${t.id} for ${userName}${expires ? `, expires ${expires}` : ""}; it is shown only this once. On a client: skillsync login REMOTE --token TOKEN\n`,
          );
        },
      ),
    );
  token
    .command("list [user]")
    .description("list tokens (ids, owners, expiry, revocation; never the secrets)")
    .option("--db <url>", DB_HELP)
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (userName: string | undefined, o: { db?: string; json?: boolean }, cmd: Command) => {
        const tokens = await withStore(cmd, o.db, (s) => s.listTokens(userName));
        const ctx = await contextFor(cmd);
        if (o.json)
          return void ctx.out.json({
            tokens: tokens.map((t) => ({
              id: t.id,
              user: t.user,
              created_at: t.created_at,
              expires_at: t.expires_at,
              revoked_at: t.revoked_at,
            })),
          });
        const now = new Date().toISOString();
        ctx.out.table(
          ["id", "user", "created", "expires", "state"],
          tokens.map((t) => [
            t.id,
            t.user,
            t.created_at,
            t.expires_at ?? "never",
            t.revoked_at ? "revoked" : t.expires_at !== null && t.expires_at <= now ? "expired" : "valid",
          ]),
        );
      }),
    );
  token
    .command("revoke <token-or-id>")
    .description("revoke a token by its id (tok_…) or the token itself")
    .option("--db <url>", DB_HELP)
    .action(
      wrapCommand(async (value: string, o: { db?: string }, cmd: Command) => {
        const { hashToken, looksLikeToken } = await import("../../hub/auth.js");
        const key = looksLikeToken(value) ? hashToken(value) : value;
        const found = await withStore(cmd, o.db, (s) => s.revokeToken(key, new Date().toISOString()));
        if (!found)
          throw new SkillsyncError(
            "NOT_FOUND",
            `no token '${looksLikeToken(value) ? "(the given token)" : value}' on this hub`,
          );
        process.stdout.write(`revoked ${looksLikeToken(value) ? "the token" : value}\n`);
      }),
    );

  const team = hub.command("team").description("hub teams (owners of shared artifacts)");
  team
    .command("add <name>")
    .description("add a team; users and teams share one name space")
    .option("--db <url>", DB_HELP)
    .action(
      wrapCommand(async (name: string, o: { db?: string }, cmd: Command) => {
        principalName("team", name);
        await withStore(cmd, o.db, (s) => s.addTeam(name, new Date().toISOString()));
        process.stdout.write(
          `added team ${name}; add members with: skillsync hub team add-member ${name} USER --role writer\n`,
        );
      }),
    );
  team
    .command("list")
    .description("list teams and their members")
    .option("--db <url>", DB_HELP)
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (o: { db?: string; json?: boolean }, cmd: Command) => {
        const teams = await withStore(cmd, o.db, (s) => s.listTeams());
        const ctx = await contextFor(cmd);
        if (o.json) return void ctx.out.json({ teams });
        ctx.out.table(
          ["team", "members", "created"],
          teams.map((t) => [
            t.name,
            t.members.map((m) => `${m.user} (${m.role})`).join(", ") || "-",
            t.created_at,
          ]),
        );
      }),
    );
  team
    .command("add-member <team> <user>")
    .description("add USER to TEAM (or change its role)")
    .option("--db <url>", DB_HELP)
    .requiredOption("--role <role>", "reader, writer or admin")
    .action(
      wrapCommand(
        async (teamName: string, userName: string, o: { db?: string; role: string }, cmd: Command) => {
          const role = TEAM_ROLES.find((r) => r === o.role);
          if (!role)
            throw new SkillsyncError("USAGE", `--role must be reader, writer or admin, got '${o.role}'`);
          await withStore(cmd, o.db, (s) => s.addMember({ team: teamName, user: userName, role }));
          process.stdout.write(`${userName} is ${role} of team ${teamName}\n`);
        },
      ),
    );
}
