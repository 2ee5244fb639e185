"use client";
import { useEffect, useState, useSyncExternalStore } from "react";
import { socketStore, type SocketState } from "./connection";

export function useSocketState(): SocketState {
  return useSyncExternalStore(socketStore.subscribe, socketStore.get, socketStore.getServer);
}

/** The current time, every `ms` (for "4 seconds ago" labels that tick on their own). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** The first defined value it is given, kept: a subscription's starting cursor must not move when its list is refetched. */
export function useFirst<T>(value: T | undefined): T | undefined {
  const [kept, setKept] = useState<T | undefined>(value);
  useEffect(() => {
    if (kept === undefined && value !== undefined) setKept(value);
  }, [kept, value]);
  return kept ?? value;
}
