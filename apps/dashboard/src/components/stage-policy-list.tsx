"use client";
/**
 * Stage policies (admins): one per Stage type, for every Project. Each row is a small form: who
 * deploys, where Releases must come from, what asks for confirmation, the default suspend grace,
 * auto-suspend and the nice level. The API checks the values (BAD_USER_INPUT names the field).
 */
import { STAGE_TYPES, type StageType } from "@pergola/schema";
import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { DashboardStagePoliciesDocument, DashboardUpdateStagePolicyDocument, type StagePolicyRow } from "@/lib/documents";
import { ErrorNote } from "./errors";
import { describePolicy } from "./stage-policy-note";

export function StagePolicyList() {
  const [{ data, error, fetching }, refetch] = useQuery({ query: DashboardStagePoliciesDocument, requestPolicy: "network-only" });
  return (
    <section aria-labelledby="policies-title">
      <div className="page-head">
        <h1 id="policies-title">Stage policies</h1>
      </div>
      <p className="muted">Set per Stage type, for every Project. Deploys and suspends that break a policy are refused, naming it.</p>
      <ErrorNote error={error} />
      {!data && fetching ? <p className="muted">Loading…</p> : null}
      {(data?.stagePolicies ?? []).map((p) => (
        <PolicyForm key={p.type} policy={p} onSaved={() => refetch({ requestPolicy: "network-only" })} />
      ))}
    </section>
  );
}

function PolicyForm({ policy, onSaved }: { policy: StagePolicyRow; onSaved: () => void }) {
  const [deployers, setDeployers] = useState(policy.deployers);
  const [from, setFrom] = useState<StageType | "">(policy.requirePromotionFrom ?? "");
  const [confirmDeploy, setConfirmDeploy] = useState(policy.confirmDeploy);
  const [confirmSuspend, setConfirmSuspend] = useState(policy.confirmSuspend);
  const [grace, setGrace] = useState(String(policy.defaultSuspendGraceSeconds));
  const [hours, setHours] = useState(String(policy.autoSuspendAfterHours));
  const [nice, setNice] = useState(String(policy.nice));
  const [{ fetching, error }, update] = useMutation(DashboardUpdateStagePolicyDocument);
  const id = `policy-${policy.type.toLowerCase()}`;
  return (
    <form
      className="panel stack"
      aria-labelledby={`${id}-title`}
      data-testid={id}
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await update({
          input: {
            type: policy.type,
            deployers,
            requirePromotionFrom: from || null,
            clearRequirePromotionFrom: from === "" && policy.requirePromotionFrom !== null ? true : null,
            confirmDeploy,
            confirmSuspend,
            defaultSuspendGraceSeconds: Number(grace),
            autoSuspendAfterHours: Number(hours),
            nice: Number(nice),
          },
        });
        if (r.data) onSaved();
      }}
    >
      <div className="panel-head">
        <h2 id={`${id}-title`}>{policy.type} Stages</h2>
      </div>
      <ul className="plain-list small muted">
        {describePolicy(policy).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <label className="field">
        <span>Who deploys</span>
        <select value={deployers} onChange={(e) => setDeployers(e.target.value as StagePolicyRow["deployers"])}>
          <option value="OWNERS_AND_MEMBERS">Owners and members</option>
          <option value="OWNERS">Owners only</option>
        </select>
      </label>
      <label className="field">
        <span>Releases come by promotion from</span>
        <select value={from} onChange={(e) => setFrom(e.target.value as StageType | "")}>
          <option value="">anywhere (no rule)</option>
          {STAGE_TYPES.filter((t) => t !== policy.type).map((t) => (
            <option key={t} value={t}>
              a {t} Stage
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={confirmDeploy} onChange={(e) => setConfirmDeploy(e.target.checked)} /> Deploys ask for confirmation
      </label>
      <label className="check">
        <input type="checkbox" checked={confirmSuspend} onChange={(e) => setConfirmSuspend(e.target.checked)} /> Suspending asks for
        confirmation
      </label>
      <label className="field">
        <span>Default suspend grace (seconds, 0–86400)</span>
        <input type="number" min={0} max={86400} value={grace} onChange={(e) => setGrace(e.target.value)} required />
      </label>
      <label className="field">
        <span>Auto-suspend after hours without traffic (0: never)</span>
        <input type="number" min={0} value={hours} onChange={(e) => setHours(e.target.value)} required />
      </label>
      <label className="field">
        <span>Nice level of Components' processes (−20 first … 19 last)</span>
        <input type="number" min={-20} max={19} value={nice} onChange={(e) => setNice(e.target.value)} required />
      </label>
      <ErrorNote error={error} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={fetching}>
          SAVE {policy.type}
        </button>
      </div>
    </form>
  );
}
