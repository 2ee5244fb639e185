DROP INDEX "releases_one_active_per_stage";--> statement-breakpoint
CREATE UNIQUE INDEX "releases_one_deployed_per_stage" ON "releases" USING btree ("stage_id") WHERE "releases"."state" = 'DEPLOYED';--> statement-breakpoint
CREATE UNIQUE INDEX "releases_one_rolling_per_stage" ON "releases" USING btree ("stage_id") WHERE "releases"."state" in ('PENDING', 'DEPLOYING');