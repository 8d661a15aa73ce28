CREATE TABLE "usage_daily_rollups" (
	"day" date NOT NULL,
	"project_id" text NOT NULL,
	"api_key_id" text NOT NULL,
	"model" text NOT NULL,
	"provider" text DEFAULT '' NOT NULL,
	"batch_id" text DEFAULT '' NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"errors" bigint DEFAULT 0 NOT NULL,
	"cache_hits" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"cost" numeric(24, 10) DEFAULT '0' NOT NULL,
	"cost_saved" numeric(24, 10) DEFAULT '0' NOT NULL,
	"latency_histogram" bigint[] NOT NULL,
	CONSTRAINT "usage_daily_rollups_pkey" PRIMARY KEY("day","project_id","api_key_id","model","provider","batch_id")
);
--> statement-breakpoint
CREATE TABLE "usage_rollups" (
	"hour" timestamp with time zone NOT NULL,
	"project_id" text NOT NULL,
	"api_key_id" text NOT NULL,
	"model" text NOT NULL,
	"provider" text DEFAULT '' NOT NULL,
	"batch_id" text DEFAULT '' NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"errors" bigint DEFAULT 0 NOT NULL,
	"cache_hits" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"cost" numeric(24, 10) DEFAULT '0' NOT NULL,
	"cost_saved" numeric(24, 10) DEFAULT '0' NOT NULL,
	"latency_histogram" bigint[] NOT NULL,
	CONSTRAINT "usage_rollups_pkey" PRIMARY KEY("hour","project_id","api_key_id","model","provider","batch_id")
);
--> statement-breakpoint
CREATE INDEX "usage_daily_rollups_project_id_day_idx" ON "usage_daily_rollups" USING btree ("project_id","day");--> statement-breakpoint
CREATE INDEX "usage_rollups_project_id_hour_idx" ON "usage_rollups" USING btree ("project_id","hour");