"use client";
/**
 * What can be done to a Stage: '+ NEW RELEASE' (a Build and a Configuration → DEPLOY), PROMOTE to
 * another Stage, ROLLBACK, SUSPEND / RESUME (a PROD Stage asks first), CONFIG MANAGEMENT, and the
 * one-click Release of a changed Configuration. Results arrive through the page's subscriptions.
 * Where the Stage type's policy asks for confirmation (StagePolicy.confirmDeploy, confirmSuspend),
 * the action asks first — a dialog, or a box to tick in the deploy dialogs — and sends `confirm`.
 * A greyed-out PROMOTE or ROLLBACK says why, in its tooltip and in a hint under the buttons.
 */
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { useMutation, useQuery } from "urql";
import {
  DashboardDeleteStageDocument,
  DashboardDeployReleaseDocument,
  DashboardPromoteReleaseDocument,
  DashboardResumeStageDocument,
  DashboardRollbackStageDocument,
  DashboardStagePoliciesDocument,
  DashboardSuspendStageDocument,
  type ConfigurationView,
  type ReleaseSummary,
  type StagePolicyRow,
  type StageRow,
  type StageType,
} from "@/lib/documents";
import { ConfigManagement } from "./config-management";
import { ConfirmDialog } from "./confirm-dialog";
import { Dialog } from "./dialog";
import { ErrorNote } from "./errors";

/** As the Stage page reads it: with its Configurations and its type's policy. */
type Stage = StageRow & { configs?: ConfigurationView[]; policy: StagePolicyRow };
type Build = { name: string; createdAt: string; author: { name: string }; branch: string | null };

export function StageActions({
  project,
  stage,
  stages,
  builds,
  releases,
}: {
  project: string;
  stage: Stage;
  stages: { slug: string; name: string; type: StageType }[];
  builds: Build[];
  releases: ReleaseSummary[];
}) {
  const [dialog, setDialog] = useState<"release" | "promote" | "suspend" | "rollback" | "config" | "delete" | null>(null);
  const [remove, doRemove] = useMutation(DashboardDeleteStageDocument);
  const router = useRouter();
  const [suspend, doSuspend] = useMutation(DashboardSuspendStageDocument);
  const [resume, doResume] = useMutation(DashboardResumeStageDocument);
  const [rollback, doRollback] = useMutation(DashboardRollbackStageDocument);
  const vars = { project, stage: stage.slug };
  const close = () => setDialog(null);
  const canSuspend = stage.state === "RUNNING";
  const canResume = stage.state === "SUSPENDED";
  const others = stages.filter((s) => s.slug !== stage.slug);
  const whyNot = { promote: whyNoPromote(stage, others.length), rollback: whyNoRollback(releases) };
  const hintIds = { promote: useId(), rollback: useId() };
  return (
    <div className="head-actions">
      <button type="button" className="btn btn-primary" onClick={() => setDialog("release")}>
        + NEW RELEASE
      </button>
      <button type="button" className="btn" onClick={() => setDialog("config")}>
        CONFIG MANAGEMENT
      </button>
      <button
        type="button"
        className="btn"
        disabled={whyNot.promote !== null}
        title={whyNot.promote ?? undefined}
        aria-describedby={whyNot.promote ? hintIds.promote : undefined}
        onClick={() => setDialog("promote")}
      >
        PROMOTE
      </button>
      <button
        type="button"
        className="btn"
        disabled={whyNot.rollback !== null || rollback.fetching}
        title={whyNot.rollback ?? undefined}
        aria-describedby={whyNot.rollback ? hintIds.rollback : undefined}
        onClick={() => (stage.policy.confirmDeploy ? setDialog("rollback") : doRollback(vars))}
      >
        ROLLBACK
      </button>
      {canResume || stage.state === "RESUMING" ? (
        <button type="button" className="btn" disabled={!canResume || resume.fetching} onClick={() => doResume(vars)}>
          RESUME
        </button>
      ) : (
        <button
          type="button"
          className="btn btn-danger"
          disabled={!canSuspend || suspend.fetching}
          onClick={() => (stage.type === "PROD" || stage.policy.confirmSuspend ? setDialog("suspend") : doSuspend(vars))}
        >
          SUSPEND
        </button>
      )}
      <button type="button" className="btn btn-danger" disabled={remove.fetching} onClick={() => setDialog("delete")}>
        DELETE
      </button>
      {whyNot.promote || whyNot.rollback ? (
        <p className="hint action-hints" data-testid="action-hints">
          {whyNot.promote ? <span id={hintIds.promote}>PROMOTE: {whyNot.promote}.</span> : null}
          {whyNot.rollback ? <span id={hintIds.rollback}>ROLLBACK: {whyNot.rollback}.</span> : null}
        </p>
      ) : null}
      <div className="actions-errors" aria-live="polite">
        <ErrorNote error={suspend.error ?? resume.error ?? rollback.error ?? remove.error} />
      </div>

      <Dialog title="New Release" open={dialog === "release"} onClose={close}>
        <NewRelease project={project} stage={stage} builds={builds} onDone={close} onCancel={close} />
      </Dialog>
      <Dialog title={`Promote ${stage.name}`} open={dialog === "promote"} onClose={close}>
        <Promote project={project} from={stage} stages={others} onDone={close} onCancel={close} />
      </Dialog>
      <Dialog title={`Suspend ${stage.name}?`} open={dialog === "suspend"} onClose={close}>
        <p>
          {stage.type === "PROD" ? `${stage.name} is a PROD Stage: s` : "S"}uspending it stops its Components and its links answer 503 until
          it is resumed.
          {stage.policy.confirmSuspend ? ` The policy of ${stage.type} Stages asks for confirmation.` : ""}
        </p>
        <div className="actions">
          <button type="button" className="btn btn-ghost" onClick={close}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={async () => {
              await doSuspend({ ...vars, confirm: true });
              close();
            }}
          >
            SUSPEND
          </button>
        </div>
      </Dialog>
      <ConfirmDialog
        title={`Delete ${stage.name}?`}
        open={dialog === "delete"}
        action="DELETE"
        busy={remove.fetching}
        onClose={close}
        onConfirm={async () => {
          const result = await doRemove(vars);
          close();
          if (!result.error) router.push(`/projects/${project}`);
        }}
      >
        <p>
          {stage.name} is archived: {stage.state === "RUNNING" ? "it is suspended first, " : ""}its storage, Releases and Configurations are
          kept, and its Stage ID stays taken. RESTORE it from the Project's archived Stages.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        title={`Roll back ${stage.name}?`}
        open={dialog === "rollback"}
        action="ROLLBACK"
        busy={rollback.fetching}
        onConfirm={async () => {
          await doRollback({ ...vars, confirm: true });
          close();
        }}
        onClose={close}
      >
        <p>Redeploys the Build of the Release before the current one. The policy of {stage.type} Stages asks for confirmation.</p>
      </ConfirmDialog>
      <Dialog title="Config management" open={dialog === "config"} onClose={close} wide>
        <ConfigManagement project={project} stage={stage} />
      </Dialog>
    </div>
  );
}

