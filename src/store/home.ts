/**
 * `$SKILLSYNC_HOME` and the paths inside it. Home is `--home`, else the `SKILLSYNC_HOME`
 * environment variable, else `~/.skillsync`.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Every well-known path under one home. */
export interface HomePaths {
  root: string;
  collections: string;
  objects: string;
  snapshots: string;
  journal: string;
  stateDb: string;
  hubDb: string;
  config: string;
  credentials: string;
  logs: string;
  gitCache: string;
  locks: string;
  daemonToken: string;
}

/** Resolves the home folder from an explicit value, the environment, or the default. */
export function resolveHome(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? env.SKILLSYNC_HOME;
  return resolve(chosen && chosen.length > 0 ? chosen : join(homedir(), ".skillsync"));
}

/** The paths under `root` (already resolved). */
export function homePaths(root: string): HomePaths {
  return {
    root,
    collections: join(root, "collections"),
    objects: join(root, "objects"),
    snapshots: join(root, "snapshots"),
    journal: join(root, "journal"),
    stateDb: join(root, "state.db"),
    hubDb: join(root, "hub.db"),
    config: join(root, "config.toml"),
    credentials: join(root, "credentials.toml"),
    logs: join(root, "logs"),
    gitCache: join(root, "cache", "git"),
    locks: join(root, "locks"),
    daemonToken: join(root, "daemon.token"),
  };
}

/** Folder of collection `name` under `root`. */
export function collectionDir(root: string, name: string): string {
  return join(root, "collections", name);
}
