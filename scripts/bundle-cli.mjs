/**
 * After tsc: bundles the CLI (src/cli/main.ts and everything it imports, npm dependencies included)
 * into `dist/cli/main.cjs` plus lazily loaded chunks beside it (`dist/cli/chunk-*.cjs`, one per
 * command module's dynamic import and what only it needs), with rolldown (the bundler under vite 8),
 * as CommonJS. Why: Node spends most of a short command's start-up resolving and reading hundreds of
 * small module files; one file per command path starts 2-4x faster (bench/start.mjs), and CommonJS
 * files load without the ES module loader. `dist/cli/main.js` (postbuild.mjs) only requires
 * `main.cjs`, for whoever runs the old path.
 *
 * - better-sqlite3 and pg stay external (native addon / optional native parts); Node built-ins too.
 * - Every `import.meta.url` in a bundled module is rewritten to the URL that module has in tsc's
 *   layout (`dist/<dir>/<name>.js`), so paths relative to a module (package.json, examples/, dist/web,
 *   the verify worker `dist/store/verify-worker.js`, which tsc still emits) resolve as before.
 *   This holds because every chunk is written into `dist/cli/` itself. (In the CommonJS output rolldown
 *   writes `import.meta.url` as the file URL of `__filename`.)
 * - `yaml`, `zod`, `smol-toml` and `cli-table3`, imported by src/ modules (not src/mcp/), are loaded
 *   on first use: such an import resolves to a stub whose exports call into
 *   `dist/cli/vendor-<name>.cjs` (the package bundled alone as CommonJS), which the stub `require`s
 *   synchronously the first time one of them is called or read. A warm `status` parses no YAML or
 *   TOML, builds no schema and prints no table (the parsed cache and the stat cache answer), so it no
 *   longer compiles and runs ~500 KB of their code at every start. Functions are wrapped (a class
 *   called with `new` is constructed from the real one, `instanceof` asks the real one); any other
 *   export (zod's `z` namespace) is a Proxy that forwards every property read. `src/mcp/` keeps the
 *   normal import: its schemas go to the MCP SDK, which must see the same zod copy as its own.
 * - The verify worker thread's entry (src/store/verify-worker.ts and stat-check.ts) is bundled alone
 *   into `dist/store/verify-worker.cjs`, CommonJS, so the thread boots without the ES module loader.
 * - The rest of tsc's output stays in dist/ (benchmarks and tests import it).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SRC = resolve(ROOT, "src");
const DIST = resolve(ROOT, "dist");
const OUT = resolve(DIST, "cli");

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

let compiled;
/**
 * Every `.js` file of tsc's output that the bundle draws on: dist/ outside mcp/, web/ and the
 * bundle's own files (read once per build).
 */
function compiledModules() {
  if (compiled) return compiled;
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== join(DIST, "mcp") && p !== join(DIST, "web")) walk(p);
      } else if (e.name.endsWith(".js") && !/^(chunk|vendor)-/.test(e.name))
        out.push(readFileSync(p, "utf8"));
    }
  };
  walk(DIST);
  compiled = out;
  return out;
}

/**
 * The names the compiled modules import from package `name` (`default` for a default import), found
 * in tsc's output; only these are forwarded by its stub and kept in its vendor file.
 * @throws Error for a dynamic `import()` of the package or a namespace import (a stub could not know
 *   what is used: import the names statically, which costs nothing now)
 */
function importedNames(name, modules) {
  const from = `from ${JSON.stringify(name)}`;
  const names = new Set();
  for (const code of modules) {
    if (
      code.includes(`import(${JSON.stringify(name)})`) ||
      new RegExp(`import \\* as [\\w$]+ ${from}`).test(code)
    )
      throw new Error(
        `bundle-cli: ${name} is loaded lazily; import its names statically (import { x } ${from})`,
      );
    for (const m of code.matchAll(
      new RegExp(`import\\s+([\\w$]+)?\\s*,?\\s*(?:\\{([^}]*)\\})?\\s*${from}`, "g"),
    )) {
      if (m[1]) names.add("default");
      for (const part of (m[2] ?? "").split(",")) {
        const n = part.trim().split(/\s+as\s+/)[0];
        if (n && !n.startsWith("type ")) names.add(n);
      }
    }
  }
  return [...names].sort();
}

