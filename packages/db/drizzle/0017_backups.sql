CREATE TABLE "backup_storages" (
	"backup_id" uuid NOT NULL,
	"name" text NOT NULL,
	"sha256" text,
	"size" bigint,
	CONSTRAINT "backup_storages_backup_id_name_pk" PRIMARY KEY("backup_id","name")
);
--> statement-breakpoint
CREATE TABLE "backups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"stage_id" uuid NOT NULL,
	"display_name" text NOT NULL,
	"state" text DEFAULT 'PENDING' NOT NULL,
	"message" text,
	"size" bigint DEFAULT 0 NOT NULL,
	"restore_state" text,
	"restore_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "backup_storages" ADD CONSTRAINT "backup_storages_backup_id_backups_id_fk" FOREIGN KEY ("backup_id") REFERENCES "public"."backups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backups" ADD CONSTRAINT "backups_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backups" ADD CONSTRAINT "backups_stage_id_stages_id_fk" FOREIGN KEY ("stage_id") REFERENCES "public"."stages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "backup_storages_sha256_idx" ON "backup_storages" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "backups_stage_created_idx" ON "backups" USING btree ("stage_id","created_at");