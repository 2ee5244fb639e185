/**
 * Single sign-on with an OpenID Connect provider: the authorization code flow with PKCE, a
 * `state` and a `nonce` (openid-client checks all three). The flow, and why each step:
 *
 * 1. `start(returnTo, challenge)` — the dashboard's server sends the browser here with where to
 *    come back (checked against the allowed origins: no open redirect) and the S256 challenge
 *    of a verifier it keeps in a cookie. The state, PKCE verifier and nonce wait 10 minutes in
 *    `auth_flows` under the state's hash; the browser goes on to the provider.
 * 2. `finish(query)` — the provider sends the browser back with a code. It is exchanged, the
 *    user found (by `oidc_subject` = issuer + sub, else by verified email) or created, and the
 *    browser goes back to `returnTo` with a one-time hand-off code (60 s), never a token: URLs
 *    end up in histories, logs and Referer headers.
 * 3. `exchange(code, verifier)` — the dashboard's server trades the code, with the verifier
 *    only it holds, for a session. The verifier binds the code to the browser that started:
 *    a code lured into another browser (login CSRF) is refused there.
 *
 * Failures after step 1 send the browser back to `returnTo` with `error=<reason>` (SsoError);
 * what cannot be traced to a safe `returnTo` is a typed error for the route to answer as JSON.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "@pergola/db/client";
import { users, type UserRow } from "@pergola/db/schema";
import { and, eq, isNull } from "drizzle-orm";
import type * as OpenIdClient from "openid-client";
import type { Logger } from "pino";
import { AuditAction } from "../../audit/audit-action.js";
import { recordAudit } from "../../audit/audit.service.js";
import { badInput, notFound, PgCode, pgErrorCode, unauthenticated } from "../../errors.js";
import type { Session, SignInService } from "../../users/sign-in.service.js";
import { saveFlow, takeFlow } from "./auth-flows.js";

export interface OidcOptions {
  /** The provider's issuer URL; its `/.well-known/openid-configuration` is read on first use. */
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** Why an SSO sign-in failed: the `error` the browser is sent back to `returnTo` with. */
export const SsoError = {
  /** The provider cannot be reached, or its metadata read. */
  UNAVAILABLE: "sso_unavailable",
  /** The provider refused (the user cancelled) or the code exchange failed its checks. */
  PROVIDER: "sso_provider",
  /** No email address, or one the provider has not verified. */
  EMAIL: "sso_email",
  /** The user is disabled here. */
  DISABLED: "sso_disabled",
  /** The email belongs to a user already linked to another account at the provider. */
  CONFLICT: "sso_conflict",
} as const;
export type SsoError = (typeof SsoError)[keyof typeof SsoError];

const FLOW_SECONDS = 600;
const HANDOFF_SECONDS = 60;
const HANDOFF_PREFIX = "pgh_";
const SCOPE = "openid email profile";
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

interface OidcFlow {
  verifier: string;
  nonce: string;
  returnTo: string;
  challenge: string;
}

interface Handoff {
  userId: string;
  address: string;
  challenge: string;
}

class SsoFailure extends Error {
  constructor(
    readonly reason: SsoError,
    message: string,
  ) {
    super(message);
  }
}

/** openid-client (and jose) is imported by the first SSO step: a server without SSO never loads it. */
let openIdClient: Promise<typeof OpenIdClient> | undefined;
function loadOpenIdClient(): Promise<typeof OpenIdClient> {
  openIdClient ??= import("openid-client");
  return openIdClient;
}

export class OidcService {
  /** The API's public URL (the callback is registered on it); set by createServer once it listens. */
  baseUrl = "";
  private config?: Promise<OpenIdClient.Configuration>;

  constructor(
    private readonly db: Db,
    private readonly signIn: SignInService,
    private readonly logger: Logger,
    private readonly options: OidcOptions | undefined,
    /** Origins `returnTo` may point at besides the API's own (the dashboard's). */
    private readonly allowedOrigins: readonly string[] = [],
  ) {}

  get enabled(): boolean {
    return this.options !== undefined;
  }

