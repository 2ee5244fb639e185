CREATE TABLE "artifact_chunks" (
	"sha256" text NOT NULL,
	"seq" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "artifact_chunks_sha256_seq_pk" PRIMARY KEY("sha256","seq")
);
--> statement-breakpoint
ALTER TABLE "artifacts" ADD COLUMN "uploaded_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- The chunks are gzip already: stored out of line, not compressed again.
ALTER TABLE "artifact_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;
