/** A Component's resource usage: the samples its agent ships (reportUsage) and what readers get back. */
import { Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { DateTime, UnsignedInt64 } from "../common/scalars.js";

@ObjectType({
  description:
    "What a Component's processes used at one moment (or, in `metrics`, on average over a step), summed over its process tree as its agent samples it from /proc every 10 s.",
})
export class ComponentUsage {
  @Field(() => DateTime, { description: "When it was sampled; in `metrics`, the start of the step the point stands for." })
  at: Date;

  @Field(() => Float, {
    description:
      "CPU seconds (user and system) its processes have used since its process last started: a counter that starts again at 0 when the process is restarted. In `metrics`, the last value in the step.",
  })
  cpuSecondsTotal: number;

  @Field(() => Float, {
    description:
      "CPU cores used: the rate of `cpuSecondsTotal` over the interval before `at` (0.5 = half a core; for a process sampled the first time, its average since it started). In `metrics`, the average over the step.",
  })
  cpu: number;

  @Field(() => UnsignedInt64, {
    description: "Resident memory in bytes: the sum of its processes' resident set sizes (RSS; pages they share count once per process).",
  })
  memoryBytes: number;

  @Field(() => Int, { description: "Open file descriptors (files, sockets, pipes) of its processes." })
  openFiles: number;
}

@ObjectType({ description: "One usage sample of one Component." })
export class ComponentUsageSample {
  @Field(() => String, { description: "The Component's name, as in the manifest." })
  component: string;

  @Field(() => ComponentUsage, { description: "What it used." })
  usage: ComponentUsage;
}

@ObjectType({ description: "New usage samples of a Stage's Components, as their agent shipped them." })
export class ComponentMetricsEvent {
  @Field(() => [ComponentUsageSample], {
    description: "In time order; each Component once per sampling (every 10 s), more when the agent ships a backlog after a disconnect.",
  })
  samples: ComponentUsageSample[];
}

@InputType({ description: "What one Component's process tree used at one moment, as the agent sampled it." })
export class UsageSampleInput {
  @Field(() => ID, { description: "The Stage's ID, from its DesiredStage." })
  stageId: string;

  @Field(() => String, { description: "The Component's name, as in the manifest." })
  component: string;

  @Field(() => DateTime, { description: "When the agent sampled it (its clock)." })
  at: Date;

  @Field(() => Float, { description: "CPU seconds its processes have used since its process last started." })
  cpuSecondsTotal: number;

  @Field(() => Float, { description: "CPU cores used over the interval before `at`." })
  cpu: number;

  @Field(() => UnsignedInt64, { description: "The sum of its processes' resident set sizes, in bytes." })
  memoryBytes: bigint;

  @Field(() => Int, { description: "Open file descriptors of its processes." })
  openFiles: number;
}

@InputType({ description: "A batch of usage samples of the Components an agent runs (at most 200)." })
export class UsageReportInput {
  @Field(() => [UsageSampleInput], { description: "The samples, of any of the agent's Stages, in any order." })
  samples: UsageSampleInput[];
}

@ObjectType({ description: "What became of a batch of usage samples." })
export class UsageReportResult {
  @Field(() => Int, { description: "Samples stored (a sample sent twice is stored once)." })
  stored: number;

  @Field(() => Int, { description: "Samples dropped: see `reason`. The agent does not send them again." })
  dropped: number;

  @Field(() => String, {
    nullable: true,
    description:
      "Why samples were dropped (a Stage not on this agent's Outpost, a superseded session, older than the hour kept as sampled, more than 5 minutes ahead of the API's clock).",
  })
  reason: string | null;
}

@ObjectType({ description: "One minute of a Stage's resource usage, summed over its Components: a point of its sparkline." })
export class StageUsagePoint {
  @Field(() => DateTime, { description: "The start of the minute." })
  at: Date;

  @Field(() => Float, { description: "CPU cores its Components used, on average over the minute." })
  cpu: number;

  @Field(() => UnsignedInt64, { description: "Resident memory of its Components, in bytes, on average over the minute." })
  memoryBytes: number;
}
