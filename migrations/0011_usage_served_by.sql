ALTER TABLE "usage" ADD COLUMN "batch_saved" numeric(20, 10) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" ADD COLUMN "served_by" text DEFAULT 'gateway' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" ADD COLUMN "batch_saved" numeric(24, 10) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "served_by" text DEFAULT 'gateway' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "batch_saved" numeric(24, 10) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" DROP CONSTRAINT "usage_daily_rollups_pkey";
--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" ADD CONSTRAINT "usage_daily_rollups_pkey" PRIMARY KEY("day","project_id","api_key_id","model","provider","served_by","batch_id");--> statement-breakpoint
ALTER TABLE "usage_rollups" DROP CONSTRAINT "usage_rollups_pkey";
--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_pkey" PRIMARY KEY("hour","project_id","api_key_id","model","provider","served_by","batch_id");