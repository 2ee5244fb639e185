"use client";
/**
 * What can be done to one Component of the Stage: RESTART / STOP / START a service, RUN NOW a job
 * or cron job. Each asks the API (restartComponent, stopComponent, startComponent, runJob); the
 * Stage's agent acts and the Component's new state arrives through the page's `componentChanged`.
 * Greyed out, with the reason in the tooltip, while the Stage or its Release cannot take them.
 */
import { useMutation } from "urql";
import {
  DashboardRestartComponentDocument,
  DashboardRunJobDocument,
  DashboardStartComponentDocument,
  DashboardStopComponentDocument,
  type ComponentRow,
} from "@/lib/documents";
import { ErrorNote } from "./errors";

export function ComponentActions({
  project,
  stage,
  component,
  blocked,
}: {
  project: string;
  stage: string;
  component: Pick<ComponentRow, "name" | "kind" | "state">;
  /** Why no command can be given now (the Stage is not RUNNING, a Release is on its way); null when they can. */
  blocked: string | null;
}) {
  const [restart, doRestart] = useMutation(DashboardRestartComponentDocument);
  const [stop, doStop] = useMutation(DashboardStopComponentDocument);
  const [start, doStart] = useMutation(DashboardStartComponentDocument);
  const [run, doRun] = useMutation(DashboardRunJobDocument);
  const vars = { project, stage, component: component.name };
  const busy = restart.fetching || stop.fetching || start.fetching || run.fetching;
  const button = (label: string, onClick: () => void, why: string | null = null) => (
    <button
      type="button"
      className="btn btn-small"
      disabled={blocked !== null || why !== null || busy}
      title={blocked ?? why ?? undefined}
      aria-label={`${label} ${component.name}`}
      onClick={onClick}
    >
      {label}
    </button>
  );
  const stopped = component.state === "STOPPED";
  const runUnderWay = ["PENDING", "STARTING", "RUNNING", "STOPPING"].includes(component.state) ? `A run is ${component.state}` : null;
  return (
    <div className="component-actions">
      {component.kind === "SERVICE" ? (
        <>
          {stopped ? button("START", () => doStart(vars)) : button("STOP", () => doStop(vars))}
          {button("RESTART", () => doRestart(vars), stopped ? "Stopped: START starts it" : null)}
        </>
      ) : (
        button("RUN NOW", () => doRun(vars), runUnderWay)
      )}
      <ErrorNote error={restart.error ?? stop.error ?? start.error ?? run.error} />
    </div>
  );
}
