import type { Command } from "commander";
import { AGENTS, AGENTS_SOURCE, groupByProjectSkillsDir } from "../../core/agents.js";
import { contextFor } from "../context.js";
import { wrapCommand } from "../run.js";

/**
 * Registers `skillsync agents`: every agent id skillsync knows (the `skills` npm package's table,
 * see `src/core/agents.ts`), its project skills folder, its global skills folder (relative to its
 * base: `~` is `$HOME`, `$XDG_CONFIG_HOME`, `$CLAUDE_CONFIG_DIR`, …) and the agents sharing its
 * project folder.
 */
export function registerAgents(program: Command): void {
  program
    .command("agents")
    .description(
      `list the agent ids for --agent, with project and global skills folders and shared folders (table of ${AGENTS_SOURCE.package}@${AGENTS_SOURCE.version})`,
    )
    .option("--json", "print as JSON")
    .action(
      wrapCommand(async (_opts: unknown, cmd: Command) => {
        const ctx = await contextFor(cmd);
        const shared = new Map(
          groupByProjectSkillsDir(AGENTS.map((a) => a.id)).map((g) => [g.dir, g.agents]),
        );
        const baseLabel: Record<string, string> = {
          home: "~",
          configHome: "$XDG_CONFIG_HOME|~/.config",
          claudeHome: "$CLAUDE_CONFIG_DIR|~/.claude",
          vibeHome: "$VIBE_HOME|~/.vibe",
          hermesHome: "$HERMES_HOME|~/.hermes",
          autohandHome: "$AUTOHAND_HOME|~/.autohand",
          grokHome: "$GROK_HOME|~/.grok",
        };
        const rows = AGENTS.map((a) => {
          const g = a.globalSkillsDir;
          const others = (shared.get(a.skillsDir) ?? []).filter((id) => id !== a.id);
          return {
            id: a.id,
            name: a.displayName,
            project_dir: a.skillsDir,
            global_dir: g ? `${baseLabel[g.base] ?? g.base}/${g.rel}` : null,
            shared_with: others,
          };
        });
        if (ctx.out.jsonMode) {
          ctx.out.json({ source: `${AGENTS_SOURCE.package}@${AGENTS_SOURCE.version}`, agents: rows });
          return 0;
        }
        ctx.out.table(
          ["id", "name", "project folder", "global folder", "shared"],
          rows.map((r) => [
            r.id,
            r.name,
            r.project_dir,
            r.global_dir ?? "-",
            r.shared_with.length > 0 ? `${r.shared_with.length + 1} agents` : "",
          ]),
        );
        ctx.out.line("");
        ctx.out.line("shared project folders (one copy serves every agent listed):");
        for (const [dir, ids] of shared) if (ids.length > 1) ctx.out.line(`  ${dir}: ${ids.join(", ")}`);
        return 0;
      }),
    );
}
