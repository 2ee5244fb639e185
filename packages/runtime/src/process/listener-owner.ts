/**
 * Whose socket a probe reaches. A probe's answer only speaks for a Component when the socket
 * that accepts connections on its address and port is the Component's own: a process of another
 * install (or anything else on the host) listening there must not make it HEALTHY. On Linux the
 * listening sockets are in /proc/net/tcp{,6} with their inodes, and each process's open sockets
 * are links `socket:[<inode>]` in /proc/<pid>/fd. Elsewhere nothing can be told, and the probe
 * trusts the answer as before.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { endianness } from "node:os";
import { readProcStat } from "./proc.js";

const LISTEN = "0A";
const ANY_V4 = "00000000";
const ANY_V6 = "0".repeat(32);

/** An IPv4 address as /proc/net/tcp prints it: the 32-bit word in the host's byte order, in hex. */
function toProcHex(ipv4: string): string {
  const bytes = Buffer.from(ipv4.split(".").map(Number));
  const word = endianness() === "LE" ? bytes.readUInt32LE(0) : bytes.readUInt32BE(0);
  return word.toString(16).toUpperCase().padStart(8, "0");
}

/** `::ffff:a.b.c.d` as /proc/net/tcp6 prints it (four words, each in the host's byte order). */
function toProcHexMapped(ipv4: string): string {
  return `0000000000000000${toProcHex("0.0.255.255")}${toProcHex(ipv4)}`;
}

/** Inodes of the sockets listening on `port`, by local address; undefined without /proc. */
function readListeners(port: number): Map<string, string[]> | undefined {
  const portHex = port.toString(16).toUpperCase().padStart(4, "0");
  const byAddress = new Map<string, string[]>();
  let readAny = false;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    readAny = true;
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (local === undefined || state !== LISTEN || inode === undefined) continue;
      const [address, localPort] = local.split(":");
      if (address === undefined || localPort !== portHex) continue;
      byAddress.set(address, [...(byAddress.get(address) ?? []), inode]);
    }
  }
  return readAny ? byAddress : undefined;
}

/**
 * The sockets that may accept a connection to `host:port` (an IPv4 address): those bound to the
 * address itself, or when there is none the wildcard ones; undefined when /proc cannot be read.
 */
export function findListeningSockets(host: string, port: number): string[] | undefined {
  const listeners = readListeners(port);
  if (!listeners) return undefined;
  const exact = [...(listeners.get(toProcHex(host)) ?? []), ...(listeners.get(toProcHexMapped(host)) ?? [])];
  if (exact.length > 0) return exact;
  return [...(listeners.get(ANY_V4) ?? []), ...(listeners.get(ANY_V6) ?? [])];
}

/** The socket inodes held open by the processes of group `pgid` (the Component's process tree). */
export function listGroupSockets(pgid: number): Set<string> {
  const sockets = new Set<string>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || readProcStat(Number(name))?.pgrp !== pgid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue; // exited meanwhile
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${name}/fd/${fd}`));
        if (match?.[1]) sockets.add(match[1]);
      } catch {
        // closed meanwhile
      }
    }
  }
  return sockets;
}

/**
 * Answers "is whatever listens on `host:port` the process group `pgid`?" for one process: true
 * when every socket that may accept the connection is the group's, false when one is not (or
 * none listens), undefined when this host cannot tell. A socket once found the group's is
 * remembered, so a steady probe reads only /proc/net/tcp.
 */
export class ListenerOwnership {
  private readonly known = new Set<string>();

  constructor(private readonly pgid: number) {}

  check(host: string, port: number): boolean | undefined {
    const sockets = findListeningSockets(host, port);
    if (sockets === undefined) return undefined;
    if (sockets.length === 0) return false;
    if (sockets.every((inode) => this.known.has(inode))) return true;
    const own = listGroupSockets(this.pgid);
    if (!sockets.every((inode) => own.has(inode))) return false;
    for (const inode of sockets) this.known.add(inode);
    return true;
  }
}
