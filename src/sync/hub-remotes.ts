import { SkillsyncError } from "../core/errors.js";
import { artifactNameProblem } from "../core/names.js";
import { updateConfig } from "../store/config.js";
import { type ReadCredentialsOptions, readCredentials, writeCredentials } from "../store/credentials.js";
import { forgetHubRemote } from "../store/state/hub-bases.js";
import { countOutbox } from "../store/state/outbox.js";
import { openStateDb, type StateDb } from "../store/state-db.js";
import { createHubClient, type HubClient, isHubUnreachable } from "./hub-client.js";
import type { Workspace } from "./workspace.js";

function db(ws: Workspace): StateDb {
  return openStateDb(ws.paths.stateDb);
}

/** A configured remote with its credentials. */
export interface Remote {
  name: string;
  url: string;
  token: string | undefined;
  /** The hub user the token belongs to, learned at login. */
  user: string | undefined;
}

/**
 * Adds a remote (`[remotes.NAME] url` in config.toml); the first one becomes the default.
 * @throws SkillsyncError INVALID_NAME, ALREADY_EXISTS, INVALID_CONFIG (bad URL)
 */
export async function addRemote(ws: Workspace, name: string, url: string): Promise<void> {
  const problem = artifactNameProblem("command", name);
  if (problem) throw new SkillsyncError("INVALID_NAME", `remote ${problem}`);
  if (!/^https?:\/\//.test(url))
    throw new SkillsyncError("USAGE", `remote URL must start with http:// or https://, not '${url}'`);
  if (ws.config.remotes[name])
    throw new SkillsyncError("ALREADY_EXISTS", `remote '${name}' exists; remove it first`);
  ws.config = await updateConfig(ws.paths.config, (raw) => {
    const remotes = (raw.remotes ?? {}) as Record<string, unknown>;
    remotes[name] = { url: url.replace(/\/+$/, "") };
    raw.remotes = remotes;
    if (!raw.default_remote) raw.default_remote = name;
  });
}

/** Removes a remote, its credentials, cursor, bases and outbox. */
export async function removeRemote(ws: Workspace, name: string): Promise<void> {
  if (!ws.config.remotes[name])
    throw new SkillsyncError("NOT_FOUND", `no remote '${name}'; see 'skillsync remote list'`);
  ws.config = await updateConfig(ws.paths.config, (raw) => {
    const remotes = (raw.remotes ?? {}) as Record<string, unknown>;
    delete remotes[name];
    raw.remotes = remotes;
    if (raw.default_remote === name) delete raw.default_remote;
  });
  const creds = readCredentials(ws.paths.credentials, { allowOpenMode: true });
  if (creds.remotes[name]) {
    delete creds.remotes[name];
    await writeCredentials(ws.paths.credentials, creds);
  }
  forgetHubRemote(db(ws), name);
}

/** Every remote with whether it has a token and how many changes wait in its outbox. */
export function listRemotes(ws: Workspace): {
  name: string;
  url: string;
  logged_in: boolean;
  user: string | null;
  default: boolean;
  queued: number;
}[] {
  const creds = readCredentials(ws.paths.credentials).remotes;
  const d = db(ws);
  return Object.entries(ws.config.remotes).map(([name, r]) => ({
    name,
    url: r.url,
    logged_in: Boolean(creds[name]?.token),
    user: creds[name]?.user ?? null,
    default: ws.config.default_remote === name,
    queued: countOutbox(d, name),
  }));
}

/**
 * The remote named `name` (default: config `default_remote`, or the only one), with its credentials
 * (`creds`: how to read credentials.toml, see `store/credentials.ts`).
 * @throws SkillsyncError USAGE when none is configured or the name is unknown; INVALID_CONFIG when
 *   credentials.toml is invalid or readable by group or others
 */
export function resolveRemote(ws: Workspace, name?: string, creds?: ReadCredentialsOptions): Remote {
  const names = Object.keys(ws.config.remotes);
  const chosen = name ?? ws.config.default_remote ?? (names.length === 1 ? names[0] : undefined);
  if (!chosen)
    throw new SkillsyncError(
      "USAGE",
      names.length === 0
        ? "no hub remote configured; run 'skillsync remote add NAME URL'"
        : `several remotes (${names.join(", ")}); pass --remote NAME`,
    );
  const r = ws.config.remotes[chosen];
  if (!r) throw new SkillsyncError("USAGE", `no remote '${chosen}'; see 'skillsync remote list'`);
  const c = readCredentials(ws.paths.credentials, creds).remotes[chosen];
  return { name: chosen, url: r.url, token: c?.token, user: c?.user };
}

/** A hub client for `remote` (its URL and token), with `retries` on 5xx and network errors. */
export function clientFor(remote: Remote, retries?: number): HubClient {
  if (!remote.token)
    throw new SkillsyncError(
      "USAGE",
      `not logged in to remote '${remote.name}'; run 'skillsync login ${remote.name} --token TOKEN'`,
    );
  return createHubClient({
    url: remote.url,
    token: remote.token,
    remoteName: remote.name,
    ...(retries !== undefined ? { retries } : {}),
  });
}

/**
 * Stores a token for `remote` (credentials.toml, mode 0600) after checking it with the hub. When the
 * hub is unreachable the token is stored anyway and `verified` is false.
 * @throws HubError when the hub refuses the token
 */
export async function login(
  ws: Workspace,
  remoteName: string | undefined,
  token: string,
): Promise<{ remote: string; user: string | null; verified: boolean }> {
  // login rewrites the file with mode 0600, so a file others can read is fixed here, not refused
  const remote = resolveRemote(ws, remoteName, { allowOpenMode: true });
  let user: string | null = null;
  let verified = false;
  try {
    user = (await clientFor({ ...remote, token }, 1).me()).user.name;
    verified = true;
  } catch (e) {
    if (!isHubUnreachable(e)) throw e;
  }
  const creds = readCredentials(ws.paths.credentials, { allowOpenMode: true });
  creds.remotes[remote.name] = { token, ...(user ? { user } : {}) };
  await writeCredentials(ws.paths.credentials, creds);
  return { remote: remote.name, user, verified };
}
