CREATE TABLE "batch_chunks" (
	"batch_id" text NOT NULL,
	"provider" text NOT NULL,
	"first_line" integer NOT NULL,
	"ranges" jsonb NOT NULL,
	"ordinal" integer NOT NULL,
	"done_at" timestamp with time zone,
	CONSTRAINT "batch_chunks_pkey" PRIMARY KEY("batch_id","provider","first_line")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"project_id" text NOT NULL,
	"key" text NOT NULL,
	"operation" text NOT NULL,
	"fingerprint" text NOT NULL,
	"request_id" text NOT NULL,
	"status" text NOT NULL,
	"response_status" integer,
	"response_body" jsonb,
	"response_headers" jsonb,
	"locked_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY("project_id","key")
);
--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "stop_reason" text;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "fanned_out_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "batch_chunks" ADD CONSTRAINT "batch_chunks_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "requests_unsettled_async_created_at_idx" ON "requests" USING btree ("created_at") WHERE kind = 'async' AND status IN ('queued', 'in_progress');--> statement-breakpoint
CREATE INDEX "batches_unfinished_created_at_idx" ON "batches" USING btree ("created_at") WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling');--> statement-breakpoint
CREATE INDEX "webhook_deliveries_pending_next_attempt_at_idx" ON "webhook_deliveries" USING btree ("next_attempt_at") WHERE status = 'pending';