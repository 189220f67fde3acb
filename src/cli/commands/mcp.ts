import type { Command } from "commander";

/** Registers the `mcp` command(s). Heavy modules are imported inside actions, not here. */
export function registerMcp(_program: Command): void {}
