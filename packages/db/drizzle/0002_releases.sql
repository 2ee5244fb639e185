CREATE TYPE "public"."release_state" AS ENUM('PENDING', 'DEPLOYING', 'DEPLOYED', 'FAILED', 'SUPERSEDED');--> statement-breakpoint
CREATE TABLE "releases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"stage_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"build_id" uuid NOT NULL,
	"config_name" text,
	"config_version" integer,
	"state" "release_state" DEFAULT 'PENDING' NOT NULL,
	"message" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_stage_id_stages_id_fk" FOREIGN KEY ("stage_id") REFERENCES "public"."stages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_build_id_builds_id_fk" FOREIGN KEY ("build_id") REFERENCES "public"."builds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "releases_stage_number_key" ON "releases" USING btree ("stage_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "releases_one_active_per_stage" ON "releases" USING btree ("stage_id") WHERE "releases"."state" in ('PENDING', 'DEPLOYING', 'DEPLOYED');