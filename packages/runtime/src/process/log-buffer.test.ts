import { describe, expect, it } from "vitest";
import { LogBuffer } from "./log-buffer.js";

describe("LogBuffer", () => {
  it("keeps the last lines, joins partial chunks and hands out only new lines by position", () => {
    const logs = new LogBuffer(3);
    logs.write("stdout", "one\ntw");
    logs.write("stdout", "o\n");
    let read = logs.since(0);
    expect(read).toEqual({ lines: ["one", "two"], next: 2 });
    logs.write("stderr", "three\nfour\nfive\n");
    expect(logs.tail(10)).toEqual(["three", "four", "five"]);
    // "two" fell out before it was read again: only what is still kept, nothing twice.
    read = logs.since(read.next);
    expect(read).toEqual({ lines: ["three", "four", "five"], next: 5 });
    expect(logs.since(read.next)).toEqual({ lines: [], next: 5 });
    logs.write("stdout", "six");
    logs.flush("stdout");
    expect(logs.since(read.next)).toEqual({ lines: ["six"], next: 6 });
  });
});
