ALTER TABLE "pos"."dead_letter" DROP CONSTRAINT "dead_letter_topic_partition_offset_key";--> statement-breakpoint
ALTER TABLE "pos"."dead_letter" ADD COLUMN "topic_id" uuid;--> statement-breakpoint
ALTER TABLE "pos"."dead_letter" ADD COLUMN "publish_claim" uuid;--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letter_source_key" ON "pos"."dead_letter" USING btree ("topic","partition","offset",coalesce("topic_id", '00000000-0000-0000-0000-000000000000'::uuid));