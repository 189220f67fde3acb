import type { Command } from "commander";

/** Registers the `project` command(s). Heavy modules are imported inside actions, not here. */
export function registerProject(_program: Command): void {}
