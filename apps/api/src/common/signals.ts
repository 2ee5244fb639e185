/**
 * The loop of every live stream here that is woken rather than fed (desired state, an Outpost,
 * a Component's output, the Project list): signals gather while the stream works, `next()`
 * hands over the ones gathered since its last call — waiting when there are none — and
 * resolves null once the subscription has stopped. A signal carries no data: the stream reads
 * the truth again, so a burst of signals costs one read.
 */
export class Signals<Key = true> {
  private keys = new Set<Key>();
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(stop: PromiseLike<unknown>) {
    void stop.then(() => {
      this.stopped = true;
      this.wake?.();
    });
  }

  readonly add = (key: Key): void => {
    this.keys.add(key);
    this.wake?.();
  };

  async next(): Promise<Set<Key> | null> {
    while (this.keys.size === 0 && !this.stopped) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    if (this.stopped) return null;
    const keys = this.keys;
    this.keys = new Set();
    return keys;
  }
}
