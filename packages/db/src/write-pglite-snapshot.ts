/** `node dist/write-pglite-snapshot.js` (the package's build, after tsc): writes the snapshot pglite-snapshot.ts reads. */
import { writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { dumpMigratedPglite } from "./client.js";
import { BUILT_SNAPSHOT_FILE } from "./pglite-snapshot.js";

const tar = Buffer.from(await (await dumpMigratedPglite()).arrayBuffer());
await writeFile(BUILT_SNAPSHOT_FILE, await promisify(gzip)(tar));
console.log(`wrote ${BUILT_SNAPSHOT_FILE}`);
