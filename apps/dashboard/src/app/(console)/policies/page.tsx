import { StagePolicyList } from "@/components/stage-policy-list";
import { getMe, getSessionToken } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export default async function PoliciesPage() {
  const token = await getSessionToken();
  const me = token ? await getMe(token) : undefined;
  // The API refuses updateStagePolicy to anyone else anyway; this only spares them an error.
  if (me?.role !== "ADMIN")
    return (
      <p role="alert" className="error">
        Only admins change Stage policies.
      </p>
    );
  return <StagePolicyList />;
}
