import type { Command } from "commander";

/** Registers the `hub` command(s). Heavy modules are imported inside actions, not here. */
export function registerHub(_program: Command): void {}
