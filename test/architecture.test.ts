/**
 * Pins the layering of DESIGN.md: `src/core` is pure (no file system, processes, network, clock or
 * environment), the web bundle imports nothing from Node, and layers import only downwards.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "src");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return files(p);
    return /\.(ts|tsx)$/.test(d.name) && !/\.test\.tsx?$/.test(d.name) ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
    ),
  ].map((m) => (m[1] ?? m[2])!);
}

const LAYERS = ["core", "store", "sync", "codex", "mcp", "daemon", "hub", "web", "cli"] as const;
/** What each layer may import (besides itself). */
const ALLOWED: Record<(typeof LAYERS)[number], string[]> = {
  core: [],
  store: ["core"],
  sync: ["core", "store"],
  codex: ["core", "store", "sync"],
  mcp: ["core", "store", "sync", "codex"],
  hub: ["core", "store", "sync"],
  // daemon may import web/api-types.ts: the types of its HTTP API, the contract with the web UI.
  daemon: ["core", "store", "sync", "codex", "web"],
  web: ["core"],
  cli: ["core", "store", "sync", "codex", "mcp", "daemon", "hub", "web"],
};

describe("architecture", () => {
  it("src/core does no I/O and reads no clock, process or environment", () => {
    const offenders: string[] = [];
    for (const f of files(join(SRC, "core"))) {
      const text = readFileSync(f, "utf8");
      for (const spec of imports(f))
        if (/^(node:)?(fs|fs\/promises|child_process|net|http|https|os|dgram|worker_threads)$/.test(spec))
          offenders.push(`${relative(SRC, f)} imports ${spec}`);
      if (/process\.(env|cwd|exit)|Date\.now\(\)|new Date\(\)/.test(text))
        offenders.push(`${relative(SRC, f)} reads the clock or process`);
    }
    expect(offenders).toEqual([]);
  });

  it("the web bundle imports nothing from Node", () => {
    const offenders = files(join(SRC, "web")).flatMap((f) =>
      imports(f)
        .filter((s) => s.startsWith("node:") || /^(fs|path|os|child_process|crypto|http)$/.test(s))
        .map((s) => `${relative(SRC, f)} imports ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it("layers import only downwards", () => {
    const offenders: string[] = [];
    for (const layer of LAYERS) {
      let list: string[];
      try {
        list = files(join(SRC, layer));
      } catch {
        continue;
      }
      for (const f of list)
        for (const spec of imports(f)) {
          if (!spec.startsWith(".")) continue;
          const target = relative(SRC, join(f, "..", spec)).split(/[\\/]/)[0]!;
          if (target === layer || !(LAYERS as readonly string[]).includes(target)) continue;
          if (!ALLOWED[layer].includes(target)) offenders.push(`${relative(SRC, f)} → ${spec}`);
        }
    }
    expect(offenders).toEqual([]);
  });
});
