/**
 * Git source specs (issue 6 "Git sources", DESIGN.md lock file `source`): parsing and printing
 * `github:OWNER/REPO[/PATH][@REF]` and `git+URL[#PATH][@REF]`, plus reading `git ls-remote` output.
 * Pure: no I/O, no environment; the GitHub base URL is handed in.
 *
 * Where `@REF` starts (the rule users rely on, also in docs/git-sources.md):
 * - `github:` — the last `@` of the spec.
 * - `git+URL#PATH@REF` — with a `#`, the URL is everything before the first `#`, taken verbatim; REF
 *   starts at the last `@` after the `#` (`git+URL#@REF` names a REF without a PATH).
 * - `git+URL@REF` — without a `#`, REF starts at the last `@` inside the URL's path part: after the
 *   host in `scheme://[user@]host/path`, after the first `:` in scp-like `[user@]host:path`, or
 *   anywhere in an absolute local path. So `git+ssh://git@host/repo.git` has no REF, and
 *   `git+ssh://git@host/repo.git@v1` has REF `v1`. A URL whose path itself holds an `@` must be
 *   written with a `#` (`git+file:///srv/a@b/repo.git#skills/foo`).
 */
import { SkillsyncError } from "./errors.js";
import { relativePathProblem } from "./names.js";

/** The default base of `github:` specs; `SKILLSYNC_GITHUB_BASE` overrides it (handed in by callers). */
export const DEFAULT_GITHUB_BASE = "https://github.com/";

/** A parsed git source spec. */
export interface GitSpec {
  /** `github` for `github:OWNER/REPO…`, `git` for `git+URL…`. */
  form: "github" | "git";
  /** The URL handed to git (for `github:` built from the base URL: `<base>OWNER/REPO.git`). */
  url: string;
  /** Path inside the repository, `/`-separated, no leading or trailing `/`; `""` for the root. */
  path: string;
  /** Branch, tag or commit; `undefined` means the remote's default branch (`HEAD`). */
  ref?: string;
  /** `github:` only: owner and repository name (without `.git`). */
  owner?: string;
  repo?: string;
}

/** Options for {@link parseGitSpec}. */
export interface ParseGitSpecOptions {
  /** Base URL of `github:` specs, e.g. `https://github.com/` or `file:///tmp/repos/`; default {@link DEFAULT_GITHUB_BASE}. */
  githubBase?: string;
}

/** True when `s` is written as a git source (`github:…` or `git+…`). */
export function isGitSpec(s: string): boolean {
  return s.startsWith("github:") || s.startsWith("git+");
}

/** True for a full 40-hex commit id. */
export function isCommitId(ref: string): boolean {
  return /^[0-9a-f]{40}$/.test(ref);
}

/**
 * Why `ref` is not usable as a git ref name, or `undefined`. Follows git-check-ref-format(1)
 * (no space or control characters, none of `~^:?*[\`, no `..`, no `@{`, no leading `-` or `/`,
 * no trailing `/`, `.` or `.lock`).
 */
