/** The archive rules, judged on real tar.gz streams: every hostile form refused with its entry and reason. */
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ArchiveRefusal, inspectArchive, type ArchiveLimits } from "./archive-inspect.js";
import { makeGzipBomb, tarGzOf, tarOf, type RawEntry } from "./archives.test-utils.js";

const inspect = (bytes: Buffer, limits?: Partial<ArchiveLimits>) => inspectArchive(Readable.from([bytes]), limits);

async function refusalOf(bytes: Buffer, limits?: Partial<ArchiveLimits>): Promise<ArchiveRefusal> {
  const error = await inspect(bytes, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArchiveRefusal);
  return error as ArchiveRefusal;
}

const file = (path: string, body = "x"): RawEntry => ({ path, body });
const dir = (path: string): RawEntry => ({ path, type: "Directory" });
const symlink = (path: string, linkpath: string): RawEntry => ({ path, type: "SymbolicLink", linkpath });
const hardlink = (path: string, linkpath: string): RawEntry => ({ path, type: "Link", linkpath });

describe("inspectArchive accepts", () => {
  it.each<[string, RawEntry[]]>([
    ["files and directories", [dir("src/"), file("src/a.js"), file("./b.txt")]],
    [
      "links that stay inside, chains included",
      [file("src/a.js"), symlink("current", "src"), symlink("also", "current/../src/a.js"), symlink("up", "src/../current")],
    ],
    ["a dangling link inside", [file("a"), symlink("later", "not/yet/there")]],
    ["a hard link to a file packed before it", [file("a"), hardlink("b", "a")]],
    ["a directory named twice", [dir("d/"), dir("d/"), file("d/x")]],
  ])("%s", async (_name, entries) => {
    expect(await inspect(tarGzOf(entries))).toMatchObject({ entries: entries.length });
  });
});

describe("inspectArchive refuses, naming the entry and the reason", () => {
  it.each<[string, RawEntry[], string, string | RegExp]>([
    ["a path with ..", [file("ok"), file("../evil")], "../evil", "escapes the archive's root"],
    ["a path climbing out through a directory", [file("a/../../evil")], "a/../../evil", "escapes the archive's root"],
    ["a backslash path with ..", [file("..\\evil")], "..\\evil", "escapes the archive's root"],
    ["an absolute path", [file("/etc/cron.d/x")], "/etc/cron.d/x", "escapes the archive's root"],
    ["a Windows drive path", [file("C:/x")], "C:/x", "escapes the archive's root"],
    ["an absolute symlink", [symlink("passwd", "/etc/passwd")], "passwd", "links outside the archive's root (/etc/passwd)"],
    ["a symlink with ..", [symlink("up", "../..")], "up", "links outside the archive's root (../..)"],
    [
      "a chain out, the later link making the earlier one leave",
      [symlink("x", "a/.."), symlink("a", ".")],
      "x",
      "links outside the archive's root (a/..)",
    ],
    [
      "a chain of three out",
      [symlink("a", "b/c"), symlink("b", "d"), dir("d/"), symlink("d/c", "../../out")],
      "a",
      "links outside the archive's root (b/c)",
    ],
    ["a loop of links", [symlink("a", "b"), symlink("b", "a/x")], "a", /loop of symbolic links/],
    [
      "a file written through a link",
      [symlink("etc", "sub"), file("etc/passwd")],
      "etc/passwd",
      "is written through the symbolic link etc",
    ],
    ["a hard link out", [hardlink("shadow", "../../etc/shadow")], "shadow", "links outside the archive's root (../../etc/shadow)"],
    ["a hard link to an absolute path", [hardlink("shadow", "/etc/shadow")], "shadow", "links outside the archive's root (/etc/shadow)"],
    ["a hard link to nothing packed", [hardlink("b", "a")], "b", "is a hard link to a, which is not a file packed before it"],
    [
      "a hard link to a symlink out",
      [symlink("s", "/etc/passwd"), hardlink("h", "s")],
      "h",
      "is a hard link to s, which is not a file packed before it",
    ],
    [
      "a hard link to an inside symlink",
      [file("f"), symlink("s", "f"), hardlink("h", "s")],
      "h",
      "is a hard link to s, which is not a file packed before it",
    ],
    ["a character device", [{ path: "tty", type: "CharacterDevice" }], "tty", "entries of type CharacterDevice are not allowed"],
    ["a block device", [{ path: "sda", type: "BlockDevice" }], "sda", "entries of type BlockDevice are not allowed"],
    ["a FIFO", [{ path: "pipe", type: "FIFO" }], "pipe", "entries of type FIFO are not allowed"],
    ["a file twice", [file("a", "1"), file("./a", "2")], "./a", "appears twice in the archive (first as a)"],
    ["a link replacing a file", [file("a"), symlink("a", "/")], "a", "appears twice in the archive (first as a)"],
    ["a link replacing a directory of files", [file("d/x"), symlink("d", "/")], "d", "is a directory of earlier entries"],
    ["a file inside a file", [file("a"), file("a/b")], "a/b", "is inside a, which is a file"],
  ])("%s", async (_name, entries, entry, reason) => {
    const refusal = await refusalOf(tarGzOf(entries));
    expect(refusal.kind).toBe("unsafe");
    expect(refusal.entry).toBe(entry);
    if (typeof reason === "string") expect(refusal.reason).toBe(reason);
    else expect(refusal.reason).toMatch(reason);
  });
});

