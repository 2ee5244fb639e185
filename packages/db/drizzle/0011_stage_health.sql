ALTER TABLE "stages" ADD COLUMN "health" text DEFAULT 'UNKNOWN' NOT NULL;--> statement-breakpoint
ALTER TABLE "stages" ADD COLUMN "health_since" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- Existing Stages start with the health their serving Release's services give them now, as seen
-- (UNKNOWN while their Outpost is not ONLINE): the rule of apps/api/src/stages/stage-health.ts.
UPDATE "stages" AS s SET "health" = coalesce((
  SELECT CASE
    WHEN count(*) = 0 THEN 'UNKNOWN'
    WHEN o.status IS NOT NULL AND o.status <> 'ONLINE' THEN 'UNKNOWN'
    WHEN count(*) FILTER (WHERE c.health = 'UNKNOWN') > 0 THEN 'UNKNOWN'
    WHEN count(*) FILTER (WHERE c.health = 'HEALTHY') = count(*) THEN 'HEALTHY'
    WHEN count(*) FILTER (WHERE c.health = 'HEALTHY') = 0 THEN 'UNHEALTHY'
    ELSE 'DEGRADED' END
  FROM "components" c JOIN "releases" r ON r.id = c.release_id
  WHERE c.stage_id = s.id AND c.kind = 'SERVICE'
    AND (r.state = 'DEPLOYED' OR (r.state IN ('PENDING', 'DEPLOYING')
      AND NOT EXISTS (SELECT 1 FROM "releases" d WHERE d.stage_id = r.stage_id AND d.state = 'DEPLOYED')))
), 'UNKNOWN')
FROM "stages" AS t LEFT JOIN "outposts" o ON o.id = t.outpost_id
WHERE t.id = s.id;
