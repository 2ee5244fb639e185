/**
 * Packs `pergola-agent` as an npm package that installs on any machine with Node 20:
 *
 *   npm run pack -w @pergola/agent -- --out <dir>     (builds first; or `node scripts/pack.mjs` after a build)
 *   npm install -g ./pergola-agent-<version>.tgz
 *
 * The agent's workspace packages (@pergola/runtime, @pergola/schema) are not published, so the
 * built agent (dist/cli.js) is bundled with them into one file by esbuild; every other package
 * it imports stays an import, and becomes a dependency of the packed package at the exact
 * version the workspace pins (whichever of the three package.json files declares it). A package
 * the bundle imports that none of them declares, or declares at two versions, or not exactly,
 * stops the pack: the tarball would install something else than what was tested.
 *
 * The package: package.json (name pergola-agent), bin/pergola-agent.js, dist/cli.js, README.md,
 * and the repository's deploy/ (the systemd unit and its env file), for the machine it lands on.
 * dist/cli.js sits one directory below package.json, as in the workspace, so the version the
 * agent reads from `../package.json` is the package's. Prints the tarball's path last.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const agentDir = fileURLToPath(new URL("..", import.meta.url));
const repoDir = resolve(agentDir, "../..");
const { values } = parseArgs({ options: { out: { type: "string", default: process.cwd() } } });
const outDir = resolve(values.out);

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const agentPackage = readJson(join(agentDir, "package.json"));
const rootPackage = readJson(join(repoDir, "package.json"));
/** Where the bundled code's imports are declared: the agent and the workspace packages it bundles. */
const declaring = [
  agentPackage,
  readJson(join(repoDir, "packages/runtime/package.json")),
  readJson(join(repoDir, "packages/schema/package.json")),
];
const WORKSPACE = /^@pergola\//;
const EXACT = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

const entry = join(agentDir, "dist/cli.js");
if (!existsSync(entry)) throw new Error(`${entry} does not exist: build first (npx turbo run build)`);

const stage = mkdtempSync(join(tmpdir(), "pergola-agent-pack-"));
try {
  const result = await build({
    entryPoints: [entry],
    outfile: join(stage, "dist/cli.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    metafile: true,
    logLevel: "warning",
    plugins: [
      {
        name: "npm-packages-stay-imports",
        setup(build) {
          // Bare specifiers other than the workspace's: node's builtins and npm packages.
          build.onResolve({ filter: /^[^./]/ }, (args) => (WORKSPACE.test(args.path) ? undefined : { path: args.path, external: true }));
        },
      },
    ],
  });

  const imported = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || isBuiltin(path)) continue;
      imported.add(path.startsWith("@") ? path.split("/").slice(0, 2).join("/") : path.split("/")[0]);
    }
  }
  const dependencies = {};
  for (const name of [...imported].sort()) {
    const versions = new Set(declaring.map((p) => p.dependencies?.[name]).filter(Boolean));
    if (versions.size !== 1) {
      throw new Error(
        `the bundle imports ${name}, which ${versions.size ? `is declared at ${[...versions].join(" and ")}` : "no package.json of the agent, @pergola/runtime or @pergola/schema declares"}`,
      );
    }
    const [version] = versions;
    if (!EXACT.test(version)) throw new Error(`${name} is declared as "${version}", not an exact version`);
    dependencies[name] = version;
  }

  const manifest = {
    name: "pergola-agent",
    version: agentPackage.version,
    description: agentPackage.description,
    type: "module",
    bin: { "pergola-agent": "bin/pergola-agent.js" },
    files: ["bin", "dist", "deploy"],
    engines: rootPackage.engines,
    dependencies,
  };
  writeFileSync(join(stage, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(join(agentDir, "bin"), join(stage, "bin"), { recursive: true });
  cpSync(join(agentDir, "README.md"), join(stage, "README.md"));
  cpSync(join(repoDir, "deploy"), join(stage, "deploy"), { recursive: true });

  mkdirSync(outDir, { recursive: true });
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", outDir], { cwd: stage, encoding: "utf8" }));
  console.log(
    `pergola-agent ${manifest.version}: ${packed.entryCount} files, ${packed.size} bytes, depends on ${Object.keys(dependencies).join(", ")}`,
  );
  console.log(join(outDir, packed.filename));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
