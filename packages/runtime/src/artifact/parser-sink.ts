import { Writable } from "node:stream";
import type { Parser } from "tar";

/**
 * node-tar's Parser (and Unpack, which extends it) as a Node Writable, so it can end a
 * `pipeline` behind Node's own gunzip: writes wait for its drain, the stream finishes when it
 * has closed (Unpack: every file written), and its error fails the pipeline.
 * `check` runs before each chunk and once more at the end; an error it returns stops the stream.
 */
export function parserSink(parser: Parser, check: (chunk?: Buffer) => Error | undefined = () => undefined): Writable {
  let failure: Error | undefined;
  const closed = new Promise<void>((resolve, reject) => {
    parser.on("error", (error: Error) => {
      failure ??= error;
      reject(failure);
    });
    parser.on("close", () => resolve());
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const before = check(chunk);
      if (before) return done(before);
      const more = parser.write(chunk);
      const after = failure ?? check();
      if (after || more) return done(after);
      parser.once("drain", () => done(failure ?? check()));
    },
    final(done) {
      parser.end();
      closed.then(() => done(check()), done);
    },
  });
  closed.catch((error: Error) => sink.destroy(error));
  return sink;
}
