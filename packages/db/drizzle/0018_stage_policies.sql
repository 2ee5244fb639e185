CREATE TYPE "public"."stage_deployers" AS ENUM('OWNERS', 'OWNERS_AND_MEMBERS');--> statement-breakpoint
CREATE TABLE "stage_policies" (
	"type" "stage_type" PRIMARY KEY NOT NULL,
	"deployers" "stage_deployers" DEFAULT 'OWNERS_AND_MEMBERS' NOT NULL,
	"require_promotion_from" "stage_type",
	"confirm_deploy" boolean DEFAULT false NOT NULL,
	"confirm_suspend" boolean DEFAULT false NOT NULL,
	"default_suspend_grace_seconds" integer DEFAULT 60 NOT NULL,
	"auto_suspend_after_hours" integer DEFAULT 0 NOT NULL,
	"nice" integer DEFAULT 0 NOT NULL,
	"updated_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stage_policies_grace_range" CHECK ("stage_policies"."default_suspend_grace_seconds" between 0 and 86400),
	CONSTRAINT "stage_policies_auto_suspend_range" CHECK ("stage_policies"."auto_suspend_after_hours" >= 0),
	CONSTRAINT "stage_policies_nice_range" CHECK ("stage_policies"."nice" between -20 and 19)
);
--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "deployed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "stages" ADD COLUMN "last_traffic_at" timestamp with time zone;--> statement-breakpoint
-- The defaults of a fresh install (docs/design.md, "Stage policies"): everything permissive, so
-- nothing that worked before is refused; PROD's Components are scheduled first (nice 0), DEV's last.
INSERT INTO "stage_policies" ("type", "nice") VALUES ('DEV', 10), ('QA', 5), ('PROD', 0);--> statement-breakpoint
-- Releases deployed before the column: the DEPLOYED ones, and the SUPERSEDED ones that got there
-- (one superseded on its way says "replaced before it was deployed").
UPDATE "releases" SET "deployed_at" = "updated_at"
  WHERE "state" = 'DEPLOYED' OR ("state" = 'SUPERSEDED' AND "message" IS DISTINCT FROM 'replaced before it was deployed');
