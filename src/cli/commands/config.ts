import type { Command } from "commander";

/** Registers the `config` command(s). Heavy modules are imported inside actions, not here. */
export function registerConfig(_program: Command): void {}
