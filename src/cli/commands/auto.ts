import type { Command } from "commander";

/** Registers the `auto` command(s). Heavy modules are imported inside actions, not here. */
export function registerAuto(_program: Command): void {}
