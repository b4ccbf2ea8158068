CREATE TABLE "pos"."ingest_event" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"consumer_group" text NOT NULL,
	"topic" text NOT NULL,
	"partition" integer,
	"kind" text NOT NULL,
	"detail" text NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ingest_event_kind_check" CHECK ("pos"."ingest_event"."kind" in ('topic_recreated', 'offset_beyond_end'))
);
--> statement-breakpoint
CREATE TABLE "pos"."ingest_gap" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"consumer_group" text NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"first_missing" bigint NOT NULL,
	"last_missing" bigint NOT NULL,
	"missing_count" bigint NOT NULL,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "pos"."dead_letter" ADD COLUMN "publish_claimed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pos"."dead_letter" ADD COLUMN "publish_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "pos"."dead_letter" ADD COLUMN "publish_error" text;--> statement-breakpoint
ALTER TABLE "pos"."dead_letter" ADD COLUMN "replayed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pos"."dead_letter" ADD COLUMN "replay_outcome" text;--> statement-breakpoint
ALTER TABLE "pos"."ingest_offset" ADD COLUMN "topic_id" uuid;--> statement-breakpoint
CREATE INDEX "ingest_gap_group_topic_idx" ON "pos"."ingest_gap" USING btree ("consumer_group","topic");