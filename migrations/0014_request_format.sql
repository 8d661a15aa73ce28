ALTER TABLE "requests" ADD COLUMN "format" text DEFAULT 'chat' NOT NULL;--> statement-breakpoint
-- Requests recorded before the column came in through their operation's OpenAI API as far as the record tells.
UPDATE "requests" SET "format" = 'embeddings' WHERE "operation" = 'embeddings';--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" ADD COLUMN "format" text DEFAULT 'chat' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "format" text DEFAULT 'chat' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" DROP CONSTRAINT "usage_daily_rollups_pkey";
--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" ADD CONSTRAINT "usage_daily_rollups_pkey" PRIMARY KEY("day","project_id","api_key_id","model","provider","served_by","format","batch_id");--> statement-breakpoint
ALTER TABLE "usage_rollups" DROP CONSTRAINT "usage_rollups_pkey";
--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_pkey" PRIMARY KEY("hour","project_id","api_key_id","model","provider","served_by","format","batch_id");