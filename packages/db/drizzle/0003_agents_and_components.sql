ALTER TYPE "public"."token_role" ADD VALUE 'AGENT';--> statement-breakpoint
CREATE TABLE "components" (
	"release_id" uuid NOT NULL,
	"stage_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"state" text NOT NULL,
	"health" text NOT NULL,
	"last_known_health" text,
	"observed_at" timestamp with time zone,
	"restarts" integer DEFAULT 0 NOT NULL,
	"host" text,
	"message" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "components_release_id_name_pk" PRIMARY KEY("release_id","name")
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "outpost" text;--> statement-breakpoint
ALTER TABLE "stages" ADD COLUMN "generation" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "components" ADD CONSTRAINT "components_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "components" ADD CONSTRAINT "components_stage_id_stages_id_fk" FOREIGN KEY ("stage_id") REFERENCES "public"."stages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "components_stage_idx" ON "components" USING btree ("stage_id");