CREATE TYPE "public"."outpost_link_status" AS ENUM('PENDING', 'CONNECTING', 'ONLINE', 'OFFLINE', 'ERROR');--> statement-breakpoint
CREATE TABLE "outpost_heartbeats" (
	"outpost_id" uuid PRIMARY KEY NOT NULL,
	"session" integer NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"latency_ms" integer
);
--> statement-breakpoint
CREATE TABLE "outpost_history" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "outpost_history_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"outpost_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"message" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outposts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"region" text,
	"labels" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" "outpost_link_status" DEFAULT 'PENDING' NOT NULL,
	"status_since" timestamp with time zone DEFAULT now() NOT NULL,
	"session" integer DEFAULT 0 NOT NULL,
	"agent_version" text,
	"public_url" text,
	"heartbeat_interval_seconds" integer DEFAULT 5 NOT NULL,
	"offline_after_seconds" integer DEFAULT 20 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outposts_slug_unique" UNIQUE("slug"),
	CONSTRAINT "outposts_heartbeat_range" CHECK ("outposts"."heartbeat_interval_seconds" >= 1 and "outposts"."offline_after_seconds" > "outposts"."heartbeat_interval_seconds")
);
--> statement-breakpoint
ALTER TABLE "stages" ADD COLUMN "outpost_id" uuid;--> statement-breakpoint
ALTER TABLE "stages" ADD COLUMN "observed_generation" integer;--> statement-breakpoint
ALTER TABLE "stages" ADD COLUMN "apply_errors" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "outpost_heartbeats" ADD CONSTRAINT "outpost_heartbeats_outpost_id_outposts_id_fk" FOREIGN KEY ("outpost_id") REFERENCES "public"."outposts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outpost_history" ADD CONSTRAINT "outpost_history_outpost_id_outposts_id_fk" FOREIGN KEY ("outpost_id") REFERENCES "public"."outposts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outpost_history_outpost_idx" ON "outpost_history" USING btree ("outpost_id","id");--> statement-breakpoint
ALTER TABLE "stages" ADD CONSTRAINT "stages_outpost_id_outposts_id_fk" FOREIGN KEY ("outpost_id") REFERENCES "public"."outposts"("id") ON DELETE no action ON UPDATE no action;