describe("inspectArchive refuses what is not a whole tar.gz", () => {
  const whole = tarGzOf([file("a.txt", "a".repeat(5000))]);
  it.each<[string, Buffer, RegExp]>([
    ["a truncated gzip", whole.subarray(0, whole.length - 20), /gzip stream is truncated/],
    ["a gzip cut in its header", whole.subarray(0, 5), /truncated/],
    ["bytes that are no gzip", Buffer.from("not a tarball at all, just words"), /\(not gzip\)/],
    ["a gzip of no tar", gzipSync(Buffer.from("hello")), /not a valid tar\.gz archive/],
    ["a gzip of zeros", gzipSync(Buffer.alloc(1024)), /not a valid tar\.gz archive/],
    ["a tar cut mid-file", gzipSync(tarOf([file("a.txt", "a".repeat(5000))]).subarray(0, 1024)), /not a valid tar\.gz archive/],
    ["a gzip inside the gzip", gzipSync(whole), /compressed twice/],
  ])("%s", async (_name, bytes, reason) => {
    const refusal = await refusalOf(bytes);
    expect(refusal.kind).toBe("invalid");
    expect(refusal.message).toMatch(reason);
  });
});

describe("inspectArchive's limits", () => {
  it("refuses a gzip bomb as soon as it inflates past the limit, without reading it all", async () => {
    const bomb = await makeGzipBomb(256 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    let read = 0;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < bomb.length; i += 16 * 1024) {
          read += 16 * 1024;
          yield bomb.subarray(i, i + 16 * 1024);
        }
      })(),
    );
    const error = await inspectArchive(source, { maxInflatedBytes: 4 * 1024 * 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveRefusal);
    expect(error).toMatchObject({
      kind: "too-large",
      limit: 4 * 1024 * 1024,
      message: `inflates to more than the limit of ${4 * 1024 * 1024} bytes`,
    });
    expect(read).toBeLessThan(bomb.length / 2);
  });

  it("refuses more entries than allowed, and takes exactly as many", async () => {
    const entries = Array.from({ length: 50 }, (_, i) => file(`f${i}`));
    expect(await refusalOf(tarGzOf(entries), { maxEntries: 49 })).toMatchObject({
      kind: "too-large",
      limit: 49,
      message: "more than 49 entries",
    });
    expect(await inspect(tarGzOf(entries), { maxEntries: 50 })).toMatchObject({ entries: 50 });
  });
});
