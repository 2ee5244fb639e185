-- Enum values are compared as text: on a fresh database every migration runs in one transaction, and PostgreSQL refuses a value added to an enum (token_role gained AGENT in 0005) in the transaction that added it.
CREATE TYPE "public"."credential_kind" AS ENUM('ACCESS_KEY', 'LEGACY', 'SESSION', 'AGENT');--> statement-breakpoint
CREATE TYPE "public"."member_role" AS ENUM('OWNER', 'MEMBER');--> statement-breakpoint
CREATE TABLE "artifact_projects" (
	"sha256" text NOT NULL,
	"project_id" uuid NOT NULL,
	CONSTRAINT "artifact_projects_sha256_project_id_pk" PRIMARY KEY("sha256","project_id")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"user_id" uuid,
	"project_id" uuid,
	"email" text,
	"address" text,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "auth_flows" (
	"hash" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"data" jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outpost_grants" (
	"outpost_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outpost_grants_outpost_id_project_id_pk" PRIMARY KEY("outpost_id","project_id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text,
	"is_admin" boolean DEFAULT false NOT NULL,
	"oidc_subject" text,
	"disabled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone,
	CONSTRAINT "users_email_unique" UNIQUE("email"),
	CONSTRAINT "users_oidc_subject_unique" UNIQUE("oidc_subject")
);
--> statement-breakpoint
-- Credentials: every token keeps working. Agent tokens stay agent tokens; the others become
-- LEGACY access keys of users: all ADMIN tokens of the admin user (admin@localhost, who gets a
-- password on the next start), each MEMBER token a user of its own, owner of its Projects.
ALTER TABLE "api_tokens" ADD COLUMN "kind" "credential_kind";--> statement-breakpoint
UPDATE "api_tokens" SET "kind" = CASE WHEN "role"::text = 'AGENT' THEN 'AGENT'::credential_kind ELSE 'LEGACY'::credential_kind END;--> statement-breakpoint
ALTER TABLE "api_tokens" ALTER COLUMN "kind" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "user_id" uuid;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "read_only" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
INSERT INTO "users" ("email", "name", "is_admin")
  SELECT 'admin@localhost', 'admin', true WHERE EXISTS (SELECT 1 FROM "api_tokens" WHERE "role"::text = 'ADMIN')
  ON CONFLICT ("email") DO NOTHING;--> statement-breakpoint
UPDATE "api_tokens" SET "user_id" = (SELECT "id" FROM "users" WHERE "email" = 'admin@localhost') WHERE "role"::text = 'ADMIN';--> statement-breakpoint
INSERT INTO "users" ("email", "name") SELECT 'token-' || "id" || '@legacy.invalid', "name" FROM "api_tokens" WHERE "role"::text = 'MEMBER';--> statement-breakpoint
UPDATE "api_tokens" t SET "user_id" = u."id" FROM "users" u WHERE t."role"::text = 'MEMBER' AND u."email" = 'token-' || t."id" || '@legacy.invalid';--> statement-breakpoint
DROP INDEX "api_tokens_role_idx";--> statement-breakpoint
ALTER TABLE "api_tokens" DROP COLUMN "role";--> statement-breakpoint
DROP TYPE "public"."token_role";--> statement-breakpoint
ALTER TABLE "project_members" DROP CONSTRAINT "project_members_token_id_api_tokens_id_fk";--> statement-breakpoint
ALTER TABLE "project_members" DROP CONSTRAINT "project_members_project_id_token_id_pk";--> statement-breakpoint
ALTER TABLE "project_members" ADD COLUMN "user_id" uuid;--> statement-breakpoint
ALTER TABLE "project_members" ADD COLUMN "role" "member_role" DEFAULT 'OWNER' NOT NULL;--> statement-breakpoint
ALTER TABLE "project_members" ALTER COLUMN "role" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "project_members" ADD COLUMN "added_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
UPDATE "project_members" m SET "user_id" = t."user_id" FROM "api_tokens" t WHERE t."id" = m."token_id";--> statement-breakpoint
DELETE FROM "project_members" WHERE "user_id" IS NULL;--> statement-breakpoint
DELETE FROM "project_members" a USING "project_members" b WHERE a."project_id" = b."project_id" AND a."user_id" = b."user_id" AND a."token_id" > b."token_id";--> statement-breakpoint
ALTER TABLE "project_members" DROP COLUMN "token_id";--> statement-breakpoint
ALTER TABLE "project_members" ALTER COLUMN "user_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_project_id_user_id_pk" PRIMARY KEY("project_id","user_id");--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "actor" text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE "artifact_projects" ADD CONSTRAINT "artifact_projects_sha256_artifacts_sha256_fk" FOREIGN KEY ("sha256") REFERENCES "public"."artifacts"("sha256") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "artifact_projects" ADD CONSTRAINT "artifact_projects_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outpost_grants" ADD CONSTRAINT "outpost_grants_outpost_id_outposts_id_fk" FOREIGN KEY ("outpost_id") REFERENCES "public"."outposts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outpost_grants" ADD CONSTRAINT "outpost_grants_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_failures_email_idx" ON "audit_log" USING btree ("email","at") WHERE "audit_log"."action" = 'SIGN_IN_FAILED';--> statement-breakpoint
CREATE INDEX "audit_log_failures_address_idx" ON "audit_log" USING btree ("address","at") WHERE "audit_log"."action" = 'SIGN_IN_FAILED';--> statement-breakpoint
CREATE INDEX "audit_log_user_idx" ON "audit_log" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_project_idx" ON "audit_log" USING btree ("project_id","id");--> statement-breakpoint
CREATE INDEX "outpost_grants_project_idx" ON "outpost_grants" USING btree ("project_id");--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_user_idx" ON "api_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "api_tokens_kind_idx" ON "api_tokens" USING btree ("kind");--> statement-breakpoint
CREATE INDEX "project_members_user_idx" ON "project_members" USING btree ("user_id");
--> statement-breakpoint
-- What already runs stays allowed: Outposts are granted to the Projects with Stages on them,
-- artifacts belong to the Projects that built from them.
INSERT INTO "outpost_grants" ("outpost_id", "project_id") SELECT DISTINCT "outpost_id", "project_id" FROM "stages" WHERE "outpost_id" IS NOT NULL ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO "artifact_projects" ("sha256", "project_id") SELECT DISTINCT "artifact_sha256", "project_id" FROM "builds" ON CONFLICT DO NOTHING;
