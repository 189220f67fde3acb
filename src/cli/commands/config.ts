import type { Command } from "commander";
import { stringify as stringifyToml } from "smol-toml";
import { SkillsyncError } from "../../core/errors.js";
import { getConfigValue, isConfigKey, parseConfigValue, setConfigValue } from "../../store/config.js";
import { contextFor } from "../context.js";
import { wrapCommand } from "../run.js";

/** Refuses cron expressions croner cannot parse (config validation does not know cron syntax). */
async function checkSchedules(key: string, value: unknown): Promise<void> {
  if (key !== "daemon.schedules" || !Array.isArray(value)) return;
  const { Cron } = await import("croner");
  for (const expr of value) {
    try {
      new Cron(String(expr), { paused: true }).stop();
    } catch (e) {
      throw new SkillsyncError(
        "INVALID_CONFIG",
        `daemon.schedules: '${String(expr)}' is not a cron expression (${(e as Error).message}); e.g. "0 */6 * * *" or, with seconds, "*/30 * * * * *"`,
      );
    }
  }
}

function printable(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/**
 * Registers `skillsync config show | get KEY | set KEY=VALUE [--json]` over the one validated
 * `$SKILLSYNC_HOME/config.toml`. A running daemon picks changes up without a restart.
 */
export function registerConfig(program: Command): void {
  const config = program
    .command("config")
    .description("show, read and change the config ($SKILLSYNC_HOME/config.toml); see docs/config.md");

  config
    .command("show")
    .description("print the whole config with defaults filled in")
    .option("--json", "print as JSON")
    .action(
      wrapCommand(async (_opts: unknown, cmd: Command) => {
        const ctx = await contextFor(cmd);
        if (ctx.out.jsonMode) ctx.out.json(ctx.config);
        else {
          ctx.out.line(`# ${ctx.paths.config} (defaults filled in)`);
          ctx.out.line(stringifyToml(ctx.config).trimEnd());
        }
        return 0;
      }),
    );

  config
    .command("get <key>")
    .description("print the value of a dotted key, e.g. daemon.debounce_ms")
    .option("--json", "print as JSON")
    .action(
      wrapCommand(async (key: string, _opts: unknown, cmd: Command) => {
        const ctx = await contextFor(cmd);
        const value = getConfigValue(ctx.config, key);
        if (ctx.out.jsonMode) ctx.out.json({ key, value: value ?? null });
        else ctx.out.line(printable(value));
        return 0;
      }),
    );

  config
    .command("set <assignment> [value]")
    .description(
      "Set a key: 'set daemon.debounce_ms=250' (or 'set KEY VALUE'); values are TOML: 5, true, \"x\", [\"a\"]",
    )
    .option("--json", "print the new value as JSON")
    .action(
      wrapCommand(
        async (assignment: string, maybeValue: string | undefined, _opts: unknown, cmd: Command) => {
          const ctx = await contextFor(cmd);
          let key: string;
          let text: string;
          const eq = assignment.indexOf("=");
          if (maybeValue !== undefined) {
            key = assignment;
            text = maybeValue;
          } else if (eq > 0) {
            key = assignment.slice(0, eq).trim();
            text = assignment.slice(eq + 1).trim();
          } else
            throw new SkillsyncError(
              "USAGE",
              `expected KEY=VALUE, got '${assignment}'; e.g. 'skillsync config set daemon.enabled=true'`,
            );
          // Unknown keys are refused before anything is written (new remotes are validated by the schema).
          if (!isConfigKey(key))
            throw new SkillsyncError(
              "USAGE",
              `unknown config key '${key}'; see 'skillsync config show' and docs/config.md`,
            );
          const value = parseConfigValue(text);
          await checkSchedules(key, value);
          const next = await setConfigValue(ctx.paths.config, key, value);
          const stored = getConfigValue(next, key);
          if (ctx.out.jsonMode) ctx.out.json({ key, value: stored });
          else ctx.out.line(`${key} = ${printable(stored)}`);
          return 0;
        },
      ),
    );
}
