/**
 * The embedded default, as `npm start` runs it: a real API process on PGlite in a data dir.
 * A second process on the same data dir refuses to start (PGlite has no lock of its own and
 * two processes would corrupt it); after a restart, the data and the admin token are still there.
 */
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnApi } from "./testing/process.js";

describe("embedded PGlite data dir", () => {
  it("creates the admin token once, refuses a second process, keeps data across restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pergola-embedded-"));
    const first = await spawnApi({ PERGOLA_DATA_DIR: dataDir });
    try {
      const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
      expect(token).toMatch(/^pgl_/);
      expect(statSync(join(dataDir, "admin-token")).mode & 0o777).toBe(0o600);
      expect(first.output()).toContain(token);
      const res = await fetch(first.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `mutation { createProject(input: { name: "Kept" }) { slug } }` }),
      });
      expect(await res.json()).toEqual({ data: { createProject: { slug: "kept" } } });

      await expect(spawnApi({ PERGOLA_DATA_DIR: dataDir })).rejects.toThrow(/in use by another Pergola process/);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const second = await spawnApi({ PERGOLA_DATA_DIR: dataDir });
    try {
      expect(second.output()).not.toMatch(/pgl_/);
      expect(second.output()).toContain(join(dataDir, "admin-token"));
      const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
      const res = await fetch(second.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `{ projects { slug } }` }),
      });
      expect(await res.json()).toEqual({ data: { projects: [{ slug: "kept" }] } });
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
