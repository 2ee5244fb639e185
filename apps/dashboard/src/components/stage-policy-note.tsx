/** What a Stage's type policy says, in words: on the Stage page, and beside each policy on the admin page. */
import type { StagePolicyRow } from "@/lib/documents";

export function describePolicy(p: StagePolicyRow): string[] {
  return [
    p.deployers === "OWNERS" ? "Only the Project's owners (and admins) deploy." : "Owners and members deploy.",
    p.requirePromotionFrom
      ? `Releases come by promotion: a Build must be or have been DEPLOYED on a ${p.requirePromotionFrom} Stage of the Project.`
      : "Builds may be deployed from anywhere.",
    p.confirmDeploy ? "Deploys, promotions and rollbacks ask for confirmation." : "Deploys ask for no confirmation.",
    p.confirmSuspend ? "Suspending asks for confirmation." : "Suspending asks for no confirmation.",
    `New Stages get a suspend grace of ${p.defaultSuspendGraceSeconds} s.`,
    p.autoSuspendAfterHours ? `Suspended after ${p.autoSuspendAfterHours} h without traffic through its links.` : "No auto-suspend.",
    `Its Components' processes run at nice level ${p.nice}.`,
  ];
}

export function StagePolicyNote({ policy }: { policy: StagePolicyRow }) {
  return (
    <section className="panel" aria-labelledby="policy-title" data-testid="stage-policy">
      <div className="panel-head">
        <h2 id="policy-title">Policy of {policy.type} Stages</h2>
      </div>
      <ul className="plain-list">
        {describePolicy(policy).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </section>
  );
}
