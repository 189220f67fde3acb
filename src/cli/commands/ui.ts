import type { Command } from "commander";

/** Registers the `ui` command(s). Heavy modules are imported inside actions, not here. */
export function registerUi(_program: Command): void {}
