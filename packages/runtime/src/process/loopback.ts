/**
 * One loopback address per Component, so Components of different Stages can listen on the
 * same declared port side by side: Linux routes all of 127.0.0.0/8 to `lo`, no setup needed.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:net";

/** 127.77.0.0/16: clear of 127.0.0.1 and of the addresses other tools like to pick (127.0.1.1, 127.0.0.53). */
const PREFIX = "127.77";
/** x.1 … x.254 in each of 256 blocks: the `.0` and `.255` hosts are skipped to avoid surprising tools. */
const SLOTS = 256 * 254;

function slotAddress(slot: number): string {
  return `${PREFIX}.${Math.floor(slot / 254)}.${(slot % 254) + 1}`;
}

/** Whether something (another install, any program) already listens on `host:port`. */
function isPortTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "EADDRINUSE" || error.code === "EACCES"));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/**
 * Hands out addresses derived from the install id + `stageKey` + Component name, so a
 * Component keeps its address across restarts, Releases and runtime restarts, and two installs
 * on one host (two data dirs) with the same names get different ones. An address held by
 * another Component of this install, or where something else already listens on one of the
 * Component's ports, is skipped for the next slot.
 */
export class LoopbackAllocator {
  private readonly byOwner = new Map<string, string>();
  private readonly owners = new Map<string, string>();

  constructor(private readonly installId: string) {}

  /**
   * The address of `component` of `stageKey` in `color`: the one it already holds, or a new one
   * free on `ports`. A rollout starts the new Release in the other colour than the running one's,
   * so both listen on their declared ports side by side.
   */
  async acquire(stageKey: string, component: string, ports: number[], color: "blue" | "green" = "blue"): Promise<string> {
    const owner = `${stageKey}\0${component}${color === "green" ? "\0green" : ""}`;
    const held = this.byOwner.get(owner);
    if (held) return held;
    const hash = createHash("sha256").update(`${this.installId}\0${owner}`).digest();
    const start = hash.readUInt32BE(0) % SLOTS;
    for (let i = 0; i < SLOTS; i += 1) {
      const address = slotAddress((start + i) % SLOTS);
      if (this.owners.has(address)) continue;
      // Reserved before the bind test, so a concurrent acquire of another Stage skips it.
      this.owners.set(address, owner);
      if (await this.isAnyPortTaken(address, ports)) {
        this.owners.delete(address);
        continue;
      }
      this.byOwner.set(owner, address);
      return address;
    }
    throw new Error("no free loopback address left in 127.77.0.0/16");
  }

  /** One port after the other: a port listed twice (a port and its health probe's) must not meet its own bind test. */
  private async isAnyPortTaken(address: string, ports: number[]): Promise<boolean> {
    for (const port of new Set(ports)) if (await isPortTaken(address, port)) return true;
    return false;
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
