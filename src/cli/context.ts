/**
 * What every command needs: the home, the config, the collection name and the output, resolved
 * once from the global options (`--home`, `--collection`) and the environment.
 */
import type { Command } from "commander";
import { type Config, loadConfig } from "../store/config.js";
import { type HomePaths, homePaths, resolveHome } from "../store/home.js";
import { removeHomeLeftovers } from "../store/leftovers.js";
import { createOutput, type Output } from "./output.js";

/** The resolved context of one CLI invocation. */
export interface CliContext {
  home: string;
  paths: HomePaths;
  config: Config;
  collection: string;
  out: Output;
}

/** The global options every command inherits. */
export interface GlobalOptions {
  home?: string;
  collection?: string;
  json?: boolean;
}

/** Builds the context for `cmd` (reads `--home`, `--collection`, `--json` from it and its parents). */
export async function contextFor(cmd: Command): Promise<CliContext> {
  const opts = cmd.optsWithGlobals() as GlobalOptions;
  const home = resolveHome(opts.home);
  const paths = homePaths(home);
  // Temps of a config/credentials/daemon-file write killed mid-way (one readdir; see leftovers.ts).
  await removeHomeLeftovers(paths);
  const config = await loadConfig(paths.config, paths.stateDb);
  return {
    home,
    paths,
    config,
    collection: opts.collection ?? process.env.SKILLSYNC_COLLECTION ?? config.collection,
    out: createOutput(Boolean(opts.json)),
  };
}