export function refProblem(ref: string): string | undefined {
  if (ref.length === 0) return "the ref after '@' is empty";
  if (/[\s\x00-\x1f\x7f~^:?*[\\]/.test(ref)) return `ref '${ref}' holds a character git refuses in refs`;
  if (ref.includes("..") || ref.includes("@{")) return `ref '${ref}' holds '..' or '@{'`;
  if (ref.startsWith("-") || ref.startsWith("/")) return `ref '${ref}' must not start with '-' or '/'`;
  if (ref.endsWith("/") || ref.endsWith(".") || ref.endsWith(".lock"))
    return `ref '${ref}' must not end with '/', '.' or '.lock'`;
  return undefined;
}

function usage(spec: string, why: string, fix: string): SkillsyncError {
  return new SkillsyncError("USAGE", `bad git source '${redactUrl(spec)}': ${why}; ${fix}`);
}

/** `url` with any userinfo password (`scheme://user:secret@`) replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/([a-z][a-z0-9+.-]*:\/\/[^/@\s:]*):[^/@\s]*@/gi, "$1:***@");
}

/**
 * Index where the path part of a git URL starts (see the module comment), or -1 when the URL has
 * no path part.
 */
export function urlPathStart(url: string): number {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (scheme) {
    const slash = url.indexOf("/", scheme[0].length);
    return slash;
  }
  if (url.startsWith("/")) return 0;
  const colon = url.indexOf(":");
  if (colon > 0 && !url.slice(0, colon).includes("/")) return colon + 1;
  return -1;
}

function normalisePath(spec: string, raw: string): string {
  const p = raw
    .replace(/^(\.\/)+/, "")
    .replace(/^\/+/, "")
    .replace(/\/+$/, "");
  if (p === "" || p === ".") return "";
  const problem = relativePathProblem(p);
  if (problem) throw usage(spec, problem, "give a path inside the repository like skills/pdf");
  return p;
}

function checkRef(spec: string, ref: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  const problem = refProblem(ref);
  if (problem) throw usage(spec, problem, "give a branch, tag or commit like @main, @v1.2.0 or @<40-hex>");
  return ref;
}

function checkUrl(spec: string, url: string): void {
  if (url.length === 0) throw usage(spec, "the URL is empty", "write git+https://host/owner/repo.git");
  if (url.startsWith("-")) throw usage(spec, "the URL starts with '-'", "write a URL git understands");
  if (/[\s\x00-\x1f\x7f]/.test(url))
    throw usage(spec, "the URL holds spaces or control characters", "write the plain URL");
  if (/^[a-z][a-z0-9+.-]*::/i.test(url))
    throw usage(spec, "git remote helpers ('transport::address') are not allowed", "write a plain URL");
  if (/^https?:\/\/[^/]*@/i.test(url))
    throw usage(
      spec,
      "credentials in an HTTP(S) URL would be written to the lock file",
      "remove them and use git's credential helper or the token variable named by config git_token_env",
    );
  if (urlPathStart(url) < 0)
    throw usage(
      spec,
      "the URL is a relative path or has no repository path",
      "use an absolute path, a file:// URL or a remote URL",
    );
}

/**
 * Parses a git source spec (see the module comment for where `@REF` starts).
 * @throws SkillsyncError USAGE naming what is wrong and how to write it (credentials are redacted)
 * @example parseGitSpec("github:anthropics/skills/skills/pdf@main")
 *   // { form: "github", url: "https://github.com/anthropics/skills.git", path: "skills/pdf", ref: "main", owner: "anthropics", repo: "skills" }
 */
export function parseGitSpec(spec: string, opts: ParseGitSpecOptions = {}): GitSpec {
  if (spec.startsWith("github:")) {
    let body = spec.slice("github:".length);
    let ref: string | undefined;
    const at = body.lastIndexOf("@");
    if (at >= 0) {
      ref = body.slice(at + 1);
      body = body.slice(0, at);
    }
    const parts = body.split("/");
    const owner = parts[0] ?? "";
    let repo = parts[1] ?? "";
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(owner))
      throw usage(spec, `'${owner}' is not a GitHub owner`, "write github:OWNER/REPO[/PATH][@REF]");
    repo = repo.replace(/\.git$/, "");
    if (!/^[A-Za-z0-9._-]+$/.test(repo) || repo === "." || repo === "..")
      throw usage(spec, `'${repo}' is not a GitHub repository name`, "write github:OWNER/REPO[/PATH][@REF]");
    const path = normalisePath(spec, parts.slice(2).join("/"));
    let base = opts.githubBase && opts.githubBase.length > 0 ? opts.githubBase : DEFAULT_GITHUB_BASE;
    if (!base.endsWith("/")) base += "/";
    const checked = checkRef(spec, ref);
    return {
      form: "github",
      url: `${base}${owner}/${repo}.git`,
      path,
      ...(checked !== undefined ? { ref: checked } : {}),
      owner,
      repo,
    };
  }
  if (!spec.startsWith("git+"))
    throw usage(spec, "it starts with neither 'github:' nor 'git+'", "write github:OWNER/REPO or git+URL");
  const body = spec.slice("git+".length);
  let url: string;
  let rawPath = "";
  let ref: string | undefined;
  const hash = body.indexOf("#");
  if (hash >= 0) {
    url = body.slice(0, hash);
    const rest = body.slice(hash + 1);
    const at = rest.lastIndexOf("@");
    if (at >= 0) {
      rawPath = rest.slice(0, at);
      ref = rest.slice(at + 1);
    } else rawPath = rest;
  } else {
    url = body;
    const start = urlPathStart(body);
    const at = body.lastIndexOf("@");
    if (start >= 0 && at >= start) {
      url = body.slice(0, at);
      ref = body.slice(at + 1);
    }
  }
  checkUrl(spec, url);
  const path = normalisePath(spec, rawPath);
  const checked = checkRef(spec, ref);
  return { form: "git", url, path, ...(checked !== undefined ? { ref: checked } : {}) };
}

