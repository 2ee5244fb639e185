/**
 * Each vitest worker of the postgres project gets a PostgreSQL database of its own,
 * `<TEST_DATABASE_URL's database>_w<VITEST_POOL_ID>`, copied from the migrated test database
 * (global-setup.ts migrates it and drops the last run's copies) the first time the worker needs
 * it; TEST_DATABASE_URL then names the copy for the file's tests and every process they start.
 * Files running at once never share a database: no test sees another file's API processes
 * (their webhook senders, Outpost monitors and agents) at work on its rows.
 */
import postgres from "postgres";

const base = new URL(process.env.TEST_DATABASE_URL!);
const template = decodeURIComponent(base.pathname.slice(1));
const name = `${template}_w${process.env.VITEST_POOL_ID ?? "1"}`;

// Not connected to the template: CREATE DATABASE … TEMPLATE refuses while anyone is.
const maintenance = new URL(base);
maintenance.pathname = "/postgres";
const admin = postgres(maintenance.toString(), { max: 1, onnotice: () => {} });
try {
  const [found] = await admin`select 1 from pg_database where datname = ${name}`;
  if (!found) await admin.unsafe(`create database "${name}" template "${template}"`);
} finally {
  await admin.end({ timeout: 5 });
}
const own = new URL(base);
own.pathname = `/${name}`;
process.env.TEST_DATABASE_URL = own.toString();
