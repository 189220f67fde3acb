/**
 * Test helper: a fresh PostgreSQL schema per use, dropped afterwards, on the database named by
 * `SKILLSYNC_TEST_PG`. Used by the hub's PostgreSQL tests only.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The test database URL, or undefined when PostgreSQL tests are off. */
export const TEST_PG_URL: string | undefined = process.env.SKILLSYNC_TEST_PG || undefined;

/** Why PostgreSQL tests are skipped (shown in the test name). */
export const PG_SKIP_REASON =
  "PostgreSQL tests skipped: set SKILLSYNC_TEST_PG=postgres://postgres@127.0.0.1:5432/test";

/** A fresh schema name `skillsync_t_<random>`. */
export function freshSchemaName(): string {
  return `skillsync_t_${randomBytes(6).toString("hex")}`;
}

/** Drops `schema` and everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}
