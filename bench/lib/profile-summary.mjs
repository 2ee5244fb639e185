/**
 * Summarizes a V8 .cpuprofile: self time by function and by module (package or project file).
 *   node bench/lib/profile-summary.mjs bench/profiles/<run>/Pergola-N1000.cpuprofile [--top 30]
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatTable } from "./util.mjs";

export function summarizeProfile(path, { top = 25 } = {}) {
  const profile = JSON.parse(readFileSync(path, "utf8"));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const intervals = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (intervals[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  const byFunction = new Map();
  const byModule = new Map();
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id);
    const where = shortUrl(callFrame.url);
    const fn = `${callFrame.functionName || "(anonymous)"} ${where ? `${where}:${callFrame.lineNumber + 1}` : ""}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    const mod = moduleOf(callFrame);
    byModule.set(mod, (byModule.get(mod) ?? 0) + micros);
  }
  const rows = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => [`${((100 * micros) / total).toFixed(1)}%`, `${(micros / 1000).toFixed(0)} ms`, name]);
  return [
    `sampled ${(total / 1000).toFixed(0)} ms`,
    formatTable(["self", "", "module"], rows(byModule, 15)),
    "",
    formatTable(["self", "", "function"], rows(byFunction, top)),
  ].join("\n");
}

function shortUrl(url) {
  if (!url) return "";
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("/node_modules/");
  if (nm >= 0) return path.slice(nm + "/node_modules/".length);
  const root = path.indexOf("/apps/") >= 0 ? path.indexOf("/apps/") : path.indexOf("/packages/");
  return root >= 0 ? path.slice(root + 1) : path;
}

function moduleOf(callFrame) {
  const { url, functionName } = callFrame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native/V8)";
  if (url.startsWith("node:")) return url;
  const short = shortUrl(url);
  if (url.includes("/node_modules/")) {
    const parts = short.split("/");
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return short;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [path, flag, n] = process.argv.slice(2);
  if (!path) {
    console.error("usage: node bench/lib/profile-summary.mjs <file.cpuprofile> [--top N]");
    process.exit(2);
  }
  console.log(summarizeProfile(path, { top: flag === "--top" ? Number(n) : 25 }));
}