/**
 * The canonical source string of `spec` with `path` as the path inside the repository (DESIGN.md:
 * `github:owner/repo/path@ref`, `git+URL#path@ref`). `@ref` is written only when a REF was given;
 * `#` is written when there is a path or the URL's path holds an `@`. {@link parseGitSpec} reads
 * it back to the same spec.
 */
export function formatGitSpec(spec: GitSpec, path: string = spec.path): string {
  const ref = spec.ref !== undefined ? `@${spec.ref}` : "";
  if (spec.form === "github") return `github:${spec.owner}/${spec.repo}${path ? `/${path}` : ""}${ref}`;
  const start = urlPathStart(spec.url);
  const needsHash = path !== "" || (start >= 0 && spec.url.slice(start).includes("@"));
  return `git+${spec.url}${needsHash ? `#${path}` : ""}${ref}`;
}

/**
 * The commit `ref` points at in `git ls-remote` output (lines `<40-hex>\t<refname>`): no ref → `HEAD`;
 * else `refs/heads/REF`, then the peeled tag `refs/tags/REF^{}`, then `refs/tags/REF`, then a full
 * ref name given as is. A 40-hex REF is a pinned commit and is returned unchanged.
 * @returns the 40-hex commit, or `undefined` when the remote has no such ref
 */
export function pickRemoteRef(lsRemote: string, ref: string | undefined): string | undefined {
  if (ref !== undefined && isCommitId(ref)) return ref;
  const refs = new Map<string, string>();
  for (const line of lsRemote.split("\n")) {
    const m = /^([0-9a-f]{40})\t(\S+)$/.exec(line.trim());
    if (m) refs.set(m[2]!, m[1]!);
  }
  const wanted =
    ref === undefined || ref === "HEAD"
      ? ["HEAD"]
      : [
          `refs/heads/${ref}`,
          `refs/tags/${ref}^{}`,
          `refs/tags/${ref}`,
          ...(ref.startsWith("refs/") ? [ref] : []),
        ];
  for (const w of wanted) {
    const sha = refs.get(w);
    if (sha) return sha;
  }
  return undefined;
}

/** A key grouping specs that resolve through the same `git ls-remote` (URL and REF). */
export function remoteKey(spec: GitSpec): string {
  return `${spec.url}\u0000${spec.ref ?? "HEAD"}`;
}

