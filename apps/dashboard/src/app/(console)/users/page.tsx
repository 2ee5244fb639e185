import { UserList } from "@/components/user-list";
import { getMe, getSessionToken } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const token = await getSessionToken();
  const me = token ? await getMe(token) : undefined;
  // The API refuses `users` to anyone else anyway; this only spares them an error.
  if (me?.role !== "ADMIN")
    return (
      <p role="alert" className="error">
        Only admins manage users.
      </p>
    );
  return <UserList />;
}
