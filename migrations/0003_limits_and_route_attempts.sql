ALTER TABLE "projects" ADD COLUMN "limits" jsonb;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "limits" jsonb;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "route_attempts" jsonb;