/**
 * Nothing in the repository points outside it. Every fact a comment or a page relies on is in
 * the repository: the design in docs/design.md, the decisions in docs/adr/, the layout in
 * ARCHITECTURE.md. A pointer to a document beside the checkout (a sibling `shared` folder, the
 * first round's design, conventions or stack notes, a path on one machine) means nothing to a
 * reader of a fresh clone, so every tracked text file is searched for one.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * What a pointer outside the repository looks like. Built from pieces so that this file does
 * not match itself. The outside documents' names are upper case; the design in the repository
 * is docs/design.md (lower case), so it never matches.
 */
const designName = ["DES", "IGN"].join("");
const conventionsName = ["CONVEN", "TIONS"].join("");
const POINTERS: { name: string; pattern: RegExp }[] = [
  { name: "a path into a sibling shared folder", pattern: new RegExp(["\\.\\.", "shared", ""].join("/")) },
  { name: "an absolute path on one machine", pattern: new RegExp(`(^|[\\s"'\`(\\[])/${"work"}/`) },
  { name: "the outside design document", pattern: new RegExp(`(?<!docs/)\\b${designName}\\b`) },
  { name: "the outside stack notes", pattern: new RegExp(["STACK", "NOTES"].join("-")) },
  { name: "the outside conventions", pattern: new RegExp(`\\b${conventionsName}\\b`) },
];

/** Files allowed to point outside the repository: none. */
const ALLOWED: readonly string[] = [];

/** Generated or vendored: not written by hand, and not read as documentation. */
const SKIPPED = new Set(["package-lock.json"]);

function trackedFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return out.split("\0").filter((f) => f !== "" && !SKIPPED.has(f.split("/").pop()!));
}

function readText(file: string): string | null {
  const path = join(root, file);
  if (!existsSync(path)) return null; // deleted in the working tree, not yet committed
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 8000).includes(0)) return null; // binary (images, archives)
  return bytes.toString("utf8");
}

/** Every pointer outside the repository, as `file:line: what — the line`. */
function findPointers(files: readonly string[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of files) {
    const text = readText(file);
    if (text === null) continue;
    text.split("\n").forEach((line, i) => {
      for (const { name, pattern } of POINTERS) {
        if (pattern.test(line)) {
          const list = found.get(file) ?? [];
          list.push(`${file}:${i + 1}: ${name} — ${line.trim().slice(0, 160)}`);
          found.set(file, list);
        }
      }
    });
  }
  return found;
}

describe("the repository", () => {
  it("is a git checkout this test can list", () => {
    const files = trackedFiles();
    expect(files).toContain("ARCHITECTURE.md");
    expect(files).toContain("docs/design.md");
    expect(files.length).toBeGreaterThan(100);
  });

  it("finds each kind of pointer it looks for (the patterns work)", () => {
    const samples = [
      ["see ", "..", "/shared/", designName, ".md"].join(""),
      ["(", designName, ' "Outposts")'].join(""),
      ["cat ", "/work", "/shared/notes.md"].join(""),
      ["(", "STACK", "-NOTES)"].join(""),
      ["(", conventionsName, ' "Transport")'].join(""),
    ];
    for (const sample of samples)
      expect(
        POINTERS.some(({ pattern }) => pattern.test(sample)),
        sample,
      ).toBe(true);
    const fine = [
      "see docs/design.md",
      `[docs/${designName}.md](docs/${designName}.md)`,
      "the design target",
      "../../docs/adr/0001.md",
      "http://host/work/x",
    ];
    for (const sample of fine)
      expect(
        POINTERS.some(({ pattern }) => pattern.test(sample)),
        sample,
      ).toBe(false);
  });

  it("points nowhere outside itself", () => {
    const found = findPointers(trackedFiles());
    for (const file of ALLOWED) found.delete(file);
    const offenders = [...found.keys()].sort();
    const report = [...found.values()].flat().join("\n");
    expect(offenders, `pointers outside the repository:\n${report}`).toEqual([]);
  });
});
