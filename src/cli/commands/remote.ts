import type { Command } from "commander";

/** Registers the `remote` command(s). Heavy modules are imported inside actions, not here. */
export function registerRemote(_program: Command): void {}
