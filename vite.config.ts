/**
 * Vite config of the web UI (`src/web/` → `dist/web/`). Every asset is bundled into `dist/web/`
 * (no CDN, no network at run time); the daemon serves that folder at `/`. `npm run dev:web`-style
 * development can proxy `/api` to a running daemon on 127.0.0.1:7077.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL("./src/web", import.meta.url));
const outDir = fileURLToPath(new URL("./dist/web", import.meta.url));

// Vite loads its config from the default export (the one default export in the repo, tool-mandated).
export default defineConfig({
  root,
  base: "/",
  publicDir: false,
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    minify: process.env.SKILLSYNC_WEB_DEBUG ? false : "oxc",
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
    modulePreload: { polyfill: false },
  },
  server: { host: "127.0.0.1", proxy: { "/api": "http://127.0.0.1:7077" } },
});
