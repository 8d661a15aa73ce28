ALTER TABLE "requests" ADD COLUMN "routing_rule" text;--> statement-breakpoint
ALTER TABLE "usage" ADD COLUMN "routing_rule" text;--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" ADD COLUMN "routing_rule" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "routing_rule" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" DROP CONSTRAINT "usage_daily_rollups_pkey";
--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" ADD CONSTRAINT "usage_daily_rollups_pkey" PRIMARY KEY("day","project_id","api_key_id","model","provider","served_by","format","batch_id","routing_rule");--> statement-breakpoint
ALTER TABLE "usage_rollups" DROP CONSTRAINT "usage_rollups_pkey";
--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_pkey" PRIMARY KEY("hour","project_id","api_key_id","model","provider","served_by","format","batch_id","routing_rule");