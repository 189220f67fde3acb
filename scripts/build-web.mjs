// Builds the web UI with Vite into dist/web/ (config: vite.config.ts). Run by `npm run build`
// (scripts/postbuild.mjs imports this file) or directly: `node scripts/build-web.mjs`.
import { fileURLToPath } from "node:url";
import { build } from "vite";

const configFile = fileURLToPath(new URL("../vite.config.ts", import.meta.url));
await build({ configFile, logLevel: "warn" });
