/**
 * After tsc: bundles the CLI (src/cli/main.ts and everything it imports, npm dependencies included)
 * into `dist/cli/main.js` plus lazily loaded chunks beside it (`dist/cli/chunk-*.js`, one per
 * command module's dynamic import and what only it needs), with rolldown (the bundler under vite 8).
 * Why: Node spends most of a short command's start-up resolving and reading hundreds of small module
 * files; one file per command path starts 2-4x faster (bench/start.mjs).
 *
 * - better-sqlite3 and pg stay external (native addon / optional native parts); Node built-ins too.
 * - Every `import.meta.url` in a bundled module is rewritten to the URL that module has in tsc's
 *   layout (`dist/<dir>/<name>.js`), so paths relative to a module (package.json, examples/, dist/web,
 *   the verify worker `dist/store/verify-worker.js`, which tsc still emits) resolve as before.
 *   This holds because every chunk is written into `dist/cli/` itself.
 * - The rest of tsc's output stays in dist/ (benchmarks and the worker thread import it).
 */
import { relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SRC = resolve(ROOT, "src");
const OUT = resolve(ROOT, "dist", "cli");

/** Rewrites `import.meta.url` in src/ modules to their tsc-layout URL, relative to dist/cli/. */
const metaUrlPlugin = {
  name: "skillsync-meta-url",
  transform(code, id) {
    if (!id.startsWith(SRC + sep) || !code.includes("import.meta.url")) return null;
    const js = relative(SRC, id).replace(/\.ts$/, ".js").split(sep).join("/");
    const rel = `../${js}`; // from dist/cli/<chunk>.js to dist/<js>
    return {
      code: code.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
      map: null,
    };
  },
};

const t0 = performance.now();
await build({
  input: resolve(SRC, "cli", "main.ts"),
  platform: "node",
  external: [/^better-sqlite3(\/|$)/, /^pg(\/|$)/, /^pg-native(\/|$)/],
  plugins: [metaUrlPlugin],
  logLevel: "warn",
  output: {
    dir: OUT,
    format: "esm",
    entryFileNames: "main.js",
    chunkFileNames: "chunk-[name]-[hash].js",
    sourcemap: false,
    minify: false,
  },
});
process.stdout.write(`bundled the CLI into dist/cli/ in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
