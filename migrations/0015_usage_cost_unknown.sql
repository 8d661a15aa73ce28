ALTER TABLE "usage" ALTER COLUMN "cost" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" ADD COLUMN "cost_unknown_requests" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "cost_unknown_requests" bigint DEFAULT 0 NOT NULL;