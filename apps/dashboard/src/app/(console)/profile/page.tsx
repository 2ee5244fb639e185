import { Profile } from "@/components/profile";
import { currentAccessKeyId, getSessionToken } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export default async function ProfilePage() {
  return <Profile currentKeyId={currentAccessKeyId(await getSessionToken())} />;
}
