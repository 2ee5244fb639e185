import { Ctx, Field, ObjectType, Query, Resolver } from "type-graphql";
import type { Context } from "../../context.js";

@ObjectType({ description: "How people may sign in here; anyone may ask (the sign-in page does)." })
export class SignInOptions {
  @Field(() => Boolean, { description: "Email and password (signIn)." })
  password: boolean;

  @Field(() => Boolean, { description: "Single sign-on with an OpenID Connect provider (PERGOLA_OIDC_ISSUER)." })
  sso: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      "Where a browser starts SSO: `<ssoUrl>?returnTo=<URL on an allowed origin>&challenge=<base64url SHA-256 of a verifier>`; null without SSO.",
  })
  ssoUrl: string | null;
}

@Resolver()
export class OidcResolver {
  @Query(() => SignInOptions, { description: "How people may sign in here; anyone may ask, signed in or not." })
  signInOptions(@Ctx() { services }: Context): SignInOptions {
    return { password: true, sso: services.oidc.enabled, ssoUrl: services.oidc.startUrl };
  }
}
