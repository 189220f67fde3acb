/**
 * Differential test of the merge engine against `git merge-file` (issue 3 "Tests").
 *
 * Generates 1,200 random three-way cases from a seeded PRNG: markdown-like lines, half of the cases
 * from a small vocabulary (so lines repeat), half from numbered lines; some CRLF files, some mixed line
 * endings, some without a final newline; both sides edited by deletions, insertions, replacements and
 * moves; 15% in diff3 and 10% in zdiff3 style, 15% with --ours/--theirs/--union. Each case runs through
 * {@link mergeText} and `git merge-file -p` (in parallel batches), and text and conflict count are
 * compared.
 *
 * "Alignment is unambiguous" (docs/merge.md) means: within each of base, ours and theirs every line
 * (byte-exact, terminator included) occurs once, and each pair (base–ours, base–theirs, ours–theirs)
 * has exactly one longest common subsequence. Then the line diffs are forced and git's merge rules fix
 * the output: agreement must be 100%. For every case without --ours/--theirs, no text may be lost:
 * each line a side added (occurrences beyond the base's) is in the result at least as often.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitLines } from "../src/core/diff.js";
import { type MergeFavor, type MergeStyle, mergeText } from "../src/core/merge.js";
import { prng } from "./helpers/prng.js";

const CASES = 1200;
const CONCURRENCY = 8;
const GIT_ENV = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };

const VOCAB = [
  "# Skill",
  "## Memory",
  "## Usage",
  "",
  "- item",
  "- another item",
  "```bash",
  "```",
  "npm test",
  "Use this skill when the user asks.",
  "---",
  "}",
];

interface Case {
  id: number;
  base: string;
  ours: string;
  theirs: string;
  style: MergeStyle;
  favor: MergeFavor | undefined;
}

function generate(rnd: () => number, id: number): Case {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  const repetitive = rnd() < 0.5;
  let counter = 0;
  const fresh = (): string =>
    repetitive ? (rnd() < 0.6 ? pick(VOCAB) : `text ${Math.floor(rnd() * 12)}`) : `line ${id}.${counter++}`;
  const n = Math.floor(rnd() * 24);
  const base: string[] = Array.from({ length: n }, fresh);
  const mutate = (lines: string[]): string[] => {
    const out = [...lines];
    const edits = Math.floor(rnd() * 5);
    for (let e = 0; e < edits; e++) {
      const p = Math.floor(rnd() * (out.length + 1));
      const r = rnd();
      if (r < 0.3) out.splice(p, 1 + Math.floor(rnd() * 2));
      else if (r < 0.6) out.splice(p, 0, ...Array.from({ length: 1 + Math.floor(rnd() * 3) }, fresh));
      else if (r < 0.9) out.splice(p, 1, fresh());
      else if (out.length > 2) {
        const [moved] = out.splice(p % out.length, 1);
        out.splice(Math.floor(rnd() * out.length), 0, moved as string);
      }
    }
    return out;
  };
  const crlf = rnd() < 0.2;
  const render = (lines: string[]): string => {
    const mixed = rnd() < 0.05;
    let s = "";
    for (const [k, l] of lines.entries()) {
      const eol = (mixed ? rnd() < 0.5 : crlf) ? "\r\n" : "\n";
      s += l + (k === lines.length - 1 && rnd() < 0.15 ? "" : eol);
    }
    return s;
  };
  const favorPick = rnd();
  const stylePick = rnd();
  return {
    id,
    base: render(base),
    ours: render(mutate(base)),
    theirs: render(mutate(base)),
    style: stylePick < 0.15 ? "diff3" : stylePick < 0.25 ? "zdiff3" : "merge",
    favor: favorPick < 0.05 ? "ours" : favorPick < 0.1 ? "theirs" : favorPick < 0.15 ? "union" : undefined,
  };
}

/** True when a and b (each with unique lines) have exactly one longest common subsequence. */
function uniqueLcs(a: readonly string[], b: readonly string[]): boolean {
  const m = b.length;
  const L: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(m + 1).fill(0));
  const C: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(m + 1).fill(1));
  for (let i = 1; i <= a.length; i++) {
    const Li = L[i] as number[];
    const Ci = C[i] as number[];
    const Lp = L[i - 1] as number[];
    const Cp = C[i - 1] as number[];
    for (let j = 1; j <= m; j++) {
      if (a[i - 1] === b[j - 1]) {
        Li[j] = (Lp[j - 1] as number) + 1;
        Ci[j] = Cp[j - 1] as number;
      } else {
        const v = Math.max(Lp[j] as number, Li[j - 1] as number);
        Li[j] = v;
        let c = 0;
        if (Lp[j] === v) c += Cp[j] as number;
        if (Li[j - 1] === v) c += Ci[j - 1] as number;
        if (Lp[j - 1] === v) c -= Cp[j - 1] as number;
        Ci[j] = c;
      }
    }
  }
  return (C[a.length] as number[])[m] === 1;
}