/** One plugin of a `.claude-plugin/marketplace.json`, with repository-relative paths. */
export interface MarketplacePlugin {
  name: string;
  /** The plugin's folder in the repository (`""` for the root). */
  root: string;
  /** Skill folders listed in `skills`; `undefined` when the plugin lists none (use `<root>/skills/*`). */
  skills?: string[];
  /** Command files or folders listed in `commands`. */
  commands?: string[];
  /** Agent files or folders listed in `agents`. */
  agents?: string[];
  /** Set when the plugin lives in another repository (`source` is an object); such plugins are skipped. */
  external?: string;
}

/** The path of the marketplace file inside a repository (Claude Code plugin marketplaces). */
export const MARKETPLACE_PATH = ".claude-plugin/marketplace.json";

/**
 * Joins repository-relative path pieces (each may start with `./`), refusing `..` that escapes.
 * @throws SkillsyncError UNSAFE_PATH
 */
export function joinRepoPath(...pieces: string[]): string {
  const out: string[] = [];
  for (const piece of pieces) {
    for (const seg of piece.split("/")) {
      if (seg === "" || seg === ".") continue;
      if (seg === "..") {
        if (out.length === 0)
          throw new SkillsyncError("UNSAFE_PATH", `path '${pieces.join("/")}' leaves the repository`);
        out.pop();
      } else out.push(seg);
    }
  }
  return out.join("/");
}

function stringList(v: unknown): string[] | undefined {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  return undefined;
}

/**
 * Reads a Claude Code plugin marketplace (`.claude-plugin/marketplace.json`): `plugins[]` with `name`,
 * `source` (a relative path such as `"./"` or `"./plugins/x"`, joined to `metadata.pluginRoot` when
 * set; an object means another repository) and optional `skills` / `commands` / `agents` paths
 * relative to the plugin's folder (the format of anthropics/skills' marketplace). Paths come back
 * relative to the repository root.
 * @throws SkillsyncError INVALID_ARTIFACT (with `file`) when the JSON or its shape is wrong, UNSAFE_PATH
 */
export function parseMarketplace(text: string, file: string = MARKETPLACE_PATH): MarketplacePlugin[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SkillsyncError("INVALID_ARTIFACT", `not valid JSON (${(e as Error).message})`, { file });
  }
  const doc = raw as { plugins?: unknown; metadata?: { pluginRoot?: unknown } } | null;
  if (!doc || typeof doc !== "object" || !Array.isArray(doc.plugins))
    throw new SkillsyncError("INVALID_ARTIFACT", "has no 'plugins' array; is this a plugin marketplace?", {
      file,
    });
  const pluginRoot = typeof doc.metadata?.pluginRoot === "string" ? doc.metadata.pluginRoot : "";
  const out: MarketplacePlugin[] = [];
  doc.plugins.forEach((p: unknown, i: number) => {
    const plugin = p as Record<string, unknown> | null;
    if (!plugin || typeof plugin !== "object" || typeof plugin.name !== "string")
      throw new SkillsyncError("INVALID_ARTIFACT", `plugins[${i}] has no 'name'`, { file });
    const name = plugin.name;
    if (typeof plugin.source !== "string") {
      const s = plugin.source as Record<string, unknown> | undefined;
      const where =
        s && typeof s === "object" ? String(s.repo ?? s.url ?? s.package ?? s.source ?? "?") : "?";
      out.push({ name, root: "", external: where });
      return;
    }
    const source = plugin.source;
    const root = /^[a-z][a-z0-9+.-]*:/i.test(source) ? undefined : joinRepoPath(pluginRoot, source);
    if (root === undefined) {
      out.push({ name, root: "", external: source });
      return;
    }
    const rel = (list: string[] | undefined) => list?.map((x) => joinRepoPath(root, x));
    const skills = rel(stringList(plugin.skills));
    const commands = rel(stringList(plugin.commands));
    const agents = rel(stringList(plugin.agents));
    out.push({
      name,
      root,
      ...(skills ? { skills } : {}),
      ...(commands ? { commands } : {}),
      ...(agents ? { agents } : {}),
    });
  });
  return out;
}
