/**
 * Preloaded into an agent process (`node --import`): its clock reads PERGOLA_TEST_CLOCK_OFFSET_MS
 * milliseconds ahead. Cron expressions have a granularity of one minute; with the agent's clock
 * set just before a minute, a `* * * * *` Component comes due within seconds instead of within
 * a minute. Only `Date` moves: timers, sockets and the Components (other processes) are real.
 */
const offset = Number(process.env.PERGOLA_TEST_CLOCK_OFFSET_MS ?? 0);
if (offset) {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate;
}
