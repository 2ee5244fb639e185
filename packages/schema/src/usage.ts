/**
 * Components' resource usage (README "Resource usage"): how often the agent samples it and how
 * long, at what resolution, the API keeps it. Shared by the agent (its default interval), the
 * API (retention, the downsampling job, `Component.metrics` limits) and the schema's words.
 */
export const USAGE = {
  /** The agent samples each Component's process tree this often, and ships each batch. */
  sampleSeconds: 10,
  /** Samples are kept as sampled for this long… */
  rawSeconds: 60 * 60,
  /** …then averaged into one point per this many seconds… */
  downsampledStepSeconds: 60,
  /** …and deleted once they are this old. */
  historySeconds: 24 * 60 * 60,
  /** `Component.metrics` answers at most this many points: a larger `step` is asked for. */
  maxPoints: 2000,
  /**
   * Samples in one `reportUsage` (the agent ships a longer backlog in several): ~40 KB of
   * JSON, under the 64 KiB a socket message may hold.
   */
  maxSamplesPerReport: 200,
} as const;
