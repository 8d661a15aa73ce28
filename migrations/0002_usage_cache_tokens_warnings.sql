ALTER TABLE "requests" ADD COLUMN "warnings" jsonb;--> statement-breakpoint
ALTER TABLE "usage" ADD COLUMN "cached_prompt_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage" ADD COLUMN "cache_creation_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage" ADD COLUMN "estimated" boolean DEFAULT false NOT NULL;