/**
 * What a stub of `name` forwards: the imported names ({@link importedNames}), each a function or an
 * object in the real package (a symbol or other plain value cannot be forwarded lazily: the build stops).
 */
async function forwardable(name) {
  const real = await import(name);
  const modules = compiledModules();
  const keys = importedNames(name, modules);
  for (const k of keys) {
    const v = real[k];
    if (!(typeof v === "function" || (v !== null && typeof v === "object")))
      throw new Error(`bundle-cli: ${name} exports ${k} as a ${typeof v}, which a lazy stub cannot forward`);
  }
  return { keys, real, modules };
}

/**
 * The stub module for one lazily loaded package: one export per name the code imports, each
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

/**
 * The members of namespace `ns` (an object export such as zod's `z`) that the compiled modules use:
 * every `ns.member` in tsc's output (types erased) that the real namespace has. A vendor file built
 * from these alone is what rolldown would keep of the namespace in the bundle (zod: ~190 KB of 650).
 */
function namespaceMembers(ns, real, modules) {
  const found = new Set();
  const re = new RegExp(`\\b${ns}\\.([A-Za-z_$][\\w$]*)`, "g");
  for (const code of modules) for (const m of code.matchAll(re)) if (m[1] in real) found.add(m[1]);
  return [...found].sort();
}

/**
 * The entry of a vendor file: the names the code imports from the package, default included; an
 * object export is rebuilt from the members the code uses ({@link namespaceMembers}).
 */
const vendorEntryPlugin = {
  name: "skillsync-vendor-entry",
  resolveId: (source) => (source.startsWith(VENDOR_PREFIX) ? source : null),
  async load(id) {
    if (!id.startsWith(VENDOR_PREFIX)) return null;
    const name = id.slice(VENDOR_PREFIX.length);
    const { keys, real, modules } = await forwardable(name);
    const from = JSON.stringify(name);
    const lines = [];
    for (const [i, k] of keys.entries()) {
      const key = JSON.stringify(k);
      if (typeof real[k] === "function") {
        lines.push(`export { ${key} } from ${from};`);
        continue;
      }
      const members = namespaceMembers(k, real[k], modules);
      lines.push(
        `import { ${key} as ns${i} } from ${from};`,
        `const o${i} = { ${members.map((m) => `${m}: ns${i}.${m}`).join(", ")} };`,
        `export { o${i} as ${key} };`,
      );
    }
    return lines.join("\n");
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
    // CommonJS: Node 20 loads a CommonJS module with one synchronous read and compile, and an ES module
    // through its module loader (an asynchronous open, stat, read and close per file, a resolve per
    // import, and the loader's own ~20 internal modules compiled first); a status loads ~28 chunks,
    // and the empty status started ~19 ms sooner this way (90 -> 71 ms, node -e 0 26 ms).
    format: "cjs",
    entryFileNames: "main.cjs",
    chunkFileNames: "chunk-[name]-[hash].cjs",
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
// The status's worker thread (store/verify-thread.ts starts it) as one CommonJS file: a worker whose
// entry is an ES module boots Node's ES module loader (~20 more internal modules to compile, and each
// import resolved through it) before its first check; this one requires better-sqlite3 and runs.
await build({
  input: resolve(SRC, "store", "verify-worker.ts"),
  platform: "node",
  external: [/^better-sqlite3(\/|$)/],
  logLevel: "warn",
  output: {
    file: resolve(DIST, "store", "verify-worker.cjs"),
    format: "cjs",
    sourcemap: false,
    minify: false,
  },
});
process.stdout.write(`bundled the CLI into dist/cli/ in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
