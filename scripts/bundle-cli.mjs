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
 * - `yaml`, `zod`, `smol-toml` and `cli-table3`, imported by src/ modules (not src/mcp/), are loaded
 *   on first use: such an import resolves to a stub whose exports call into
 *   `dist/cli/vendor-<name>.cjs` (the package bundled alone as CommonJS), which the stub `require`s
 *   synchronously the first time one of them is called or read. A warm `status` parses no YAML or
 *   TOML, builds no schema and prints no table (the parsed cache and the stat cache answer), so it no
 *   longer compiles and runs ~500 KB of their code at every start. Functions are wrapped (a class
 *   called with `new` is constructed from the real one, `instanceof` asks the real one); any other
 *   export (zod's `z` namespace) is a Proxy that forwards every property read. `src/mcp/` keeps the
 *   normal import: its schemas go to the MCP SDK, which must see the same zod copy as its own.
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

/** Packages loaded on first use by src/ modules, and the folder whose modules keep the normal import. */
const LAZY = ["yaml", "zod", "smol-toml", "cli-table3"];
const EAGER_DIR = resolve(SRC, "mcp") + sep;
const LAZY_PREFIX = "\0skillsync-lazy:";
const VENDOR_PREFIX = "\0skillsync-vendor:";

/** `dist/cli/vendor-<name>.cjs`: one file per lazily loaded package. */
const vendorFile = (name) => `vendor-${name}.cjs`;

/** The export names of a package's ES module face that a stub can forward (functions and objects). */
async function forwardable(name) {
  const real = await import(name);
  const out = [];
  for (const key of Object.keys(real)) {
    const v = real[key];
    // A symbol or other plain value cannot be forwarded lazily: it is left out, so importing it
    // from src/ fails the build instead of yielding undefined.
    if (typeof v === "function" || (v !== null && typeof v === "object")) out.push(key);
  }
  return { keys: out, real };
}

/**
 * The stub module for one lazily loaded package: one export per export of the real package, each
 * deferring to `vendor-<name>.cjs` on first use. A function export is a wrapper that calls the real
 * one (or constructs it, under `new`) and answers `instanceof` for it; an object export (zod's `z`)
 * is a Proxy forwarding property reads.
 */
async function lazyStub(name) {
  const { keys, real } = await forwardable(name);
  const lines = [
    'import { createRequire } from "node:module";',
    "let m;",
    `const load = () => (m ??= createRequire(import.meta.url)(${JSON.stringify(`./${vendorFile(name)}`)}));`,
  ];
  const names = [];
  for (const key of keys) {
    const k = JSON.stringify(key);
    const local = `e${names.length}`;
    if (typeof real[key] === "function")
      lines.push(
        `function ${local}(...a) { const f = load()[${k}]; return new.target ? new f(...a) : f.apply(this, a); }`,
        `Object.defineProperty(${local}, Symbol.hasInstance, { value: (x) => x instanceof load()[${k}] });`,
      );
    else
      lines.push(
        `const ${local} = new Proxy({}, { get: (_, p) => load()[${k}][p], has: (_, p) => p in load()[${k}] });`,
      );
    names.push(`${local} as ${k}`);
  }
  lines.push(`export { ${names.join(", ")} };`);
  return lines.join("\n");
}

/** Resolves the LAZY packages imported from src/ (outside src/mcp/) to their lazy stubs. */
const lazyVendorPlugin = {
  name: "skillsync-lazy-vendor",
  resolveId(source, importer) {
    if (!LAZY.includes(source) || !importer?.startsWith(SRC + sep) || importer.startsWith(EAGER_DIR))
      return null;
    return LAZY_PREFIX + source;
  },
  async load(id) {
    return id.startsWith(LAZY_PREFIX) ? await lazyStub(id.slice(LAZY_PREFIX.length)) : null;
  },
};

/** The entry of a vendor file: the package's forwardable exports, default included. */
const vendorEntryPlugin = {
  name: "skillsync-vendor-entry",
  resolveId: (source) => (source.startsWith(VENDOR_PREFIX) ? source : null),
  async load(id) {
    if (!id.startsWith(VENDOR_PREFIX)) return null;
    const name = id.slice(VENDOR_PREFIX.length);
    const { keys } = await forwardable(name);
    return `export { ${keys.map((k) => JSON.stringify(k)).join(", ")} } from ${JSON.stringify(name)};`;
  },
};

const t0 = performance.now();
await build({
  input: resolve(SRC, "cli", "main.ts"),
  platform: "node",
  external: [/^better-sqlite3(\/|$)/, /^pg(\/|$)/, /^pg-native(\/|$)/],
  plugins: [metaUrlPlugin, lazyVendorPlugin],
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
for (const name of LAZY)
  await build({
    input: VENDOR_PREFIX + name,
    platform: "node",
    plugins: [vendorEntryPlugin],
    logLevel: "warn",
    output: {
      file: resolve(OUT, vendorFile(name)),
      format: "cjs",
      exports: "named",
      sourcemap: false,
      minify: false,
    },
  });
process.stdout.write(`bundled the CLI into dist/cli/ in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
