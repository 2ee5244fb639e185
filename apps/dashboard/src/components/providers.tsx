"use client";
/**
 * Creates the urql and graphql-ws clients in the browser only (Node 20 has no WebSocket, and a
 * server render must not open sockets), then renders the page under them.
 */
import { useEffect, useState, type ReactNode } from "react";
import { Provider, type Client } from "urql";
import { createUrql, createWs } from "@/lib/connection";
import { ReconnectingBanner } from "./reconnecting-banner";

export function Providers({ apiUrl, children }: { apiUrl: string; children: ReactNode }) {
  const [client, setClient] = useState<Client | null>(null);
  useEffect(() => {
    const ws = createWs(apiUrl);
    setClient(createUrql(ws));
    return () => void ws.dispose();
  }, [apiUrl]);
  if (!client) return <p className="muted loading">Loading…</p>;
  return (
    <Provider value={client}>
      <ReconnectingBanner />
      {children}
    </Provider>
  );
}
