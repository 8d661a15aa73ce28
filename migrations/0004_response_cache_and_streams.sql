ALTER TABLE "requests" ADD COLUMN "cache_status" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "streamed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "usage" ADD COLUMN "cost_saved" numeric(20, 10) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage" ADD COLUMN "cache_hit" boolean DEFAULT false NOT NULL;