import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerHubStoreConformance } from "../../../test/helpers/hub-store-conformance.js";
import { createSqliteHubStore } from "./sqlite.js";

registerHubStoreConformance("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skillsync-hub-sqlite-"));
  const store = createSqliteHubStore({ path: join(dir, "hub.db") });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
