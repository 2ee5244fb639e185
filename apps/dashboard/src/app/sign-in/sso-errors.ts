/** What the sign-in page says for each reason an SSO sign-in came back with (auth/oidc SsoError, and the dashboard's own). */
const MESSAGES: Record<string, string> = {
  sso_unavailable: "The sign-in provider cannot be reached. Try again, or sign in with your password.",
  sso_provider: "The sign-in provider did not sign you in.",
  sso_email: "The sign-in provider did not share a verified email address for your account.",
  sso_disabled: "This user is disabled. Ask an admin.",
  sso_conflict: "This email belongs to a user linked to another account at the sign-in provider.",
  sso_expired: "That sign-in took too long or was already used. Try again.",
  sso_off: "Single sign-on is not configured here.",
};

export function describeSsoError(reason: string | undefined): string | undefined {
  if (!reason) return undefined;
  return MESSAGES[reason] ?? "Single sign-on failed. Try again.";
}
