/**
 * One loopback address per Component, so Components of different Stages can listen on the
 * same declared port side by side: Linux routes all of 127.0.0.0/8 to `lo`, no setup needed.
 */
import { createHash } from "node:crypto";

/** 127.77.0.0/16: clear of 127.0.0.1 and of the addresses other tools like to pick (127.0.1.1, 127.0.0.53). */
const PREFIX = "127.77";
/** x.1 … x.254 in each of 256 blocks: the `.0` and `.255` hosts are skipped to avoid surprising tools. */
const SLOTS = 256 * 254;

function slotAddress(slot: number): string {
  return `${PREFIX}.${Math.floor(slot / 254)}.${(slot % 254) + 1}`;
}

/**
 * Hands out addresses derived from `stageKey` + Component name, so a Component keeps its
 * address across restarts, Releases and runtime restarts; a collision with another holder
 * moves on to the next free slot (deterministic, in holder order).
 */
export class LoopbackAllocator {
  private readonly byOwner = new Map<string, string>();
  private readonly owners = new Map<string, string>();

  /** The address of `component` of `stageKey`: the one it already holds, or a new one. */
  acquire(stageKey: string, component: string): string {
    const owner = `${stageKey}\0${component}`;
    const held = this.byOwner.get(owner);
    if (held) return held;
    const hash = createHash("sha256").update(owner).digest();
    const start = hash.readUInt32BE(0) % SLOTS;
    for (let i = 0; i < SLOTS; i += 1) {
      const address = slotAddress((start + i) % SLOTS);
      if (this.owners.has(address)) continue;
      this.owners.set(address, owner);
      this.byOwner.set(owner, address);
      return address;
    }
    throw new Error("no free loopback address left in 127.77.0.0/16");
  }

  /** Frees every address of `stageKey` (the Stage was removed). */
  releaseStage(stageKey: string): void {
    for (const [owner, address] of this.byOwner) {
      if (!owner.startsWith(`${stageKey}\0`)) continue;
      this.byOwner.delete(owner);
      this.owners.delete(address);
    }
  }
}