function unambiguous(c: Case): boolean {
  const files = [c.base, c.ours, c.theirs].map(splitLines);
  if (files.some((f) => new Set(f).size !== f.length)) return false;
  const [b, o, t] = files as [string[], string[], string[]];
  return uniqueLcs(b, o) && uniqueLcs(b, t) && uniqueLcs(o, t);
}

function counts(lines: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) {
    const key = l.replace(/\r?\n$/, "");
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

/** Lines a side added (beyond the base's occurrences) that the result lacks. */
function lostText(c: Case, result: string): string[] {
  const base = counts(splitLines(c.base));
  const res = counts(splitLines(result));
  const lost: string[] = [];
  for (const side of [c.ours, c.theirs]) {
    for (const [line, n] of counts(splitLines(side))) {
      const added = n - (base.get(line) ?? 0);
      if (added > 0 && (res.get(line) ?? 0) < added) lost.push(line);
    }
  }
  return lost;
}

function gitMerge(dir: string, c: Case): Promise<{ text: string; code: number }> {
  const args = ["merge-file", "-p", "-L", "ours", "-L", "base", "-L", "theirs"];
  if (c.style !== "merge") args.push(`--${c.style}`);
  if (c.favor) args.push(`--${c.favor}`);
  args.push("ours", "base", "theirs");
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd: dir, env: GIT_ENV, encoding: "buffer" }, (err, stdout) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      if (typeof code !== "number" || code > 127) reject(err ?? new Error("git merge-file failed"));
      else resolve({ text: stdout.toString("latin1"), code });
    });
  });
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skillsync-merge-diff-"));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("merge engine vs git merge-file (differential)", () => {
  it(`agrees on ${CASES} random cases wherever alignment is unambiguous, and never loses text`, async () => {
    const rnd = prng(20260521);
    const cases = Array.from({ length: CASES }, (_, id) => generate(rnd, id));
    const results: { c: Case; git: { text: string; code: number } }[] = [];
    for (let k = 0; k < cases.length; k += CONCURRENCY) {
      const batch = cases.slice(k, k + CONCURRENCY);
      results.push(
        ...(await Promise.all(
          batch.map(async (c) => {
            const dir = path.join(tmp, String(c.id));
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "base"), c.base);
            fs.writeFileSync(path.join(dir, "ours"), c.ours);
            fs.writeFileSync(path.join(dir, "theirs"), c.theirs);
            return { c, git: await gitMerge(dir, c) };
          }),
        )),
      );
    }
    let agree = 0;
    let clear = 0;
    let clearAgree = 0;
    let conflicted = 0;
    const mismatches: unknown[] = [];
    const losses: unknown[] = [];
    for (const { c, git } of results) {
      const mine = mergeText({
        base: c.base,
        ours: c.ours,
        theirs: c.theirs,
        labels: { ours: "ours", base: "base", theirs: "theirs" },
        style: c.style,
        ...(c.favor ? { favor: c.favor } : {}),
      });
      const same = mine.text === git.text && mine.conflicts === git.code;
      const isClear = unambiguous(c);
      if (same) agree++;
      if (isClear) clear++;
      if (isClear && same) clearAgree++;
      if (mine.conflicts > 0) conflicted++;
      if (isClear && !same) mismatches.push({ c, git, mine: mine.text, conflicts: mine.conflicts });
      if (c.favor !== "ours" && c.favor !== "theirs") {
        const lost = lostText(c, mine.text);
        if (lost.length > 0) losses.push({ c, lost, mine: mine.text });
      }
    }
    const pct = (x: number, n: number) => `${((100 * x) / n).toFixed(2)}%`;
    console.log(
      `merge differential: ${agree}/${CASES} cases agree with git merge-file (${pct(agree, CASES)}); ` +
        `unambiguous ${clearAgree}/${clear} (${pct(clearAgree, clear)}); ${conflicted} cases had conflicts`,
    );
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(losses.slice(0, 3)).toEqual([]);
    // The generator must exercise both kinds of case and conflicts.
    expect(clear).toBeGreaterThan(CASES / 5);
    expect(CASES - clear).toBeGreaterThan(CASES / 5);
    expect(conflicted).toBeGreaterThan(CASES / 10);
  }, 120_000);
});
