/**
 * The web UI end to end: the built `skillsync daemon` on a temp home holding the fixture skills and a
 * registered project, driven by Debian's Chromium through playwright-core (never a downloaded
 * browser). Skipped with a visible reason when /usr/bin/chromium is missing, unless
 * SKILLSYNC_TEST_BROWSER=1 (CI), where a missing browser fails. Screenshots go to test-results/web/.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFixtures } from "../helpers/fixtures.js";
import { CLI_BIN, DIST_DIR, REPO_ROOT } from "../helpers/paths.js";

const CLI = CLI_BIN;
const WEB = join(DIST_DIR, "web", "index.html");
const CHROMIUM = "/usr/bin/chromium";
const SHOTS = join(REPO_ROOT, "test-results", "web");
const REQUIRED = process.env.SKILLSYNC_TEST_BROWSER === "1";
const HAVE = existsSync(CHROMIUM);
const SKIP_REASON = `skipped: ${CHROMIUM} is missing (apt-get install -y chromium; set SKILLSYNC_TEST_BROWSER=1 to make this fail)`;

const XSS_SKILL = `---
name: xss-probe
description: "Probe <img src=x onerror=\\"window.__pwned='desc'\\"> shown as text"
---
# Probe <script>window.__pwned = "heading"</script>

<script>window.__pwned = "block"</script>

<img src="x" onerror="window.__pwned = 'img'">

[click me](javascript:window.__pwned='link') and [safe](https://example.com/docs)

Inline \`<b>code</b>\` and <iframe src="javascript:window.__pwned='iframe'"></iframe>
`;

interface Env {
  dir: string;
  home: string;
  project: string;
  collection: string;
  daemon?: ChildProcess;
  hub?: ChildProcess;
  hubUrl: string;
  url: string;
  token: string;
  browser?: Browser;
  page?: Page;
}

const env = {} as Env;

function cli(...args: string[]): string {
  return cliIn(env.home, ...args);
}

function cliIn(home: string, ...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, SKILLSYNC_HOME: home, NO_COLOR: "1" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function waitFor<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `skillsync hub serve --port 0` on its own home; resolves with its URL. */
async function startHub(home: string): Promise<string> {
  const child = spawn(process.execPath, [CLI, "hub", "serve", "--port", "0"], {
    env: { ...process.env, SKILLSYNC_HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  env.hub = child;
  let out = "";
  const grab = (d: Buffer) => {
    out += String(d);
  };
  child.stdout?.on("data", grab);
  child.stderr?.on("data", grab);
  return waitFor(`the hub to listen (output: ${out})`, () => /listening on (http:\/\/\S+)/.exec(out)?.[1]);
}

async function startDaemon(): Promise<void> {
  const child = spawn(process.execPath, [CLI, "daemon", "--port", "0"], {
    env: { ...process.env, SKILLSYNC_HOME: env.home, NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  env.daemon = child;
  const info = await waitFor(`daemon.json (daemon stderr: ${stderr})`, () => {
    const p = join(env.home, "daemon.json");
    if (!existsSync(p)) return undefined;
    const v = JSON.parse(readFileSync(p, "utf8")) as { pid: number; port: number };
    return v.pid === child.pid ? v : undefined;
  });
  env.url = `http://127.0.0.1:${info.port}`;
  await waitFor("the daemon to answer", async () =>
    (await fetch(`${env.url}/api/ui/overview`)).ok ? true : undefined,
  );
  env.token = readFileSync(join(env.home, "daemon.token"), "utf8").trim();
}

/** `expect.poll` with room for a loaded 2-core CI machine (its default gives up after 1 s). */
function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 10_000 });
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

function page(): Page {
  if (!env.page) throw new Error("browser page not open");
  return env.page;
}

/** Opens `hash`; reloads when the page is already there, so its data is fresh. */
async function go(hash: string): Promise<void> {
  const url = `${env.url}/${hash}`;
  if (page().url() === url) await page().reload();
  else await page().goto(url);
}

describe.skipIf(!HAVE && !REQUIRED)(
  HAVE ? "web UI in Chromium" : `web UI in Chromium (${SKIP_REASON})`,
  () => {
    beforeAll(async () => {
      if (!HAVE)
        throw new Error(
          `SKILLSYNC_TEST_BROWSER=1 but ${CHROMIUM} is missing; install it with apt-get install -y chromium`,
        );
      if (!existsSync(CLI) || !existsSync(WEB))
        throw new Error("dist/cli/main.cjs or dist/web/index.html missing; run 'npm run build' first");
      env.dir = mkdtempSync(join(tmpdir(), "skillsync-web-"));
      env.home = join(env.dir, "home");
      env.project = join(env.dir, "project");
      mkdirSync(env.project);
      const src = join(env.dir, "src");
      copyFixtures(src, { only: ["internal-comms", "brand-guidelines", "theme-factory", "webapp-testing"] });
      mkdirSync(join(src, "xss-probe"));
      writeFileSync(join(src, "xss-probe", "SKILL.md"), XSS_SKILL);
      cli("init");
      cli("add", src);
      cli("project", "add", env.project);
      cli("deploy", "--all", "--project", env.project);
      env.collection = join(env.home, "collections", "default");
      const hubHome = join(env.dir, "hub");
      cliIn(hubHome, "hub", "user", "add", "alice");
      const hubToken = cliIn(hubHome, "hub", "token", "create", "alice").trim();
      env.hubUrl = await startHub(hubHome);
      cli("remote", "add", "hub", env.hubUrl);
      cli("login", "--token", hubToken);
      await startDaemon();
      const { chromium } = await import("playwright-core");
      env.browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      });
      const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
      env.page = await context.newPage();
      env.page.setDefaultTimeout(10_000);
    }, 90_000);

    afterAll(async () => {
      await env.browser?.close();
      if (env.hub && env.hub.exitCode === null) {
        env.hub.kill("SIGTERM");
        await new Promise((r) => env.hub?.once("exit", r));
      }
      if (env.daemon && env.daemon.exitCode === null) {
        env.daemon.kill("SIGTERM");
        await new Promise((r) => env.daemon?.once("exit", r));
      }
      if (env.dir) rmSync(env.dir, { recursive: true, force: true });
    }, 30_000);

    it("shows the merged list and a green indicator, at 1280×800 and 390 px wide", async () => {
      const p = page();
      // sum of layout shifts while the data arrives (Cumulative Layout Shift)
      await p.addInitScript(() => {
        const w = window as unknown as { __cls: number };
        w.__cls = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[])
            if (!e.hadRecentInput) w.__cls += e.value;
        }).observe({ type: "layout-shift", buffered: true });
      });
      await go("#/");
      await p.locator('[data-testid="artifact-table"] tbody tr').first().waitFor();
      expect(await p.locator('[data-testid="artifact-table"] tbody tr').count()).toBe(5);
      await p.waitForTimeout(300); // let a late shift, if any, be recorded
      const cls = await p.evaluate(() => (window as unknown as { __cls: number }).__cls);
      expect(cls).toBeLessThan(0.1);
      await poll(() => p.locator('[data-testid="sync-light"]').textContent()).toContain("All synced");
      expect(await p.locator('tr[data-artifact="skill/theme-factory"]').textContent()).toContain("in sync");
      // filter by text, then by status
      await p.getByLabel("Search").fill("brand");
      expect(await p.locator('[data-testid="artifact-table"] tbody tr').count()).toBe(1);
      await p.getByLabel("Search").fill("");
      await p.getByLabel("Status").selectOption("conflict");
      await p.locator('[data-testid="empty"]').waitFor();
      await p.getByLabel("Status").selectOption("all");
      await shot(p, "overview-1280");
      const mobile = await env.browser!.newPage({ viewport: { width: 390, height: 844 } });
      await mobile.goto(`${env.url}/#/`);
      await mobile.locator('[data-testid="artifact-table"] tbody tr').first().waitFor();
      const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(mobile, "overview-390");
      await mobile.close();
    });

    it("renders a skill's markdown without running its <script>, onerror or javascript: link", async () => {
      const p = page();
      await go("#/a/skill/xss-probe");
      const rendered = p.locator('[data-testid="rendered"]');
      await rendered.waitFor();
      await poll(() => rendered.textContent()).toContain('<script>window.__pwned = "block"</script>');
      expect(await rendered.locator("script, img, iframe").count()).toBe(0);
      expect(await p.locator("a", { hasText: "click me" }).count()).toBe(0);
      expect(await p.locator("a", { hasText: "safe" }).getAttribute("href")).toBe("https://example.com/docs");
      await p.getByText("click me").click();
      await go("#/");
      await p.locator('tr[data-artifact="skill/xss-probe"]').waitFor();
      expect(await p.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    });

    it("shows an artifact: frontmatter as fields, file tree, where it is deployed", async () => {
      const p = page();
      await go("#/a/skill/theme-factory");
      await p.locator('[data-testid="fields"]').waitFor();
      expect(await p.locator('[data-testid="fields"]').textContent()).toContain("theme-factory");
      expect(await p.locator('[data-testid="file-tree"] li').count()).toBeGreaterThan(5);
      expect(await p.locator('[data-testid="deployments"]').textContent()).toContain("in sync");
      await shot(p, "artifact");
      await p.locator('[data-testid="file-tree"] button', { hasText: "LICENSE.txt" }).click();
      await p.waitForURL(/\/files$/);
      await p.getByText("Apache License").first().waitFor();
    });

    it("refuses a skill with an invalid name, then creates a valid one in the collection", async () => {
      const p = page();
      await go("#/new");
      await p.getByLabel("Name").fill("Bad_Name");
      await poll(() => p.locator('[data-testid="name-help"]').textContent()).toContain("lowercase");
      await p.getByLabel("Description").fill("Made in the browser to test the web UI.");
      await p.locator('[data-testid="create"]').click();
      expect(p.url()).toMatch(/#\/new$/);
      expect(existsSync(join(env.collection, "skills", "Bad_Name"))).toBe(false);
      // the daemon refuses it too, whatever the page does
      const res = await fetch(`${env.url}/api/ui/artifacts`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-skillsync-token": env.token },
        body: JSON.stringify({
          kind: "skill",
          name: "Bad_Name",
          text: "---\nname: Bad_Name\ndescription: x\n---\n",
        }),
      });
      expect(res.status).toBe(400);
      // and without the token nothing is accepted at all
      const noToken = await fetch(`${env.url}/api/ui/artifacts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          kind: "skill",
          name: "ok-name",
          text: "---\nname: ok-name\ndescription: x\n---\n",
        }),
      });
      expect(noToken.status).toBe(403);
      await p.getByLabel("Name").fill("ui-made-skill");
      await shot(p, "create");
      await p.locator('[data-testid="create"]').click();
      await p.waitForURL(/#\/a\/skill\/ui-made-skill$/);
      const text = readFileSync(join(env.collection, "skills", "ui-made-skill", "SKILL.md"), "utf8");
      expect(text).toContain("name: ui-made-skill");
      expect(text).toContain("description: Made in the browser to test the web UI.");
      expect(cli("list", "--json")).toContain("ui-made-skill");
    });

    it("edits and saves a skill, refusing an edit that breaks the name rule", async () => {
      const p = page();
      await go("#/a/skill/ui-made-skill/edit");
      const editor = p.locator('[data-testid="editor"] .cm-content');
      await editor.waitFor();
      await editor.click();
      await p.keyboard.press("Control+End");
      await p.keyboard.type("\nEdited in the browser.\n");
      await p.locator('[data-testid="save"]').click();
      await p
        .locator('[data-testid="saved"]')
        .waitFor()
        .catch(async (e) => {
          await shot(p, "edit-failed");
          throw new Error(`${(e as Error).message}; page says: ${await p.locator("main").textContent()}`);
        });
      const file = join(env.collection, "skills", "ui-made-skill", "SKILL.md");
      expect(readFileSync(file, "utf8")).toContain("Edited in the browser.");
      // break the name: live validation says so and Save stays disabled
      await editor.click();
      await p.keyboard.press("Control+Home");
      await p.keyboard.press("ArrowDown");
      await p.keyboard.press("End");
      await p.keyboard.type("-X");
      await poll(() => p.locator('[data-testid="validation"]').textContent()).toContain("error");
      expect(await p.locator('[data-testid="save"]').isDisabled()).toBe(true);
      await shot(p, "edit");
      expect(readFileSync(file, "utf8")).not.toContain("ui-made-skill-X");
    });

    it("deploys to a project after showing what will change", async () => {
      const p = page();
      await go("#/a/skill/ui-made-skill");
      await p.getByRole("button", { name: "Deploy to project…" }).click();
      await poll(() => p.locator('[data-testid="preview-summary"]').textContent()).toContain("1 file(s)");
      expect(await p.locator('[data-testid="changes"]').textContent()).toContain("SKILL.md");
      await shot(p, "deploy-preview");
      await p.getByRole("button", { name: /^Deploy 1 file/ }).click();
      await poll(() => p.locator('[data-testid="action-result"]').textContent()).toContain("Deployed");
      expect(existsSync(join(env.project, ".claude", "skills", "ui-made-skill", "SKILL.md"))).toBe(true);
      await p.getByRole("button", { name: "Close" }).last().click();
    });

    it("publishes to the hub after showing what will change", async () => {
      const p = page();
      await go("#/a/skill/ui-made-skill");
      await p.getByRole("button", { name: "Publish to hub…" }).click();
      await poll(() => p.locator('[data-testid="preview-summary"]').textContent()).toContain(
        "a new artifact",
      );
      await shot(p, "publish-preview");
      await p.getByRole("button", { name: /^Publish 1 file/ }).click();
      await poll(() => p.locator('[data-testid="action-result"]').textContent()).toContain("Published");
      await p.getByRole("button", { name: "Close" }).last().click();
      const token = readFileSync(join(env.home, "credentials.toml"), "utf8").match(/token = "([^"]+)"/)?.[1];
      const onHub = await fetch(`${env.hubUrl}/api/v1/artifacts/alice/skill/ui-made-skill`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(onHub.status).toBe(200);
      await go("#/");
      const row = p.locator('tr[data-artifact="skill/ui-made-skill"]');
      await poll(() => row.textContent()).toMatch(/hub\s*in sync/);
    });

    it("resolves a conflict between collection and project in the three-way view", async () => {
      const p = page();
      const rel = join("internal-comms", "SKILL.md");
      const inCollection = join(env.collection, "skills", rel);
      const inProject = join(env.project, ".claude", "skills", rel);
      const base = readFileSync(inCollection, "utf8");
      const lines = base.split("\n");
      const at = lines.findIndex((l, i) => i > 4 && l.trim().length > 0);
      const mine = [...lines];
      mine[at] = "Collection wording of this line.";
      const theirs = [...lines];
      theirs[at] = "Project wording of this line.";
      writeFileSync(inCollection, mine.join("\n"));
      writeFileSync(inProject, theirs.join("\n"));
      await go("#/conflicts");
      await p.locator('[data-testid="conflict-list"] a', { hasText: "internal-comms" }).click();
      await p.locator('[data-testid="hunks"] li').first().waitFor();
      expect(await p.locator('[data-testid="unresolved"]').textContent()).toContain(
        "still have conflict markers",
      );
      expect(await p.locator('[data-testid="save-resolution"]').isDisabled()).toBe(true);
      await poll(() => p.locator('[data-testid="conflict-count"]').textContent()).toBe("1");
      await shot(p, "conflict");
      await p.getByRole("button", { name: "Use local" }).first().click();
      await poll(() => p.locator('[data-testid="unresolved"]').textContent()).toContain("Ready to save");
      await p.locator('[data-testid="save-resolution"]').click();
      await poll(() => p.locator('[data-testid="unresolved"]').textContent()).toContain("Resolved");
      expect(readFileSync(inCollection, "utf8")).toBe(mine.join("\n"));
      expect(readFileSync(inProject, "utf8")).toBe(mine.join("\n"));
      const status = JSON.parse(cli("status", "--json", "--project", env.project).trim() || "{}") as {
        artifacts: { name: string; drift_type: string }[];
      };
      expect(status.artifacts.find((a) => a.name === "internal-comms")?.drift_type).toBe("in-sync");
    });

    it("resolves a conflict with a second client through the hub in the three-way view", async () => {
      const p = page();
      const id = "skill/brand-guidelines";
      cli("publish", id, "--remote", "hub");
      const b = join(env.dir, "b");
      const token =
        readFileSync(join(env.home, "credentials.toml"), "utf8").match(/token = "([^"]+)"/)?.[1] ?? "";
      cliIn(b, "init");
      cliIn(b, "remote", "add", "hub", env.hubUrl);
      cliIn(b, "login", "--token", token);
      cliIn(b, "fetch", "--remote", "hub");
      const inB = join(b, "collections", "default", "skills", "brand-guidelines", "SKILL.md");
      const inA = join(env.collection, "skills", "brand-guidelines", "SKILL.md");
      const base = readFileSync(inA, "utf8");
      expect(readFileSync(inB, "utf8")).toBe(base);
      const lines = base.split("\n");
      const at = lines.findIndex((l, i) => i > 5 && l.trim().length > 0);
      const theirs = [...lines];
      theirs[at] = "Second machine's wording.";
      writeFileSync(inB, theirs.join("\n"));
      cliIn(b, "publish", id, "--remote", "hub");
      const mine = [...lines];
      mine[at] = "This machine's wording.";
      writeFileSync(inA, mine.join("\n"));
      await go("#/conflicts");
      const link = p.locator('[data-testid="conflict-list"] li', { hasText: "brand-guidelines" });
      await poll(() => link.textContent()).toContain("hub");
      await link.locator("a").click();
      await p.locator('[data-testid="hunks"] li').first().waitFor();
      await shot(p, "conflict-hub");
      await p.getByRole("button", { name: "Use local" }).first().click();
      await poll(() => p.locator('[data-testid="unresolved"]').textContent()).toContain("Ready to save");
      await p.locator('[data-testid="save-resolution"]').click();
      await poll(() => p.locator('[data-testid="unresolved"]').textContent()).toContain("Resolved");
      expect(readFileSync(inA, "utf8")).toBe(mine.join("\n"));
      // the hub now has the resolution, and the second machine gets it with a plain fetch
      cliIn(b, "fetch", "--remote", "hub");
      expect(readFileSync(inB, "utf8")).toBe(mine.join("\n"));
    });

    it("shows history, diffs two versions and rolls back after confirmation", async () => {
      const p = page();
      await go("#/history/skill/ui-made-skill");
      await p.locator('[data-testid="history-table"] tbody tr').first().waitFor();
      await poll(() => p.locator('[data-testid="changes"]').textContent()).toContain("SKILL.md");
      await shot(p, "history");
      const row = p
        .locator('[data-testid="history-table"] tbody tr')
        .filter({ hasNotText: "current" })
        .first();
      await row.getByRole("button", { name: "Roll back…" }).click();
      await p.locator('[data-testid="confirm-rollback"]').click();
      await p.locator('[data-testid="rollback-result"]').waitFor();
      const text = readFileSync(join(env.collection, "skills", "ui-made-skill", "SKILL.md"), "utf8");
      expect(text).not.toContain("Edited in the browser.");
    });

    it("turns automatic sync on from the daemon panel and updates live", async () => {
      const p = page();
      await go("#/daemon");
      const toggle = p.locator('[data-testid="auto-sync"]');
      await toggle.waitFor();
      await poll(() => p.locator('[data-testid="live"]').textContent()).toBe("live");
      expect(await toggle.isChecked()).toBe(false);
      await toggle.click();
      await poll(() => p.locator('[data-testid="auto-state"]').textContent()).toBe("on");
      expect(readFileSync(join(env.home, "config.toml"), "utf8")).toMatch(/enabled\s*=\s*true/);
      await p.locator('[data-testid="sync-now"]').click();
      await poll(() => p.locator('[data-testid="events"]').textContent()).toMatch(/sync-(started|finished)/);
      await shot(p, "daemon");
    });

    it("can be driven by the keyboard alone", async () => {
      const p = page();
      await go("#/");
      await p.reload(); // focus starts at the top of a freshly loaded page
      await p.locator('[data-testid="artifact-table"] tbody tr').first().waitFor();
      await p.keyboard.press("Tab");
      expect(await p.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
      await p.getByLabel("Search").focus();
      await p.keyboard.type("theme");
      await p.keyboard.press("Tab");
      expect(await p.evaluate(() => document.activeElement?.textContent)).toBe("theme-factory");
      await p.keyboard.press("Enter");
      await p.waitForURL(/#\/a\/skill\/theme-factory$/);
      // the deploy dialog opens from the keyboard and Escape closes it
      await p.getByRole("button", { name: "Deploy to project…" }).focus();
      await p.keyboard.press("Enter");
      await p.locator("dialog[open]").waitFor();
      await p.keyboard.press("Escape");
      await poll(() => p.locator("dialog[open]").count()).toBe(0);
    });

    it("says so when the hub is unreachable, and publishing queues", async () => {
      const p = page();
      env.hub?.kill("SIGTERM");
      await new Promise((r) => env.hub?.once("exit", r));
      await go("#/");
      const place = p.locator(".places li", { hasText: "hub" });
      await poll(() => place.textContent()).toContain("unreachable");
      await shot(p, "hub-unreachable");
      await go("#/a/skill/theme-factory");
      await p.getByRole("button", { name: "Publish to hub…" }).click();
      await poll(() => p.locator('[data-testid="preview-summary"]').textContent()).toContain("unreachable");
      await p.getByRole("button", { name: /^Publish \d+ file/ }).click();
      await poll(() => p.locator('[data-testid="action-result"]').textContent()).toContain("Queued");
      await p.keyboard.press("Escape");
    });

    it("says so honestly when the daemon stops", async () => {
      const p = page();
      env.daemon?.kill("SIGTERM");
      await new Promise((r) => env.daemon?.once("exit", r));
      // the open page stays; its next request fails and the page says what to do
      await p.evaluate(() => {
        location.hash = "#/";
      });
      await poll(() => p.locator('[data-testid="error"]').first().textContent()).toContain(
        "Daemon not reachable",
      );
      await poll(() => p.locator(".conn").textContent()).not.toBe("live");
      await shot(p, "daemon-stopped");
    });
  },
);
