/**
 * A Component's working directory: its own copy of the Release's files for each run, as a
 * container gets a fresh writable layer, so what it writes outside its storage is gone when it
 * stops and no other Stage running the same Build sees it. Copied, not hard-linked: a link would
 * share every write with the Build.
 *
 * Copying takes time (about 2 ms for examples/hello, 0.2 s for 400 files and 3 MB), and a
 * Component starts in one synchronous tick (launch.ts says why). So one pristine copy is kept
 * ready beside the run dir, made in the background before the Release starts and again after
 * each start; a start takes it with a rename, and only copies synchronously when none is ready
 * (a restart right after a start, say).
 */
import { cpSync, existsSync, renameSync } from "node:fs";
import { cp, rm } from "node:fs/promises";
import { chownTree, chownTreeSync } from "./stage-sandbox.js";
import type { StageUser } from "./stage-users.js";

let spareCount = 0;

export class WorkDirCopies {
  private ready: string | undefined;
  private making: Promise<void> | undefined;
  private discarded = false;

  /**
   * @param source the Release's files (the unpacked Build, or the Stage user's copy of it)
   * @param base the Component's run dir; spares are made beside it (`<base>.spare-…`)
   * @param user owns each copy, when the Components run as a Stage user
   */
  constructor(
    private readonly source: string,
    private readonly base: string,
    private readonly user?: StageUser,
  ) {}

  /** Makes a spare copy unless one is ready or under way; resolves when there is one (or making it failed). */
  prepare(): Promise<void> {
    if (this.discarded || this.ready) return Promise.resolve();
    this.making ??= this.makeSpare().finally(() => {
      this.making = undefined;
    });
    return this.making;
  }

  /**
   * Puts a fresh copy at `target` (which must not exist), synchronously, and starts making the
   * next spare. Throws when the files cannot be copied.
   */
  take(target: string): void {
    const spare = this.ready;
    this.ready = undefined;
    if (spare && existsSync(spare)) renameSync(spare, target);
    else {
      cpSync(this.source, target, { recursive: true, verbatimSymlinks: true });
      if (this.user) chownTreeSync(target, this.user);
    }
    void this.prepare();
  }

  /** No more copies (the Component stopped for good): the spare is deleted. */
  async discard(): Promise<void> {
    this.discarded = true;
    await this.making;
    const spare = this.ready;
    this.ready = undefined;
    if (spare) await rm(spare, { recursive: true, force: true });
  }

  private async makeSpare(): Promise<void> {
    spareCount += 1;
    const spare = `${this.base}.spare-${process.pid}-${spareCount}`;
    try {
      await cp(this.source, spare, { recursive: true, verbatimSymlinks: true });
      if (this.user) await chownTree(spare, this.user);
    } catch {
      // Not fatal: `take` copies synchronously, and reports the error if copying really fails.
      await rm(spare, { recursive: true, force: true });
      return;
    }
    if (this.discarded) await rm(spare, { recursive: true, force: true });
    else this.ready = spare;
  }
}
