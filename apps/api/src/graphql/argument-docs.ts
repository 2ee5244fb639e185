/**
 * What the arguments and input fields that recur across the schema mean, said once so that
 * the same name always says the same thing (docs/design.md, "GraphQL contract").
 */
export const ArgDoc = {
  project: "The Project's slug.",
  stage: "The Stage ID: the Stage's slug, unique in its Project.",
  outpost: "The Outpost's slug, as in outpost://<slug>.",
  configuration: "The Configuration's name; `default` unless the Stage has several.",
  build: "The Build's name, e.g. `master_b2`.",
  user: "A user, by id or by email.",
  after:
    "A cursor from an earlier event (or a Project's `cursor`): the events after it are replayed first. Omitted: only what happens from now on. Older than the retained log: BAD_USER_INPUT.",
  expectedVersion:
    "The version the caller last saw (0: the Configuration must not exist yet); if it changed meanwhile, CONFLICT with `expected` and `actual`, and nothing is written.",
  confirmDeploy:
    "True: the caller confirmed the deploy, which the Stage's policy may ask for (StagePolicy.confirmDeploy); without it such a deploy is STATE_CONFLICT.",
  confirmSuspend:
    "True: the caller confirmed suspending, which the Stage's policy may ask for (StagePolicy.confirmSuspend); without it STATE_CONFLICT.",
} as const;
