CREATE TABLE "provider_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"batch_id" text NOT NULL,
	"provider" text NOT NULL,
	"operation" text NOT NULL,
	"upstream_model" text NOT NULL,
	"ranges" jsonb NOT NULL,
	"line_count" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"provider_file_id" text,
	"provider_batch_id" text,
	"provider_status" text,
	"errors" jsonb,
	"reserved_cost" numeric(20, 10) DEFAULT '0' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submit_started_at" timestamp with time zone,
	"submitted_at" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"settled_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "provider_batch_id" text;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "mode" text DEFAULT 'gateway' NOT NULL;--> statement-breakpoint
ALTER TABLE "provider_batches" ADD CONSTRAINT "provider_batches_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "provider_batches_batch_id_idx" ON "provider_batches" USING btree ("batch_id");--> statement-breakpoint
CREATE INDEX "provider_batches_unsettled_created_at_idx" ON "provider_batches" USING btree ("created_at") WHERE status IN ('pending', 'submitting', 'submitted');