CREATE TABLE "stage_purges" (
	"stage_id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"slug" text NOT NULL,
	"outpost_id" uuid,
	"purged_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stage_purges" ADD CONSTRAINT "stage_purges_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stage_purges" ADD CONSTRAINT "stage_purges_outpost_id_outposts_id_fk" FOREIGN KEY ("outpost_id") REFERENCES "public"."outposts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "stage_purges_project_slug_key" ON "stage_purges" USING btree ("project_id","slug");--> statement-breakpoint
CREATE INDEX "stage_purges_outpost_idx" ON "stage_purges" USING btree ("outpost_id");