/**
 * Builds, in a temp folder, a repository shaped like the public wshobson/agents marketplace (read
 * through the search index: `.claude-plugin/marketplace.json` listing `./plugins/<plugin>`, and per
 * plugin `agents/*.md`, `commands/*.md`, `skills/<skill>/SKILL.md` with `references/*.md`, a
 * `GEMINI.md` and `README.md`), with generated text only. Like that repository it has one skill whose
 * folder name differs from its `name` field; a few more broken ones can be asked for.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Options for {@link makeMarketplaceRepo}. */
export interface MarketplaceRepoOptions {
  /** Number of plugins (default 6). */
  plugins?: number;
  /** Skills per plugin (default 5). */
  skillsPerPlugin?: number;
  /** Also add a skill with invalid YAML and one whose folder name breaks the spec (default false). */
  moreBroken?: boolean;
}

/** What {@link makeMarketplaceRepo} made. */
export interface MarketplaceRepo {
  root: string;
  /** Valid skill names (folder = `name`). */
  validSkills: string[];
  /** The skill whose folder name is not its `name`: folder, name field, SKILL.md path. */
  mismatch: { folder: string; name: string; file: string };
  /** Further broken skills (with `moreBroken`): SKILL.md path and why. */
  broken: { folder: string; file: string; why: string }[];
  /** Agents and commands: `kind/name`. */
  others: string[];
}

function write(file: string, text: string): void {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
}

function skillMd(name: string, description: string, body: string): string {
  return `---\nname: ${name}\ndescription: ${description}\n---\n\n# ${name}\n\n${body}\n`;
}

/**
 * Writes the repository under `root` (created). Deterministic: the same options give the same bytes.
 * @returns the names and paths the tests check against
 */
export function makeMarketplaceRepo(root: string, opts: MarketplaceRepoOptions = {}): MarketplaceRepo {
  const nPlugins = opts.plugins ?? 6;
  const nSkills = opts.skillsPerPlugin ?? 5;
  const validSkills: string[] = [];
  const others: string[] = [];
  const broken: MarketplaceRepo["broken"] = [];
  const plugins: { name: string; source: string; description: string; version: string }[] = [];
  let mismatch: MarketplaceRepo["mismatch"] | undefined;
  for (let p = 0; p < nPlugins; p++) {
    const plugin = `plugin-${String.fromCharCode(97 + (p % 26))}${p >= 26 ? p : ""}-tools`;
    const dir = join(root, "plugins", plugin);
    plugins.push({
      name: plugin,
      source: `./plugins/${plugin}`,
      description: `Tools number ${p}`,
      version: "1.0.0",
    });
    write(join(dir, "README.md"), `# ${plugin}\n\nGenerated plugin ${p}.\n`);
    write(join(dir, "GEMINI.md"), `# ${plugin}\n\nContext file for another harness.\n`);
    const agent = `${plugin}-expert`;
    write(
      join(dir, "agents", `${agent}.md`),
      `---\nname: ${agent}\ndescription: Expert for plugin ${p}.\nmodel: inherit\n---\n\nYou are the expert of ${plugin}.\n`,
    );
    others.push(`agent/${agent}`);
    const command = `${plugin}-run`;
    write(
      join(dir, "commands", `${command}.md`),
      `---\ndescription: Run plugin ${p}.\n---\n\nRun $ARGUMENTS.\n`,
    );
    others.push(`command/${command}`);
    for (let s = 0; s < nSkills; s++) {
      const skill = `${plugin}-skill-${s}`;
      const sdir = join(dir, "skills", skill);
      if (p === 1 && s === 2) {
        // The shape of the repository's one mismatch: a folder named differently from its `name`.
        const name = `${skill}-patterns`;
        write(
          join(sdir, "SKILL.md"),
          skillMd(name, `Patterns for ${skill}. Use when testing mismatches.`, "Body."),
        );
        mismatch = { folder: skill, name, file: join(sdir, "SKILL.md") };
        continue;
      }
      write(
        join(sdir, "SKILL.md"),
        skillMd(
          skill,
          `Skill ${s} of ${plugin}. Use when the tests need many skills.`,
          `See references/guide-${s}.md.`,
        ),
      );
      write(
        join(sdir, "references", `guide-${s}.md`),
        `# Guide ${s}\n\n${"Line of reference text.\n".repeat(5 + s)}`,
      );
      if (s % 2 === 0)
        write(join(sdir, "references", "deep", "notes.md"), `# Notes\n\nNested reference of ${skill}.\n`);
      if (s === 0) write(join(sdir, "scripts", "run.sh"), "#!/bin/sh\necho run\n");
      validSkills.push(skill);
    }
  }
  if (opts.moreBroken) {
    const dir = join(root, "plugins", plugins[0]!.name, "skills");
    const badYaml = join(dir, "bad-yaml-skill", "SKILL.md");
    write(badYaml, "---\nname: bad-yaml-skill\ndescription: [unclosed\n---\n\nBody.\n");
    broken.push({ folder: "bad-yaml-skill", file: badYaml, why: "invalid YAML" });
    const badName = join(dir, "Bad_Folder", "SKILL.md");
    write(badName, skillMd("Bad_Folder", "Upper case folder.", "Body."));
    broken.push({ folder: "Bad_Folder", file: badName, why: "folder name breaks the spec" });
  }
  write(
    join(root, ".claude-plugin", "marketplace.json"),
    `${JSON.stringify({ name: "generated-marketplace", owner: { name: "tests" }, plugins }, null, 2)}\n`,
  );
  write(join(root, "README.md"), "# Generated marketplace\n");
  if (!mismatch) throw new Error("makeMarketplaceRepo needs at least 2 plugins with 3 skills each");
  validSkills.sort();
  return { root, validSkills, mismatch, broken, others };
}
