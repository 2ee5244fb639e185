/**
 * LISTEN on PostgreSQL over one dedicated connection that comes back by itself: when the
 * connection is lost (a restart, a failover, `pg_terminate_backend`) it reconnects with a
 * backoff, LISTENs again on every channel, and tells each subscriber through `onResume` that
 * notifications may have been missed meanwhile, so it can re-read what it follows.
 */
import pg from "pg";

export interface ListenHandlers {
  onPayload(payload: string): void;
  /** After a reconnection: NOTIFYs sent while the connection was down are lost. */
  onResume?(): void;
}

type Log = (message: string, error?: unknown) => void;

const BACKOFF_MS = [100, 250, 500, 1000, 2000];

export class ReconnectingListener {
  private readonly channels = new Map<string, Set<ListenHandlers>>();
  private client?: pg.Client;
  private connecting?: Promise<pg.Client>;
  private attempts = 0;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly log: Log,
  ) {}

  async listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>> {
    const first = !this.channels.has(channel);
    const set = this.channels.get(channel) ?? new Set<ListenHandlers>();
    this.channels.set(channel, set);
    set.add(handlers);
    const client = await this.connect();
    if (first) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    return async () => {
      set.delete(handlers);
      if (set.size > 0 || this.channels.get(channel) !== set) return;
      this.channels.delete(channel);
      await this.client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client(this.config);
    // Without a listener an 'error' event would be thrown and end the process.
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client));
    client.on("notification", ({ channel, payload }) => {
      for (const handlers of this.channels.get(channel) ?? []) handlers.onPayload(payload ?? "");
    });
    await client.connect();
    for (const channel of this.channels.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    if (this.closed) {
      await client.end();
      throw new Error("The listener is closed");
    }
    this.client = client;
    return client;
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.log("LISTEN connection lost; reconnecting", error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = BACKOFF_MS[Math.min(this.attempts++, BACKOFF_MS.length - 1)]!;
    this.timer = setTimeout(() => {
      if (this.closed) return;
      this.connect().then(
        () => {
          this.attempts = 0;
          this.log("LISTEN connection restored");
          for (const set of this.channels.values()) for (const handlers of set) handlers.onResume?.();
        },
        () => this.scheduleReconnect(),
      );
    }, delay);
  }
}