/** Why PROMOTE is greyed out, or null when it is not. */
function whyNoPromote(stage: Stage, otherStages: number): string | null {
  if (!stage.currentRelease) return "no Release on this Stage to promote yet";
  if (otherStages === 0) return "no other Stage in this Project to promote to";
  return null;
}

/** Why ROLLBACK is greyed out, or null when it is not (the API redeploys the Release before the current one). */
function whyNoRollback(releases: ReleaseSummary[]): string | null {
  if (releases.length === 0) return "no Release on this Stage yet";
  if (releases.length < 2) return "no earlier Release to roll back to";
  return null;
}

function NewRelease({
  project,
  stage,
  builds,
  onDone,
  onCancel,
}: {
  project: string;
  stage: Stage;
  builds: Build[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const configNames = Array.from(new Set(["default", ...(stage.configs ?? []).map((c) => c.name)]));
  const [build, setBuild] = useState(stage.currentRelease?.build.name ?? builds[0]?.name ?? "");
  const [config, setConfig] = useState(stage.currentRelease?.config?.name ?? configNames[0] ?? "default");
  const [{ fetching, error }, deploy] = useMutation(DashboardDeployReleaseDocument);
  const [confirmed, setConfirmed] = useState(false);
  const hasConfig = (stage.configs ?? []).some((c) => c.name === config);
  return (
    <form
      className="stack"
      onSubmit={async (e) => {
        e.preventDefault();
        const confirm = stage.policy.confirmDeploy ? confirmed : null;
        const r = await deploy({ project, stage: stage.slug, build, config: hasConfig ? config : null, confirm });
        if (r.data) onDone();
      }}
    >
      {builds.length === 0 ? (
        <p className="muted">
          No Builds in this Project yet: push one (<code>pergola push</code>, or createBuild).
        </p>
      ) : null}
      <label className="field">
        <span>Build</span>
        <select value={build} onChange={(e) => setBuild(e.target.value)} required>
          {builds.map((b) => (
            <option key={b.name} value={b.name}>
              {b.name} — {b.author.name}, {new Date(b.createdAt).toLocaleString()}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Configuration</span>
        <select value={config} onChange={(e) => setConfig(e.target.value)}>
          {configNames.map((n) => {
            const c = (stage.configs ?? []).find((x) => x.name === n);
            return (
              <option key={n} value={n}>
                {n}
                {c ? ` (v${c.version})` : " (none yet)"}
              </option>
            );
          })}
        </select>
      </label>
      {stage.policy.confirmDeploy ? (
        <PolicyConfirmation type={stage.type} doing={`deploy to ${stage.name}`} checked={confirmed} onChange={setConfirmed} />
      ) : null}
      <ErrorNote error={error} />
      <div className="actions">
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={!build || fetching}>
          DEPLOY
        </button>
      </div>
    </form>
  );
}

function Promote({
  project,
  from,
  stages,
  onDone,
  onCancel,
}: {
  project: string;
  from: Stage;
  stages: { slug: string; name: string; type: StageType }[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const [to, setTo] = useState(stages[0]?.slug ?? "");
  const [{ fetching, error }, promote] = useMutation(DashboardPromoteReleaseDocument);
  const [policies] = useQuery({ query: DashboardStagePoliciesDocument });
  const [confirmed, setConfirmed] = useState(false);
  const target = stages.find((s) => s.slug === to);
  const asks = policies.data?.stagePolicies.find((p) => p.type === target?.type)?.confirmDeploy ?? false;
  return (
    <form
      className="stack"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await promote({ project, from: from.slug, to, confirm: asks ? confirmed : null });
        if (r.data) onDone();
      }}
    >
      <p className="muted">
        Deploys Build <span className="mono">{from.currentRelease?.build.name}</span> to another Stage, which keeps its own Configuration.
      </p>
      <label className="field">
        <span>To Stage</span>
        <select value={to} onChange={(e) => setTo(e.target.value)} required>
          {stages.map((s) => (
            <option key={s.slug} value={s.slug}>
              {s.name} ({s.type})
            </option>
          ))}
        </select>
      </label>
      {asks && target ? (
        <PolicyConfirmation type={target.type} doing={`promote to ${target.name}`} checked={confirmed} onChange={setConfirmed} />
      ) : null}
      <ErrorNote error={error} />
      <div className="actions">
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={!to || fetching}>
          PROMOTE
        </button>
      </div>
    </form>
  );
}

export function ConfigDrift({ project, stage }: { project: string; stage: Stage }) {
  const [{ fetching, error }, deploy] = useMutation(DashboardDeployReleaseDocument);
  const [asking, setAsking] = useState(false);
  const release = (confirm: boolean | null) =>
    deploy({ project, stage: stage.slug, config: stage.currentRelease?.config?.name ?? "default", confirm });
  return (
    <div className="drift" role="note" data-testid="config-drift">
      <span>Config changed since the running Release: the change waits for the next Release.</span>
      <button
        type="button"
        className="btn btn-primary btn-small"
        disabled={fetching}
        onClick={() => (stage.policy.confirmDeploy ? setAsking(true) : release(null))}
      >
        RELEASE CONFIG CHANGE
      </button>
      <ErrorNote error={error} />
      <ConfirmDialog
        title={`Release the config change to ${stage.name}?`}
        open={asking}
        action="RELEASE"
        busy={fetching}
        onConfirm={async () => {
          await release(true);
          setAsking(false);
        }}
        onClose={() => setAsking(false)}
      >
        <p>The policy of {stage.type} Stages asks for confirmation before a deploy.</p>
      </ConfirmDialog>
    </div>
  );
}

/** The box to tick where a Stage type's policy asks to confirm a deploy; the API gets `confirm: true` only when it is ticked. */
function PolicyConfirmation({
  type,
  doing,
  checked,
  onChange,
}: {
  type: StageType;
  doing: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="check">
      <input type="checkbox" required checked={checked} onChange={(e) => onChange(e.target.checked)} /> Yes, {doing}: the policy of {type}{" "}
      Stages asks for confirmation
    </label>
  );
}
