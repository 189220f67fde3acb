/**
 * Pins the web bundle's boundary (DESIGN.md): everything `src/web/` imports, followed through its
 * relative imports, is browser code — no `node:` module, no Node-only package, nothing from layers
 * other than `src/web/` and the pure `src/core/`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "..");
const WEB = join(SRC, "web");
const ALLOWED_PACKAGES = /^(preact|preact\/hooks|codemirror|@codemirror\/[a-z-]+|yaml)$/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sources(join(dir, d.name))
      : /\.tsx?$/.test(d.name) && !d.name.endsWith(".test.ts")
        ? [join(dir, d.name)]
        : [],
  );
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [
    ...text.matchAll(/^\s*(?:import|export)\s[^"']*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm),
  ].map((m) => (m[1] ?? m[2])!);
}

function resolveTs(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const cand of [base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx"), base]) {
    try {
      readFileSync(cand);
      return cand;
    } catch {
      // next
    }
  }
  throw new Error(`${relative(SRC, from)} imports '${spec}', which does not exist`);
}

describe("web bundle boundary", () => {
  it("imports only browser-safe packages, src/web and src/core, transitively", () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    const queue = sources(WEB);
    while (queue.length > 0) {
      const f = queue.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      for (const spec of importsOf(f)) {
        if (spec.startsWith(".")) {
          const target = resolveTs(f, spec);
          const rel = relative(SRC, target);
          if (!rel.startsWith("web/") && !rel.startsWith("core/") && !rel.endsWith(".css"))
            bad.push(`${relative(SRC, f)} → ${rel}`);
          if (/\.tsx?$/.test(target)) queue.push(target);
        } else if (!ALLOWED_PACKAGES.test(spec)) bad.push(`${relative(SRC, f)} → ${spec}`);
      }
    }
    expect(bad).toEqual([]);
    expect([...seen].some((f) => f.includes(`${"/"}core${"/"}`))).toBe(true);
  });
});