  /** Where a browser starts SSO; null when it is not configured. */
  get startUrl(): string | null {
    return this.enabled ? `${this.baseUrl}/auth/oidc/start` : null;
  }

  get redirectUri(): string {
    return `${this.baseUrl}/auth/oidc/callback`;
  }

  /** Step 1: the provider's authorization URL, or `returnTo` with an error when the provider is out of reach. */
  async start(returnTo: string, challenge: string): Promise<URL> {
    this.requireEnabled();
    const back = this.checkReturnTo(returnTo);
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) throw badInput("challenge", "must be the base64url SHA-256 of a verifier (43 characters)");
    const config = await this.configuration().catch((error: unknown) => {
      this.logger.warn({ err: error, issuer: this.options!.issuer }, "OpenID provider discovery failed");
      return undefined;
    });
    if (!config) return withError(back, SsoError.UNAVAILABLE, "The sign-in provider cannot be reached");
    const client = await loadOpenIdClient();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    await saveFlow(this.db, "oidc", state, { verifier, nonce, returnTo: back.href, challenge } satisfies OidcFlow, FLOW_SECONDS);
    return client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: SCOPE,
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
  }

  /** Step 2: the provider's answer (the callback's query) in, where to send the browser out. */
  async finish(query: URLSearchParams, address: string): Promise<URL> {
    this.requireEnabled();
    const state = query.get("state") ?? "";
    const flow = await takeFlow<OidcFlow>(this.db, "oidc", state);
    // No flow, no trusted returnTo: the route answers with this error itself.
    if (!flow) throw unauthenticated("Unknown, used or expired sign-in (state); start again from the sign-in page");
    const back = new URL(flow.returnTo);
    try {
      const user = await this.authenticate(query, state, flow, address);
      const code = HANDOFF_PREFIX + randomBytes(24).toString("base64url");
      await saveFlow(this.db, "handoff", code, { userId: user.id, address, challenge: flow.challenge } satisfies Handoff, HANDOFF_SECONDS);
      back.searchParams.set("code", code);
      return back;
    } catch (error) {
      if (error instanceof SsoFailure) return withError(back, error.reason, error.message);
      this.logger.error({ err: error }, "SSO sign-in failed");
      return withError(back, SsoError.UNAVAILABLE, "Sign-in failed; try again");
    }
  }

  /** Step 3: a hand-off code and the verifier of its challenge, once, for a session. */
  async exchange(code: string, verifier: string): Promise<Session> {
    this.requireEnabled();
    const handoff = await takeFlow<Handoff>(this.db, "handoff", code);
    if (!handoff || !matchesChallenge(verifier, handoff.challenge)) throw unauthenticated("Unknown, used or expired sign-in code");
    const [user] = await this.db.select().from(users).where(eq(users.id, handoff.userId));
    // Disabled in the minute since step 2.
    if (!user || user.disabledAt) throw unauthenticated("Unknown, used or expired sign-in code");
    return this.signIn.startSession(user, handoff.address, "sso");
  }

  private async authenticate(query: URLSearchParams, state: string, flow: OidcFlow, address: string): Promise<UserRow> {
    const config = await this.configuration().catch(() => {
      throw new SsoFailure(SsoError.UNAVAILABLE, "The sign-in provider cannot be reached");
    });
    const client = await loadOpenIdClient();
    const current = new URL(this.redirectUri);
    current.search = query.toString();
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
      });
      claims = { ...tokens.claims() };
      // Providers put `email` in the ID token or only in UserInfo (oidc-provider, Keycloak by default).
      if (typeof claims.email !== "string")
        claims = { ...(await client.fetchUserInfo(config, tokens.access_token, String(claims.sub))), ...claims };
    } catch (error) {
      this.logger.warn({ err: error }, "SSO code exchange failed");
      const refused = error instanceof client.AuthorizationResponseError ? (error.error_description ?? error.error) : undefined;
      throw new SsoFailure(
        SsoError.PROVIDER,
        refused ? `The sign-in provider refused: ${refused}` : "The sign-in provider's answer failed its checks",
      );
    }
    const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
    if (!EMAIL_PATTERN.test(email) || email.length > 254)
      throw new SsoFailure(SsoError.EMAIL, "The sign-in provider shared no email address");
    // Absent means the provider does not say; false means someone typed an address nobody proved.
    if (claims.email_verified === false) throw new SsoFailure(SsoError.EMAIL, `The sign-in provider has not verified ${email}`);
    const subject = `${this.options!.issuer} ${String(claims.sub)}`;
    const name = typeof claims.name === "string" && claims.name.trim() ? claims.name.trim().slice(0, 200) : email.split("@")[0]!;
    const user = await this.findOrCreateUser(subject, email, name);
    if (user.disabledAt) {
      await recordAudit(this.db, {
        action: AuditAction.SIGN_IN_FAILED,
        actor: email,
        userId: user.id,
        email,
        address,
        detail: { method: "sso" },
      });
      throw new SsoFailure(SsoError.DISABLED, "This user is disabled; ask an admin");
    }
    return user;
  }

  /** The user of this provider account: linked before, or by email (then linked), or new. */
  private async findOrCreateUser(subject: string, email: string, name: string, retried = false): Promise<UserRow> {
    const [linked] = await this.db.select().from(users).where(eq(users.oidcSubject, subject));
    if (linked) return linked;
    const [byEmail] = await this.db.select().from(users).where(eq(users.email, email));
    if (byEmail) {
      if (byEmail.oidcSubject) throw new SsoFailure(SsoError.CONFLICT, `${email} is linked to another account at the sign-in provider`);
      const [updated] = await this.db
        .update(users)
        .set({ oidcSubject: subject })
        .where(and(eq(users.id, byEmail.id), isNull(users.oidcSubject)))
        .returning();
      if (updated) return updated;
    } else {
      try {
        return await this.db.transaction(async (tx) => {
          const [row] = await tx
            .insert(users)
            .values({ email, name, isAdmin: false, passwordHash: null, oidcSubject: subject })
            .returning();
          await recordAudit(tx, {
            action: AuditAction.USER_CREATED,
            actor: email,
            userId: row!.id,
            detail: { user: email, isAdmin: false, method: "sso" },
          });
          return row!;
        });
      } catch (error) {
        if (pgErrorCode(error) !== PgCode.uniqueViolation) throw error;
      }
    }
    // A concurrent first sign-in of the same person got there first: read what it wrote.
    if (retried) throw new SsoFailure(SsoError.CONFLICT, `${email} is linked to another account at the sign-in provider`);
    return this.findOrCreateUser(subject, email, name, true);
  }

  private checkReturnTo(returnTo: string): URL {
    let url: URL | undefined;
    try {
      url = new URL(returnTo);
    } catch {
      url = undefined;
    }
    const allowed = new Set([...this.allowedOrigins, new URL(this.baseUrl).origin]);
    if (!url || !allowed.has(url.origin)) throw badInput("returnTo", `must be a URL on an allowed origin (${[...allowed].join(", ")})`);
    return url;
  }

  private requireEnabled(): void {
    if (!this.enabled) throw notFound("SSO (PERGOLA_OIDC_ISSUER is not set)");
  }

  /** The provider's metadata, read once; a failed read is tried again by the next sign-in. */
  private configuration(): Promise<OpenIdClient.Configuration> {
    const { issuer, clientId, clientSecret } = this.options!;
    this.config ??= loadOpenIdClient()
      .then((client) =>
        client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(clientSecret), {
          timeout: 10,
          // Plain http only on this machine (a provider in development or a test); env.ts refuses it elsewhere.
          execute: new URL(issuer).protocol === "http:" ? [client.allowInsecureRequests] : [],
        }),
      )
      .catch((error: unknown) => {
        this.config = undefined;
        throw error;
      });
    return this.config;
  }
}

function withError(back: URL, reason: SsoError, message: string): URL {
  const url = new URL(back);
  url.searchParams.set("error", reason);
  url.searchParams.set("error_description", message);
  return url;
}

function matchesChallenge(verifier: string, challenge: string): boolean {
  if (typeof verifier !== "string" || verifier.length < 43 || verifier.length > 128) return false;
  const computed = Buffer.from(createHash("sha256").update(verifier).digest("base64url"));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
