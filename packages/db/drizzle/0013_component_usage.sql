CREATE TABLE "component_usage" (
	"stage_id" uuid NOT NULL,
	"component" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"step_seconds" integer NOT NULL,
	"cpu_seconds_total" double precision NOT NULL,
	"cpu" double precision NOT NULL,
	"memory_bytes" bigint NOT NULL,
	"open_files" integer NOT NULL,
	CONSTRAINT "component_usage_stage_id_component_at_pk" PRIMARY KEY("stage_id","component","at")
);
--> statement-breakpoint
ALTER TABLE "component_usage" ADD CONSTRAINT "component_usage_stage_id_stages_id_fk" FOREIGN KEY ("stage_id") REFERENCES "public"."stages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "component_usage_step_at_idx" ON "component_usage" USING btree ("step_seconds","at");