/** The last lines a Component wrote, for `Runtime.logs`; bounded so a chatty process cannot fill memory. */
export class LogBuffer {
  private readonly lines: string[] = [];
  /** Per stream: the text after the last newline, completed by the next chunk. */
  private readonly partial = new Map<string, string>();
  /** How many lines were ever written: a position that `since` reads from, so a reader can ship only new lines. */
  private total = 0;

  constructor(private readonly limit: number) {}

  write(stream: string, chunk: string): void {
    const text = (this.partial.get(stream) ?? "") + chunk;
    const parts = text.split("\n");
    this.partial.set(stream, parts.pop() ?? "");
    for (const line of parts) this.push(line);
  }

  /** Ends a stream: a last line without a newline is still a line. */
  flush(stream: string): void {
    const rest = this.partial.get(stream);
    if (rest) this.push(rest);
    this.partial.delete(stream);
  }

  tail(count: number): string[] {
    return count <= 0 ? [] : this.lines.slice(-count);
  }

  /**
   * The lines written after position `after` (a `next` of an earlier call; 0 at first) that are
   * still kept, and the position to pass next time. Lines that fell out of the buffer are skipped.
   */
  since(after: number): { lines: string[]; next: number } {
    const first = this.total - this.lines.length;
    return { lines: this.lines.slice(Math.max(0, after - first)), next: this.total };
  }

  private push(line: string): void {
    this.total++;
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
  }
}
